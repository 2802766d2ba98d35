//! JSON shapes of technique tags and suggestions (API and case exports alike).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    domain::time::to_utc,
    services::techniques::{
        similar::Similar,
        suggest::{CategorySuggestion, TechniqueSuggestion},
        Tag,
    },
};

/// An ATT&CK technique tag on an incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct TechniqueTagView {
    /// `T1566` or a sub-technique `T1566.001`.
    pub technique_id: String,
    pub name: String,
    /// ATT&CK tactic short names (`initial-access`).
    pub tactics: Vec<String>,
    pub note: Option<String>,
    /// `analyst` or `suggestion` (added from a suggestion).
    pub source: String,
    /// The user who added it.
    pub added_by: Option<i64>,
    pub added_at: DateTime<Utc>,
}

impl From<Tag> for TechniqueTagView {
    fn from(t: Tag) -> Self {
        Self {
            technique_id: t.row.technique_id,
            name: t.technique.name.clone(),
            tactics: t.technique.tactics.clone(),
            note: t.row.note,
            source: t.row.source,
            added_by: t.row.added_by,
            added_at: to_utc(t.row.added_at),
        }
    }
}

/// A suggested technique with the words and phrases that contributed most to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TechniqueSuggestionView {
    pub technique_id: String,
    pub name: String,
    pub tactics: Vec<String>,
    /// Softmax of the model's margins: 0..1, summing to 1 over all techniques the model knows.
    pub score: f32,
    /// Strongest first.
    pub terms: Vec<String>,
}

impl From<TechniqueSuggestion> for TechniqueSuggestionView {
    fn from(s: TechniqueSuggestion) -> Self {
        Self {
            technique_id: s.technique.id.clone(),
            name: s.technique.name.clone(),
            tactics: s.technique.tactics.clone(),
            score: s.score,
            terms: s.terms,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategorySuggestionView {
    /// RSIT type machine name (`phishing`).
    pub rsit_type: String,
    pub score: f32,
    pub terms: Vec<String>,
}

impl From<CategorySuggestion> for CategorySuggestionView {
    fn from(c: CategorySuggestion) -> Self {
        Self {
            rsit_type: c.rsit_type,
            score: c.score,
            terms: c.terms,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarIncidentView {
    pub incident_id: i64,
    pub reference: String,
    pub title: String,
    /// Above 1: shares an observable (plus text similarity); below 1: text similarity alone.
    pub score: f32,
    /// `shared observable <value>` and/or `text`.
    pub reasons: Vec<String>,
}

impl From<Similar> for SimilarIncidentView {
    fn from(s: Similar) -> Self {
        Self {
            incident_id: s.incident_id,
            reference: s.reference,
            title: s.title,
            score: s.score,
            reasons: s.reasons,
        }
    }
}
