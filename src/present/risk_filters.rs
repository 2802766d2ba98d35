//! The risk register's filters as both edges read them from a query string.

use serde::Deserialize;

use crate::{
    domain::{
        risk::{parse_rating, RiskLevel},
        threat,
    },
    error::FieldErrors,
    present::filters::optional_id,
    services::rows::{RiskFilter, RiskOrder},
};

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RiskQuery {
    pub organisation_id: Option<String>,
    /// `low`, `medium`, `high` or `critical`.
    pub level: Option<String>,
    /// A threat code.
    pub threat: Option<String>,
    /// Risks on this asset.
    pub asset_id: Option<String>,
    /// `true`: risks an incident flagged for review.
    pub review_due: Option<String>,
    pub owner_id: Option<String>,
    /// One heat-map cell: likelihood 1–5.
    pub likelihood: Option<String>,
    /// One heat-map cell: impact 1–5.
    pub impact: Option<String>,
}

fn given(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn rating(errors: &mut FieldErrors, field: &str, raw: &Option<String>) -> Option<i32> {
    given(raw).and_then(|v| {
        errors.check(
            field,
            v.parse::<i32>()
                .map_err(|_| "must be from 1 to 5".to_owned())
                .and_then(parse_rating),
        )
    })
}

impl RiskQuery {
    pub fn filter(&self, errors: &mut FieldErrors) -> RiskFilter {
        RiskFilter {
            only_organisation: None,
            organisation_id: optional_id(
                errors,
                "organisation_id",
                self.organisation_id.as_deref(),
            ),
            level: given(&self.level)
                .and_then(|l| errors.check("level", RiskLevel::parse(l)))
                .map(|l| l.as_str().to_owned()),
            threat: given(&self.threat).and_then(|t| errors.check("threat", threat::parse(t))),
            asset_id: optional_id(errors, "asset_id", self.asset_id.as_deref()),
            review_due: match given(&self.review_due) {
                None => None,
                Some("true") => Some(true),
                Some("false") => Some(false),
                Some(_) => {
                    errors.add("review_due", "must be true or false");
                    None
                }
            },
            owner_id: optional_id(errors, "owner_id", self.owner_id.as_deref()),
            likelihood: rating(errors, "likelihood", &self.likelihood),
            impact: rating(errors, "impact", &self.impact),
        }
    }

    /// The same filters as a query string, for links (heat-map cells, the CSV, next pages).
    pub fn to_query(&self) -> String {
        let pairs = [
            ("organisation_id", &self.organisation_id),
            ("level", &self.level),
            ("threat", &self.threat),
            ("asset_id", &self.asset_id),
            ("review_due", &self.review_due),
            ("owner_id", &self.owner_id),
            ("likelihood", &self.likelihood),
            ("impact", &self.impact),
        ];
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().filter_map(|(k, v)| given(v).map(|v| (*k, v))))
            .finish()
    }
}

pub fn parse_order(raw: &str) -> RiskOrder {
    match raw {
        "score" => RiskOrder::Score,
        "title" => RiskOrder::Title,
        "updated" => RiskOrder::Updated,
        _ => RiskOrder::Newest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_round_trip() {
        let q = RiskQuery {
            level: Some("high".into()),
            likelihood: Some("5".into()),
            impact: Some("4".into()),
            ..Default::default()
        };
        let mut errors = FieldErrors::new();
        let f = q.filter(&mut errors);
        assert!(errors.is_empty());
        assert_eq!(f.level.as_deref(), Some("high"));
        assert_eq!((f.likelihood, f.impact), (Some(5), Some(4)));
        assert_eq!(q.to_query(), "level=high&likelihood=5&impact=4");
        let bad = RiskQuery {
            level: Some("extreme".into()),
            impact: Some("9".into()),
            review_due: Some("maybe".into()),
            ..Default::default()
        };
        let mut errors = FieldErrors::new();
        bad.filter(&mut errors);
        assert!(errors.0.contains_key("level") && errors.0.contains_key("impact"));
        assert!(errors.0.contains_key("review_due"));
        assert_eq!(parse_order("score"), RiskOrder::Score);
        assert_eq!(parse_order("?"), RiskOrder::Newest);
    }
}
