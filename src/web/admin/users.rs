//! `/admin/users`: the accounts, a form to create one, and one to change role, language, name,
//! password or whether the account is active. Everything goes through `services::users`, so
//! the policy and the audit trail are the API's.

use std::collections::HashMap;

use actix_web::{http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use crate::{
    authz::{self, Action},
    domain::{Locale, Role},
    error::AppError,
    services::users::{self, UserInput, UserPatch},
    services::{
        rows::{User, UserFilter},
        split_page,
    },
    state::AppState,
    web::{
        admin::{all_organisations, list_page, organisation_names, ListQuery},
        context::{SignedIn, Submitted, WebResult},
        forms::{non_empty, ticked, Choice, FormErrors},
        page::{render, see_other, Arg, Page},
    },
};

#[derive(Template)]
#[template(path = "admin/users.html")]
struct ListTemplate {
    page: Page,
    users: Vec<User>,
    organisations: HashMap<i64, String>,
    next_cursor: Option<String>,
}

impl ListTemplate {
    fn organisation(&self, id: impl Arg<i64>) -> String {
        self.organisations
            .get(&id.value())
            .cloned()
            .unwrap_or_default()
    }
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: SignedIn,
    query: web::Query<ListQuery>,
) -> WebResult {
    authz::require(&ctx.actor, Action::ManageUsers)?;
    let page_req = list_page(&query)?;
    let actor = ctx.actor.clone();
    let (rows, organisations) = state
        .db
        .run(move |conn| {
            let rows = users::list(conn, &actor, &UserFilter::default(), page_req)?;
            Ok((rows, organisation_names(conn, &actor)?))
        })
        .await?;
    let (users, next_cursor) = split_page(rows, page_req, |u| u.id);
    let notice = query.notice();
    let template = ListTemplate {
        page: ctx.page("users-title").with_notice(notice),
        users,
        organisations,
        next_cursor,
    };
    Ok(render(StatusCode::OK, &template.page, &template)?)
}

/// What the form shows: the user's input, kept when it is sent back with errors.
#[derive(Debug, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    active: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
struct FormTemplate {
    page: Page,
    /// `None` while creating.
    editing: Option<User>,
    form: UserForm,
    errors: FormErrors,
    organisations: Vec<Choice>,
    roles: Vec<Choice>,
    locales: Vec<Choice>,
}

impl FormTemplate {
    fn organisation_name(&self) -> String {
        self.organisations
            .iter()
            .find(|c| c.selected)
            .map(|c| c.label.clone())
            .unwrap_or_default()
    }
}

/// One account as the signed-in admin may see it, for the edit form and its re-display.
async fn load(state: &AppState, ctx: &SignedIn, id: i64) -> Result<User, AppError> {
    let actor = ctx.actor.clone();
    state.db.run(move |conn| users::get(conn, &actor, id)).await
}

async fn form_page(
    state: &AppState,
    ctx: &SignedIn,
    editing: Option<User>,
    form: UserForm,
    errors: FormErrors,
    status: StatusCode,
) -> WebResult {
    let actor = ctx.actor.clone();
    let all = state
        .db
        .run(move |conn| all_organisations(conn, &actor))
        .await?;
    let title = if editing.is_some() {
        "user-edit-title"
    } else {
        "user-new-title"
    };
    let page = ctx.page(title);
    // Only active organisations take new members; the user's own stays listed when editing.
    let current = form.organisation_id.clone();
    let mut names: Vec<(i64, String)> = all
        .into_iter()
        .filter(|o| o.active || o.id.to_string() == current)
        .map(|o| (o.id, o.name))
        .collect();
    names.sort_by_key(|(_, name)| name.to_lowercase());
    let organisations = Choice::list(
        names.into_iter().map(|(id, name)| (id.to_string(), name)),
        &form.organisation_id,
    );
    let roles = Choice::list(
        Role::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), page.role_label(r.as_str()))),
        &form.role,
    );
    let locales = Choice::list(
        Locale::ALL
            .iter()
            .map(|l| (l.as_str().to_owned(), page.locale_label(l.as_str()))),
        &form.locale,
    );
    let template = FormTemplate {
        page,
        editing,
        form,
        errors,
        organisations,
        roles,
        locales,
    };
    Ok(render(status, &template.page, &template)?)
}

pub async fn new_form(state: web::Data<AppState>, ctx: SignedIn) -> WebResult {
    authz::require(&ctx.actor, Action::ManageUsers)?;
    let form = UserForm {
        role: Role::Reporter.as_str().into(),
        locale: Locale::default().as_str().into(),
        ..Default::default()
    };
    form_page(
        &state,
        &ctx,
        None,
        form,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn create(state: web::Data<AppState>, posted: Submitted<UserForm>) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    authz::require(&ctx.actor, Action::ManageUsers)?;
    let actor = ctx.actor.clone();
    let input = UserInput {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        password: form.password.clone(),
        // Not a number: the service answers "does not name an existing organisation".
        organisation_id: form.organisation_id.trim().parse().unwrap_or(0),
        role: form.role.clone(),
        locale: non_empty(&form.locale),
    };
    match state
        .db
        .run(move |conn| users::create(conn, &actor, input))
        .await
    {
        Ok(_) => Ok(see_other("/admin/users?created=1")),
        Err(error) => {
            let errors = FormErrors::from_error(&ctx.page, error)?;
            let status = errors.status();
            form_page(&state, &ctx, None, form, errors, status).await
        }
    }
}

pub async fn edit_form(state: web::Data<AppState>, ctx: SignedIn, id: web::Path<i64>) -> WebResult {
    authz::require(&ctx.actor, Action::ManageUsers)?;
    let user = load(&state, &ctx, id.into_inner()).await?;
    let form = UserForm {
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        organisation_id: user.organisation_id.to_string(),
        role: user.role.clone(),
        locale: user.locale.clone(),
        active: user.active.then(|| "on".to_owned()),
        ..Default::default()
    };
    form_page(
        &state,
        &ctx,
        Some(user),
        form,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Submitted<UserForm>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    authz::require(&ctx.actor, Action::ManageUsers)?;
    let (actor, id) = (ctx.actor.clone(), id.into_inner());
    let patch = UserPatch {
        display_name: Some(form.display_name.clone()),
        role: Some(form.role.clone()),
        locale: Some(form.locale.clone()),
        active: Some(ticked(&form.active)),
        password: non_empty(&form.password),
    };
    let result = state
        .db
        .run(move |conn| users::update(conn, &actor, id, patch))
        .await;
    match result {
        Ok(_) => Ok(see_other("/admin/users?saved=1")),
        Err(AppError::NotFound) => Err(AppError::NotFound.into()),
        Err(error) => {
            let errors = FormErrors::from_error(&ctx.page, error)?;
            let user = load(&state, &ctx, id).await?;
            let form = UserForm {
                email: user.email.clone(),
                password: String::new(),
                ..form
            };
            let status = errors.status();
            form_page(&state, &ctx, Some(user), form, errors, status).await
        }
    }
}
