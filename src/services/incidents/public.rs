//! Reports from the public form: no account, a tracking code instead. The code carries 192 bits
//! of randomness and only its SHA-256 is stored, so a database leak does not open the reports.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{
    auth::throttle::{self, KeyKind},
    config::Settings,
    db::{
        models::{
            collaboration::{self as rows, Comment},
            incident::{self, Incident},
            organisation, throttle as throttle_db,
        },
        write_tx, DbConn,
    },
    domain::{identity::EmailAddress, time},
    error::{AppError, AppResult, FieldErrors},
    services::audit::By,
};

use super::{check_input, insert_new, IncidentInput, Intake};

pub struct PublicReport {
    pub title: String,
    pub description: String,
    pub contact_email: String,
    pub category: Option<String>,
}

pub fn new_tracking_code() -> String {
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn tracking_hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.trim().as_bytes()))
}

/// Files the report into the queue as a `new` incident of the "public" organisation and returns
/// it with the tracking code, which is shown once and never stored.
pub fn submit(
    conn: &mut DbConn,
    settings: &Settings,
    ip: Option<&str>,
    per_address_limit: i32,
    report: PublicReport,
) -> AppResult<(Incident, String)> {
    let mut errors = FieldErrors::new();
    let contact = errors.check("contact_email", EmailAddress::parse(&report.contact_email));
    let checked = check_input(&IncidentInput {
        title: report.title,
        description: report.description,
        category: report.category,
        ..Default::default()
    });
    let checked = match checked {
        Ok(c) => Some(c),
        Err(AppError::Validation(more)) => {
            errors.0.extend(more.0);
            None
        }
        Err(other) => return Err(other),
    };
    errors.into_result()?;
    let (contact, checked) = (contact.unwrap(), checked.unwrap());
    let code = new_tracking_code();
    let hash = tracking_hash(&code);

    write_tx(conn, |conn| {
        if let Some(ip) = ip {
            let key = format!("report:{ip}");
            let now = time::now();
            let current = throttle_db::lock(conn, &key, now)?;
            if let Some(retry_after_secs) = current.and_then(|c| throttle::retry_after(&c, now)) {
                return Err(AppError::TooManyRequests { retry_after_secs });
            }
            throttle_db::store(
                conn,
                &key,
                &throttle::after_failure(
                    KeyKind::Address {
                        limit: per_address_limit,
                    },
                    current,
                    now,
                ),
            )?;
        }
        let public_org = organisation::find_first_of_kind(conn, "public")?.ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("the public organisation is missing"))
        })?;
        let intake = Intake {
            by: By {
                actor_id: None,
                ip: ip.map(str::to_owned),
            },
            created_by: None,
            reporter_id: None,
            reporter_contact: Some(contact.as_str()),
            tracking_hash: Some(&hash),
            source: "public",
        };
        let created = insert_new(
            conn,
            &settings.reference_prefix,
            public_org.id,
            &checked,
            &intake,
        )?;
        super::notices::created(conn, &settings.mail, &created, None, &public_org.name)?;
        Ok((created, code.clone()))
    })
}

/// The one report a tracking code opens, with its shared comments only.
pub fn track(conn: &mut DbConn, code: &str) -> AppResult<(Incident, Vec<Comment>)> {
    if code.len() < 16 || code.len() > 128 {
        return Err(AppError::NotFound);
    }
    let found =
        incident::find_by_tracking_hash(conn, &tracking_hash(code))?.ok_or(AppError::NotFound)?;
    let comments = rows::comments_of(conn, found.id, true)?;
    Ok((found, comments))
}
