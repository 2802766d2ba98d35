use serde_json::json;

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            organisation::{self, NewOrganisation, Organisation, OrganisationChanges},
            Page,
        },
        write_tx, DbConn,
    },
    domain::{identity::EmailAddress, nis2::Nis2Entity, reference_data, time, OrganisationKind},
    error::{AppError, AppResult, FieldErrors},
    services::audit::{self, By},
};

pub struct OrganisationInput {
    pub name: String,
    pub kind: String,
    pub sector: Option<String>,
    pub contact_email: Option<String>,
    /// `essential`, `important` or `none` (the default).
    pub nis2_entity: Option<String>,
}

#[derive(Default)]
pub struct OrganisationPatch {
    pub name: Option<String>,
    pub sector: Option<Option<String>>,
    pub contact_email: Option<Option<String>>,
    pub active: Option<bool>,
    pub nis2_entity: Option<String>,
}

fn check_nis2(errors: &mut FieldErrors, raw: Option<&str>) -> Option<Nis2Entity> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(Nis2Entity::None),
        Some(raw) => errors.check("nis2_entity", Nis2Entity::parse(raw)),
    }
}

fn check_name(errors: &mut FieldErrors, name: &str) -> Option<String> {
    let name = name.trim();
    let result = match name.chars().count() {
        0 => Err("must not be empty".to_owned()),
        n if n > 200 => Err("must be at most 200 characters long".to_owned()),
        _ => Ok(name.to_owned()),
    };
    errors.check("name", result)
}

fn check_optional_sector(errors: &mut FieldErrors, sector: Option<&str>) -> Option<Option<String>> {
    match sector.map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(None),
        Some(code) => errors
            .check("sector", reference_data::parse_sector(code))
            .map(Some),
    }
}

fn check_optional_email(errors: &mut FieldErrors, email: Option<&str>) -> Option<Option<String>> {
    match email.map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(None),
        Some(raw) => errors
            .check("contact_email", EmailAddress::parse(raw))
            .map(|e| Some(e.into_inner())),
    }
}

fn name_taken(conn: &mut DbConn, name: &str, except: Option<i64>) -> AppResult<bool> {
    Ok(organisation::find_by_name(conn, name)?.is_some_and(|o| Some(o.id) != except))
}

pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    input: OrganisationInput,
) -> AppResult<Organisation> {
    authz::require(actor, Action::ManageOrganisations)?;
    create_as(conn, By::from(actor), input)
}

/// Creation without a signed-in actor: start-up uses it for the CERT's own organisation.
pub fn create_as(conn: &mut DbConn, by: By, input: OrganisationInput) -> AppResult<Organisation> {
    let mut errors = FieldErrors::new();
    let name = check_name(&mut errors, &input.name);
    let kind = errors.check("kind", OrganisationKind::parse(&input.kind));
    let sector = check_optional_sector(&mut errors, input.sector.as_deref());
    let contact = check_optional_email(&mut errors, input.contact_email.as_deref());
    let nis2_entity = check_nis2(&mut errors, input.nis2_entity.as_deref());
    errors.into_result()?;
    let nis2_entity = nis2_entity.unwrap();
    let (name, kind, sector, contact) = (
        name.unwrap(),
        kind.unwrap(),
        sector.unwrap(),
        contact.unwrap(),
    );

    write_tx(conn, |conn| {
        if name_taken(conn, &name, None)? {
            return Err(AppError::Conflict(format!(
                "an organisation named `{name}` already exists"
            )));
        }
        let now = time::now();
        let org = organisation::insert(
            conn,
            &NewOrganisation {
                name: &name,
                kind: kind.as_str(),
                sector: sector.as_deref(),
                contact_email: contact.as_deref(),
                active: true,
                created_at: now,
                updated_at: now,
                nis2_entity: nis2_entity.as_str(),
            },
        )?;
        audit::record(
            conn,
            by,
            "organisation.created",
            "organisation",
            org.id,
            json!({ "name": org.name, "kind": org.kind, "sector": org.sector, "contact_email": org.contact_email, "nis2_entity": org.nis2_entity }),
        )?;
        Ok(org)
    })
}

pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    patch: OrganisationPatch,
) -> AppResult<Organisation> {
    authz::require(actor, Action::ManageOrganisations)?;
    let mut errors = FieldErrors::new();
    let name = patch.name.as_deref().map(|n| check_name(&mut errors, n));
    let sector = patch
        .sector
        .as_ref()
        .map(|s| check_optional_sector(&mut errors, s.as_deref()));
    let contact = patch
        .contact_email
        .as_ref()
        .map(|e| check_optional_email(&mut errors, e.as_deref()));
    let nis2_entity = errors.patched(
        "nis2_entity",
        patch.nis2_entity.as_deref(),
        Nis2Entity::parse,
    );
    errors.into_result()?;

    write_tx(conn, |conn| {
        let before = organisation::find(conn, id)?;
        if let Some(Some(name)) = &name {
            if name_taken(conn, name, Some(id))? {
                return Err(AppError::Conflict(format!(
                    "an organisation named `{name}` already exists"
                )));
            }
        }
        let after = organisation::update(
            conn,
            id,
            &OrganisationChanges {
                name: name.flatten(),
                sector: sector.flatten(),
                contact_email: contact.flatten(),
                active: patch.active,
                nis2_entity: nis2_entity.map(|n| n.as_str().to_owned()),
                updated_at: Some(time::now()),
            },
        )?;
        let details = audit::changes(&[
            ("name", json!(before.name), json!(after.name)),
            ("sector", json!(before.sector), json!(after.sector)),
            (
                "contact_email",
                json!(before.contact_email),
                json!(after.contact_email),
            ),
            ("active", json!(before.active), json!(after.active)),
            (
                "nis2_entity",
                json!(before.nis2_entity),
                json!(after.nis2_entity),
            ),
        ]);
        audit::record(
            conn,
            By::from(actor),
            "organisation.updated",
            "organisation",
            id,
            details,
        )?;
        Ok(after)
    })
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Organisation> {
    authz::require(actor, Action::ListOrganisations)?;
    match authz::organisation_scope(actor) {
        authz::OrganisationScope::Only(own) if own != id => Err(AppError::NotFound),
        _ => Ok(organisation::find(conn, id)?),
    }
}

pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    kind: Option<&str>,
    page: Page,
) -> AppResult<Vec<Organisation>> {
    authz::require(actor, Action::ListOrganisations)?;
    Ok(organisation::list(
        conn,
        authz::organisation_scope(actor),
        kind,
        page,
    )?)
}

/// The organisation a request names in its `organisation_id` field. One that does not exist is
/// the client's mistake, answered as a field error (422) rather than a 404 for the whole request.
pub(crate) fn named(conn: &mut DbConn, id: i64) -> AppResult<Organisation> {
    organisation::find(conn, id).map_err(AppError::field_if_missing(
        "organisation_id",
        "does not name an existing organisation",
    ))
}

/// The same for a request that gives the organisation something new (a member, a case, a
/// share): a deactivated organisation takes nothing new.
pub(crate) fn named_active(conn: &mut DbConn, id: i64) -> AppResult<Organisation> {
    let org = named(conn, id)?;
    if !org.active {
        return Err(AppError::field(
            "organisation_id",
            "names a deactivated organisation",
        ));
    }
    Ok(org)
}
