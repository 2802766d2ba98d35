//! `/profile`: what everyone may change about themselves — name, language, which progress mail
//! they receive, password — through the same service as `PATCH /api/v1/me`.

use std::collections::{BTreeMap, HashMap};

use actix_web::{http::StatusCode, web};
use askama::Template;

use crate::{
    domain::Locale,
    services::{
        notify::{self, MailKind},
        users::{self, OwnPatch},
    },
    state::AppState,
    web::{
        context::{SignedIn, Submitted, WebResult},
        forms::{non_empty, Choice, FormErrors},
        page::{render, see_other, Page},
    },
};

/// One mail kind the user may switch off, with its current state.
pub struct MailSwitch {
    pub field: String,
    pub label: String,
    pub on: bool,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfileTemplate {
    page: Page,
    display_name: String,
    email: String,
    locales: Vec<Choice>,
    switches: Vec<MailSwitch>,
    errors: FormErrors,
}

fn switches(page: &Page, current: &BTreeMap<String, bool>) -> Vec<MailSwitch> {
    MailKind::switchable()
        .map(|kind| MailSwitch {
            field: format!("mail_{}", kind.as_str()),
            label: page.t(&format!("profile-mail-{}", kind.as_str().replace('_', "-"))),
            on: current.get(kind.as_str()).copied().unwrap_or(true),
        })
        .collect()
}

async fn show(
    state: &AppState,
    ctx: &SignedIn,
    form: Option<&HashMap<String, String>>,
    errors: FormErrors,
    status: StatusCode,
    notice: Option<&str>,
) -> WebResult {
    let user_id = ctx.actor.user_id;
    let current = state
        .db
        .run(move |conn| notify::preferences(conn, user_id))
        .await?;
    let page = ctx.page("profile-title");
    let chosen_locale = form
        .and_then(|f| f.get("locale").cloned())
        .unwrap_or_else(|| ctx.user.locale.clone());
    let locales = Choice::list(
        Locale::ALL
            .iter()
            .map(|l| (l.as_str().to_owned(), page.locale_label(l.as_str()))),
        &chosen_locale,
    );
    let mut switches = switches(&page, &current);
    if let Some(form) = form {
        for s in &mut switches {
            s.on = form.contains_key(&s.field);
        }
    }
    let template = ProfileTemplate {
        display_name: form
            .and_then(|f| f.get("display_name").cloned())
            .unwrap_or_else(|| ctx.user.display_name.clone()),
        email: ctx.user.email.clone(),
        locales,
        switches,
        errors,
        page: page.with_notice(notice),
    };
    Ok(render(status, &template.page, &template)?)
}

pub async fn page(
    state: web::Data<AppState>,
    ctx: SignedIn,
    query: web::Query<HashMap<String, String>>,
) -> WebResult {
    let notice = query.contains_key("saved").then_some("profile-saved");
    show(
        &state,
        &ctx,
        None,
        FormErrors::default(),
        StatusCode::OK,
        notice,
    )
    .await
}

pub async fn save(
    state: web::Data<AppState>,
    posted: Submitted<HashMap<String, String>>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let notifications: BTreeMap<String, bool> = MailKind::switchable()
        .map(|k| {
            (
                k.as_str().to_owned(),
                form.contains_key(&format!("mail_{}", k.as_str())),
            )
        })
        .collect();
    let patch = OwnPatch {
        display_name: form.get("display_name").cloned(),
        locale: form.get("locale").cloned(),
        new_password: form.get("new_password").and_then(|p| non_empty(p)),
        current_password: form.get("current_password").cloned(),
        notifications: Some(notifications),
    };
    let actor = ctx.actor.clone();
    match state
        .db
        .run(move |conn| users::update_own(conn, &actor, patch))
        .await
    {
        Ok(_) => Ok(see_other("/profile?saved=1")),
        Err(error) => {
            let errors = FormErrors::from_error(&ctx.page, error)?;
            let status = errors.status();
            show(&state, &ctx, Some(&form), errors, status, None).await
        }
    }
}
