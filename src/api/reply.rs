//! The two steps every API handler ends with: run one use case on the blocking pool for the
//! caller, then shape the answer; lists answer as a page of `items` with `next_cursor`.

use actix_web::web;
use serde::Serialize;

use crate::{
    api::extract::ListOf,
    services::{split_page, Page},
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
    let (rows, next_cursor) = split_page(rows, page, id_of);
    web::Json(ListOf {
        items: rows.into_iter().map(view).collect(),
        next_cursor,
    })
}
