//! The two steps every API handler ends with: run one use case on the blocking pool for the
//! caller, then shape the answer; lists answer as a page of `items` with `next_cursor`.

use actix_web::web;
use serde::Serialize;

use crate::{
    api::extract::ListOf,
    services::{split_page, split_page_by, Page},
};

pub use crate::present::run;

/// A list answer from rows fetched with one row beyond `page` (the extra row only tells that
/// another page follows, and becomes `next_cursor`).
pub fn paged<T, V: Serialize>(
    rows: Vec<T>,
    page: Page,
    id_of: impl Fn(&T) -> i64,
    view: impl FnMut(T) -> V,
) -> web::Json<ListOf<V>> {
    list_of(split_page(rows, page, id_of), view)
}

/// [`paged`] for a list in another order than by id, whose cursor `cursor_of` makes.
pub fn paged_by<T, V: Serialize>(
    rows: Vec<T>,
    page: Page,
    cursor_of: impl Fn(&T) -> String,
    view: impl FnMut(T) -> V,
) -> web::Json<ListOf<V>> {
    list_of(split_page_by(rows, page, cursor_of), view)
}

fn list_of<T, V: Serialize>(
    (rows, next_cursor): (Vec<T>, Option<String>),
    view: impl FnMut(T) -> V,
) -> web::Json<ListOf<V>> {
    web::Json(ListOf {
        items: rows.into_iter().map(view).collect(),
        next_cursor,
    })
}
