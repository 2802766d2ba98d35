//! The request bodies of risks (they are the service inputs) and their checks.

use chrono::NaiveDate;

use crate::{
    domain::{
        patch::double_option,
        risk::{parse_rating, Treatment},
        threat,
    },
    error::FieldErrors,
    services::incidents::{check_text, text},
};

/// A new risk, as the API's JSON body and the register's form give it.
#[derive(Debug, Default, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CreateRisk)]
pub struct RiskInput {
    /// Required for CERT staff; reporters register risks of their own organisation.
    pub organisation_id: Option<i64>,
    pub title: String,
    pub description: String,
    /// A threat code of `GET /api/v1/threats` (ENISA Threat Landscape).
    pub threat: String,
    /// Assets of the same organisation.
    #[serde(default)]
    pub asset_ids: Vec<i64>,
    /// 1 (rare) to 5 (almost certain).
    pub likelihood: i32,
    /// 1 (negligible) to 5 (severe).
    pub impact: i32,
    /// A member of the risk's organisation.
    pub owner_id: Option<i64>,
    /// `mitigate`, `accept`, `transfer` or `avoid`.
    pub treatment: String,
    pub treatment_plan: Option<String>,
    /// A date, `YYYY-MM-DD`.
    pub treatment_due: Option<String>,
    /// The next planned review, `YYYY-MM-DD`.
    pub review_at: Option<String>,
    pub residual_likelihood: Option<i32>,
    pub residual_impact: Option<i32>,
}

/// A change to a risk; a field left out stays as it is, `null` clears an optional one.
#[derive(Debug, Default, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = UpdateRisk)]
pub struct RiskPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub threat: Option<String>,
    /// Replaces the risk's assets.
    pub asset_ids: Option<Vec<i64>>,
    pub likelihood: Option<i32>,
    pub impact: Option<i32>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
    pub treatment: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub treatment_plan: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub treatment_due: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub review_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>)]
    pub residual_likelihood: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>)]
    pub residual_impact: Option<Option<i32>>,
    /// `true` records a review: clears `review_due` and restarts "incidents since the last review".
    pub reviewed: Option<bool>,
}

pub(super) fn date(raw: &str) -> Result<String, String> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map(|d| d.to_string())
        .map_err(|_| "must be a date YYYY-MM-DD".into())
}

/// An optional text or date field: empty means none.
pub(super) fn optional(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<&str>,
    rule: impl Fn(&str) -> Result<String, String>,
) -> Option<String> {
    raw.map(str::trim)
        .filter(|v| !v.is_empty())
        .and_then(|v| errors.check(field, rule(v)))
}

pub(super) fn rating(errors: &mut FieldErrors, field: &str, value: Option<i32>) -> Option<i32> {
    value.and_then(|v| errors.check(field, parse_rating(v)))
}

/// The checked fields of a new risk.
pub(super) struct Checked {
    pub title: String,
    pub description: String,
    pub threat: String,
    pub likelihood: i32,
    pub impact: i32,
    pub treatment: Treatment,
    pub treatment_plan: Option<String>,
    pub treatment_due: Option<String>,
    pub review_at: Option<String>,
    pub residual_likelihood: Option<i32>,
    pub residual_impact: Option<i32>,
}

pub(super) fn check(errors: &mut FieldErrors, input: &RiskInput) -> Option<Checked> {
    let title = check_text(errors, "title", &input.title, 200, true);
    let description = check_text(errors, "description", &input.description, 20_000, true);
    let threat = errors.check("threat", threat::parse(&input.threat));
    let likelihood = rating(errors, "likelihood", Some(input.likelihood));
    let impact = rating(errors, "impact", Some(input.impact));
    let treatment = errors.check("treatment", Treatment::parse(&input.treatment));
    let treatment_plan = optional(
        errors,
        "treatment_plan",
        input.treatment_plan.as_deref(),
        text(20_000, false),
    );
    let treatment_due = optional(
        errors,
        "treatment_due",
        input.treatment_due.as_deref(),
        date,
    );
    let review_at = optional(errors, "review_at", input.review_at.as_deref(), date);
    let residual_likelihood = rating(errors, "residual_likelihood", input.residual_likelihood);
    let residual_impact = rating(errors, "residual_impact", input.residual_impact);
    Some(Checked {
        title: title?,
        description: description?,
        threat: threat?,
        likelihood: likelihood?,
        impact: impact?,
        treatment: treatment?,
        treatment_plan,
        treatment_due,
        review_at,
        residual_likelihood,
        residual_impact,
    })
}
