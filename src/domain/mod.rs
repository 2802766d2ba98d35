//! Pure rules and newtypes: no I/O here, so everything is unit-testable.

pub mod asset;
pub mod attack;
pub mod deadline;
pub mod evidence;
pub mod identity;
pub mod incident;
pub mod kpi;
pub mod nis2;
pub mod notification;
pub mod observable;
pub mod patch;
pub mod redirect;
pub mod reference_data;
pub mod risk;
pub mod search;
pub mod text;
pub mod textmodel;
pub mod threat;
pub mod time;
pub mod vulnerability;
pub mod workflow;

/// Declares a closed set of string codes with `parse`, `as_str` and serde in one place.
/// The codes are `tt`, not `literal`: a `literal` fragment reaches derive macros wrapped in an
/// invisible group, which utoipa does not read, so the OpenAPI enums showed the variant names.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, String> {
                match raw.trim() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "must be one of: {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use string_enum;

string_enum!(
    /// The six roles of the design (§5); what each may do is decided in `authz`, nowhere else.
    Role {
        Admin => "admin",
        Coordinator => "coordinator",
        Responder => "responder",
        Auditor => "auditor",
        Reporter => "reporter",
        Liaison => "liaison",
    }
);

impl Role {
    /// CERT staff work incidents; everyone else sees a filtered slice.
    pub fn is_cert_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Coordinator | Role::Responder)
    }
}

string_enum!(
    OrganisationKind {
        Cert => "cert",
        Government => "government",
        CiiOperator => "cii_operator",
        Private => "private",
        LawEnforcement => "law_enforcement",
        PartnerCert => "partner_cert",
        Public => "public",
    }
);

string_enum!(
    Locale {
        Az => "az",
        En => "en",
        Ru => "ru",
    }
);

#[allow(clippy::derivable_impls)] // the variants come from a macro
impl Default for Locale {
    fn default() -> Self {
        Locale::Az
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_say_what_is_allowed() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(*role));
        }
        let err = Role::parse("superuser").unwrap_err();
        assert!(err.contains("admin") && err.contains("liaison"), "{err}");
        assert_eq!(
            OrganisationKind::parse("cii_operator"),
            Ok(OrganisationKind::CiiOperator)
        );
        assert!(Locale::parse("fr").is_err());
        assert_eq!(
            serde_json::to_string(&Role::Liaison).unwrap(),
            "\"liaison\""
        );
    }
}
