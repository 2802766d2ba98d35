//! Bearer tokens: HS256 JWTs with the algorithm pinned and `exp`, `iat`, `iss`, `aud`, `sub`
//! all required. A token only says who the caller is; what they may do is read from the
//! database on every request.

use chrono::Utc;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::Settings;

const AUDIENCE: &str = "qalxan-api";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    ttl_seconds: i64,
}

impl TokenKeys {
    pub fn new(settings: &Settings) -> Self {
        let secret = settings.jwt_secret.expose().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[settings.jwt_issuer.as_str()]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        validation.validate_exp = true;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: settings.jwt_issuer.clone(),
            ttl_seconds: settings.token_ttl_minutes * 60,
        }
    }

    pub fn ttl_seconds(&self) -> i64 {
        self.ttl_seconds
    }

    pub fn issue(&self, user_id: i64) -> anyhow::Result<String> {
        let now = Utc::now().timestamp();
        self.issue_with_times(user_id, now, now + self.ttl_seconds)
    }

    pub fn issue_with_times(&self, user_id: i64, iat: i64, exp: i64) -> anyhow::Result<String> {
        let claims = Claims {
            sub: user_id.to_string(),
            iat,
            exp,
            iss: self.issuer.clone(),
            aud: AUDIENCE.into(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| anyhow::anyhow!("cannot sign token: {e}"))
    }

    /// The user id the token names, if the token is genuine, current and ours.
    pub fn verify(&self, token: &str) -> Option<i64> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        if data.claims.iat > Utc::now().timestamp() + 60 {
            return None;
        }
        data.claims.sub.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Secret, Settings};

    fn keys(secret: &str, issuer: &str) -> TokenKeys {
        let dir = tempfile::tempdir().unwrap();
        let mut env = std::collections::HashMap::new();
        env.insert(
            "QALXAN_DATA_DIR".to_string(),
            dir.path().display().to_string(),
        );
        let mut s = Settings::load(None, &env).unwrap();
        s.jwt_secret = Secret::new(secret);
        s.jwt_issuer = issuer.into();
        TokenKeys::new(&s)
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_fresh_token_verifies() {
        let k = keys(SECRET, "qalxan");
        assert_eq!(k.verify(&k.issue(42).unwrap()), Some(42));
    }

    #[test]
    fn expired_foreign_and_forged_tokens_are_refused() {
        let k = keys(SECRET, "qalxan");
        let now = Utc::now().timestamp();
        assert_eq!(
            k.verify(&k.issue_with_times(1, now - 7200, now - 3600).unwrap()),
            None
        );
        let other_issuer = keys(SECRET, "someone-else");
        assert_eq!(k.verify(&other_issuer.issue(1).unwrap()), None);
        let other_secret = keys("ffffffffffffffffffffffffffffffff", "qalxan");
        assert_eq!(k.verify(&other_secret.issue(1).unwrap()), None);
        assert_eq!(k.verify("not.a.token"), None);
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
        let k = keys(SECRET, "qalxan");
        let genuine = k.issue(1).unwrap();
        let payload = genuine.split('.').nth(1).unwrap();
        for alg in ["none", "HS512", "RS256"] {
            let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
            let forged = format!("{header}.{payload}.");
            assert_eq!(k.verify(&forged), None, "{alg}");
        }
    }
}
