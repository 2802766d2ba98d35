//! First start: the CERT's own organisation, the "public" organisation that receives reports
//! from the public form, and the bootstrap administrator when the database has no users.

use crate::{
    config::Settings,
    db::{models::organisation, models::organisation::Organisation, models::user, DbConn},
    services::{
        audit::By,
        organisations::{self, OrganisationInput},
        users::{self, UserInput},
    },
};

pub fn ensure_organisation(
    conn: &mut DbConn,
    kind: &str,
    name: &str,
) -> anyhow::Result<Organisation> {
    if let Some(org) = organisation::find_first_of_kind(conn, kind)? {
        return Ok(org);
    }
    organisations::create_as(
        conn,
        By::system(),
        OrganisationInput {
            name: name.to_owned(),
            kind: kind.to_owned(),
            sector: None,
            contact_email: None,
            nis2_entity: None,
        },
    )
    .map_err(|e| anyhow::anyhow!("cannot create the {kind} organisation: {e:?}"))
}

pub fn run(conn: &mut DbConn, settings: &Settings) -> anyhow::Result<()> {
    let cert = ensure_organisation(conn, "cert", &settings.cert_name)?;
    ensure_organisation(conn, "public", "Public reports")?;
    if user::count(conn)? > 0 {
        return Ok(());
    }
    match (&settings.bootstrap_admin_email, &settings.bootstrap_admin_password) {
        (Some(email), Some(password)) => {
            let admin = users::create_as(
                conn,
                By::system(),
                UserInput {
                    email: email.clone(),
                    display_name: "Administrator".into(),
                    password: password.expose().to_owned(),
                    organisation_id: cert.id,
                    role: "admin".into(),
                    locale: None,
                },
            )
            .map_err(|e| match e {
                crate::error::AppError::Validation(fields) => {
                    anyhow::anyhow!("bootstrap administrator: {}", describe_fields(&fields))
                }
                other => anyhow::anyhow!("cannot create the bootstrap administrator: {other:#}"),
            })?;
            tracing::info!(user_id = admin.id, email = %admin.email, "created the bootstrap administrator");
        }
        _ => tracing::warn!(
            "the database has no users: set QALXAN_BOOTSTRAP_ADMIN_EMAIL and QALXAN_BOOTSTRAP_ADMIN_PASSWORD, \
             or run `qalxan user create --role admin`"
        ),
    }
    Ok(())
}

pub fn describe_fields(fields: &crate::error::FieldErrors) -> String {
    fields
        .0
        .iter()
        .map(|(field, messages)| format!("{field} {}", messages.join("; ")))
        .collect::<Vec<_>>()
        .join(", ")
}
