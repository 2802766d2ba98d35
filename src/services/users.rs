use serde_json::json;

use crate::services::organisations;
use crate::{
    auth::{password, Actor},
    authz::{self, Action},
    db::{
        models::{
            organisation,
            user::{self, NewUser, User, UserChanges, UserFilter},
            Page,
        },
        write_tx, DbConn,
    },
    domain::{identity, identity::EmailAddress, time, Locale, Role},
    error::{AppError, AppResult, FieldErrors},
    services::{
        audit::{self, By},
        incidents::text,
        notify,
    },
};

/// A new account as the API's JSON body and the admin form give it. No `Debug`: it carries the
/// password in clear.
#[derive(serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CreateUser)]
pub struct UserInput {
    pub email: String,
    pub display_name: String,
    /// At least 12 characters and not the email address.
    pub password: String,
    pub organisation_id: i64,
    /// `admin`, `coordinator`, `responder`, `auditor`, `reporter` or `liaison`.
    pub role: String,
    /// `az` (default), `en` or `ru`.
    pub locale: Option<String>,
}

#[derive(Default)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub locale: Option<String>,
    pub active: Option<bool>,
    pub password: Option<String>,
}

/// Display names: trimmed, 1 to 200 characters.
fn display_name_rule() -> impl Fn(&str) -> Result<String, String> {
    text(200, true)
}

pub fn create(conn: &mut DbConn, actor: &Actor, input: UserInput) -> AppResult<User> {
    authz::require(actor, Action::ManageUsers)?;
    create_as(conn, By::from(actor), input)
}

/// Creation by the system (start-up bootstrap, the `user create` command).
pub fn create_as(conn: &mut DbConn, by: By, input: UserInput) -> AppResult<User> {
    let mut errors = FieldErrors::new();
    let email = errors.check("email", EmailAddress::parse(&input.email));
    let display_name = errors.check("display_name", display_name_rule()(&input.display_name));
    let role = errors.check("role", Role::parse(&input.role));
    let locale = match input.locale.as_deref() {
        None | Some("") => Some(Locale::default()),
        Some(raw) => errors.check("locale", Locale::parse(raw)),
    };
    errors.check(
        "password",
        identity::check_password(&input.password, &input.email),
    );
    errors.into_result()?;
    let (email, display_name, role, locale) = (
        email.unwrap(),
        display_name.unwrap(),
        role.unwrap(),
        locale.unwrap(),
    );

    let hash = password::hash(&input.password)?;
    write_tx(conn, |conn| {
        let org = organisations::named_active(conn, input.organisation_id)?;
        if role.is_cert_staff() && org.kind != "cert" {
            return Err(AppError::field(
                "role",
                "CERT staff roles belong to the CERT's own organisation",
            ));
        }
        if user::find_by_email(conn, email.as_str())?.is_some() {
            return Err(AppError::Conflict(
                "a user with this email address already exists".into(),
            ));
        }
        let now = time::now();
        let created = user::insert(
            conn,
            &NewUser {
                email: email.as_str(),
                display_name: &display_name,
                password_hash: &hash,
                organisation_id: org.id,
                role: role.as_str(),
                locale: locale.as_str(),
                time_zone: "Asia/Baku",
                active: true,
                created_at: now,
                updated_at: now,
            },
        )?;
        audit::record(
            conn,
            by,
            "user.created",
            "user",
            created.id,
            json!({
                "email": created.email, "display_name": created.display_name,
                "role": created.role, "organisation_id": created.organisation_id, "locale": created.locale,
            }),
        )?;
        Ok(created)
    })
}

pub fn update(conn: &mut DbConn, actor: &Actor, id: i64, patch: UserPatch) -> AppResult<User> {
    authz::require(actor, Action::ManageUsers)?;
    let mut errors = FieldErrors::new();
    let display_name = errors.patched(
        "display_name",
        patch.display_name.as_deref(),
        display_name_rule(),
    );
    let role = errors.patched("role", patch.role.as_deref(), Role::parse);
    let locale = errors.patched("locale", patch.locale.as_deref(), Locale::parse);
    errors.into_result()?;
    let password_hash = match &patch.password {
        Some(new) => Some(new_password_hash(conn, id, new)?),
        None => None,
    };

    write_tx(conn, |conn| {
        let before = user::find(conn, id)?;
        if let Some(role) = role {
            if role.is_cert_staff()
                && organisation::find(conn, before.organisation_id)?.kind != "cert"
            {
                return Err(AppError::field(
                    "role",
                    "CERT staff roles belong to the CERT's own organisation",
                ));
            }
        }
        let after = user::update(
            conn,
            id,
            &UserChanges {
                display_name,
                password_hash: password_hash.clone(),
                role: role.map(|r| r.as_str().to_owned()),
                locale: locale.map(|l| l.as_str().to_owned()),
                active: patch.active,
                updated_at: Some(time::now()),
                ..Default::default()
            },
        )?;
        if !after.active {
            // Deactivation ends the user's web sessions at once, not just on their next request.
            crate::db::models::session::delete_for_user(conn, id)?;
        }
        // Checked after the write, inside the transaction, so two admins demoting each other
        // at once cannot both succeed.
        if user::count_active_admins(conn)? == 0 {
            return Err(AppError::Conflict(
                "this change would leave no active administrator".into(),
            ));
        }
        let mut details = audit::changes(&[
            (
                "display_name",
                json!(before.display_name),
                json!(after.display_name),
            ),
            ("role", json!(before.role), json!(after.role)),
            ("locale", json!(before.locale), json!(after.locale)),
            ("active", json!(before.active), json!(after.active)),
        ]);
        if password_hash.is_some() {
            details["password"] = json!("changed");
        }
        audit::record(conn, By::from(actor), "user.updated", "user", id, details)?;
        Ok(after)
    })
}

fn new_password_hash(conn: &mut DbConn, id: i64, new: &str) -> AppResult<String> {
    let target = user::find(conn, id)?;
    identity::check_password(new, &target.email).map_err(|m| AppError::field("password", m))?;
    Ok(password::hash(new)?)
}

/// What anyone may change about themselves.
pub struct OwnPatch {
    pub display_name: Option<String>,
    pub locale: Option<String>,
    pub new_password: Option<String>,
    pub current_password: Option<String>,
    /// Mail kinds switched on or off (see `services::notify`).
    pub notifications: Option<std::collections::BTreeMap<String, bool>>,
}

pub fn update_own(conn: &mut DbConn, actor: &Actor, patch: OwnPatch) -> AppResult<User> {
    let mut errors = FieldErrors::new();
    let display_name = errors.patched(
        "display_name",
        patch.display_name.as_deref(),
        display_name_rule(),
    );
    let locale = errors.patched("locale", patch.locale.as_deref(), Locale::parse);
    if let Some(Err(fields)) = patch.notifications.as_ref().map(notify::check_preferences) {
        for (field, messages) in fields.0 {
            for m in messages {
                errors.add(&field, m);
            }
        }
    }
    errors.into_result()?;
    let me = user::find(conn, actor.user_id)?;
    let password_hash = match &patch.new_password {
        Some(new) => {
            let current = patch.current_password.as_deref().unwrap_or_default();
            if !password::verify(current, &me.password_hash) {
                return Err(AppError::field(
                    "current_password",
                    "does not match your current password",
                ));
            }
            Some(new_password_hash(conn, me.id, new)?)
        }
        None => None,
    };
    write_tx(conn, |conn| {
        let after = user::update(
            conn,
            me.id,
            &UserChanges {
                display_name,
                locale: locale.map(|l| l.as_str().to_owned()),
                password_hash: password_hash.clone(),
                updated_at: Some(time::now()),
                ..Default::default()
            },
        )?;
        let mut details = audit::changes(&[
            (
                "display_name",
                json!(me.display_name),
                json!(after.display_name),
            ),
            ("locale", json!(me.locale), json!(after.locale)),
        ]);
        if password_hash.is_some() {
            details["password"] = json!("changed");
        }
        if let Some(requested) = &patch.notifications {
            let changed = notify::set_preferences(conn, me.id, requested)?;
            if !changed.is_empty() {
                details["notifications"] = json!(changed);
            }
        }
        audit::record(
            conn,
            By::from(actor),
            "user.updated_own",
            "user",
            me.id,
            details,
        )?;
        Ok(after)
    })
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<User> {
    if id == actor.user_id {
        return Ok(user::find(conn, id)?);
    }
    authz::require(actor, Action::ListUsers)?;
    Ok(user::find(conn, id)?)
}

/// The account with this email address, if any (for filters that accept an email).
pub fn find_by_email(conn: &mut DbConn, actor: &Actor, email: &str) -> AppResult<Option<User>> {
    authz::require(actor, Action::ListUsers)?;
    Ok(user::find_by_email(conn, email)?)
}

pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &UserFilter,
    page: Page,
) -> AppResult<Vec<User>> {
    authz::require(actor, Action::ListUsers)?;
    Ok(user::list(conn, filter, page)?)
}
