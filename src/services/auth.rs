//! Signing in. Every attempt is counted against the typed email and the client address before
//! the password is checked, so parallel guessing cannot outrun the throttle; a success refunds it.

use serde_json::json;

use crate::{
    auth::{
        password,
        throttle::{self, KeyKind},
    },
    db::{
        models::{throttle as throttle_db, user, user::User, user::UserChanges},
        write_tx, DbConn,
    },
    domain::time,
    error::{AppError, AppResult},
    services::audit::{self, By, Entry},
};

pub struct LoginAttempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub ip: Option<&'a str>,
    pub address_limit: i32,
}

fn keys(attempt: &LoginAttempt) -> Vec<(String, KeyKind)> {
    let mut keys = vec![(
        format!("email:{}", attempt.email.trim().to_lowercase()),
        KeyKind::Account,
    )];
    if let Some(ip) = attempt.ip {
        keys.push((
            format!("ip:{ip}"),
            KeyKind::Address {
                limit: attempt.address_limit,
            },
        ));
    }
    keys
}

/// Returns the signed-in user, `Unauthorized` for any wrong credential, or `TooManyRequests`.
pub fn login(conn: &mut DbConn, attempt: &LoginAttempt) -> AppResult<User> {
    let keys = keys(attempt);
    let now = time::now();

    // 1. Reserve the attempt as if it failed.
    write_tx(conn, |conn| -> AppResult<()> {
        let mut locked = None;
        let mut counters = Vec::new();
        for (key, kind) in &keys {
            let current = throttle_db::lock(conn, key, now)?;
            if let Some(wait) = current.and_then(|c| throttle::retry_after(&c, now)) {
                locked = Some(locked.map_or(wait, |w: u64| w.max(wait)));
            }
            counters.push((key, throttle::after_failure(*kind, current, now)));
        }
        if let Some(retry_after_secs) = locked {
            return Err(AppError::TooManyRequests { retry_after_secs });
        }
        for (key, next) in counters {
            throttle_db::store(conn, key, &next)?;
        }
        Ok(())
    })
    .inspect_err(|e| {
        if matches!(e, AppError::TooManyRequests { .. }) {
            tracing::warn!(ip = attempt.ip, "sign-in throttled");
        }
    })?;

    // 2. Check the password outside any transaction: argon2 takes tens of milliseconds.
    let email = attempt.email.trim().to_lowercase();
    let found = user::find_by_email(conn, &email)?;
    let verified = match &found {
        Some(u) => password::verify(attempt.password, &u.password_hash) && u.active,
        None => {
            password::waste_time_like_verify(attempt.password);
            false
        }
    };

    // 3. Record the outcome.
    let by = By {
        actor_id: found.as_ref().map(|u| u.id),
        ip: attempt.ip.map(str::to_owned),
    };
    write_tx(conn, |conn| -> AppResult<Option<User>> {
        if !verified {
            let reason = match &found {
                None => "unknown_email",
                Some(u) if !u.active => "deactivated",
                Some(_) => "wrong_password",
            };
            audit::append(
                conn,
                Entry {
                    by: by.clone(),
                    action: "auth.login_failed",
                    entity_type: "user",
                    entity_id: found.as_ref().map(|u| u.id),
                    incident_id: None,
                    details: json!({ "email": email, "reason": reason }),
                },
            )?;
            return Ok(None);
        }
        let u = found.clone().expect("verified implies found");
        throttle_db::clear(conn, &keys[0].0)?;
        if let Some((ip_key, _)) = keys.get(1) {
            if let Some(mut c) = throttle_db::lock(conn, ip_key, now)? {
                c.failures = (c.failures - 1).max(0);
                throttle_db::store(conn, ip_key, &c)?;
            }
        }
        let updated = user::update(
            conn,
            u.id,
            &UserChanges {
                last_login_at: Some(Some(now)),
                ..Default::default()
            },
        )?;
        audit::record(
            conn,
            by.clone(),
            "auth.login",
            "user",
            u.id,
            json!({ "email": email }),
        )?;
        Ok(Some(updated))
    })?
    .ok_or(AppError::Unauthorized)
}
