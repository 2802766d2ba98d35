//! Suggestions for CERT staff: techniques for any text, and for an incident its techniques (over
//! title, description and every comment, internal ones included), its RSIT category and similar
//! incidents.

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{models::technique as rows, DbConn},
    domain::attack::{self, Technique},
    error::{AppResult, FieldErrors},
    services::incidents::check_text,
};

use super::{incident_for, models::Models, similar, similar::Similar};

pub const DEFAULT_LIMIT: i64 = 5;
pub const MAX_LIMIT: i64 = 20;
pub const MAX_TEXT: usize = 100_000;
/// Terms shown for each suggestion.
pub const TERMS: usize = 8;
/// Similar incidents shown.
pub const SIMILAR: usize = 10;

#[derive(Clone, Debug)]
pub struct TechniqueSuggestion {
    pub technique: &'static Technique,
    pub score: f32,
    pub terms: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct CategorySuggestion {
    pub rsit_type: String,
    pub score: f32,
    pub terms: Vec<String>,
}

pub struct Analysis {
    pub model_version: i64,
    pub items: Vec<TechniqueSuggestion>,
}

pub struct IncidentSuggestions {
    pub model_version: i64,
    pub techniques: Vec<TechniqueSuggestion>,
    pub category: Option<CategorySuggestion>,
    pub similar: Vec<Similar>,
}

fn techniques_for(
    conn: &mut DbConn,
    models: &Models,
    text: &str,
    limit: usize,
    skip: &[String],
) -> AppResult<(i64, Vec<TechniqueSuggestion>)> {
    let v = models.techniques(conn)?;
    let ranked = v.model.rank(text, limit + skip.len(), TERMS);
    let items = ranked
        .into_iter()
        .filter(|r| !skip.contains(&r.label))
        .filter_map(|r| {
            attack::technique(&r.label).map(|technique| TechniqueSuggestion {
                technique,
                score: r.score,
                terms: r.terms,
            })
        })
        .take(limit)
        .collect();
    Ok((v.version, items))
}

pub fn analyse(
    conn: &mut DbConn,
    actor: &Actor,
    models: &Models,
    text: &str,
    limit: Option<i64>,
) -> AppResult<Analysis> {
    authz::require(actor, Action::Suggest)?;
    let mut errors = FieldErrors::new();
    let text = check_text(&mut errors, "text", text, MAX_TEXT, true);
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.add("limit", format!("must be between 1 and {MAX_LIMIT}"));
    }
    errors.into_result()?;
    let (model_version, items) =
        techniques_for(conn, models, &text.unwrap_or_default(), limit as usize, &[])?;
    Ok(Analysis {
        model_version,
        items,
    })
}

pub fn for_incident(
    conn: &mut DbConn,
    actor: &Actor,
    models: &Models,
    incident_id: i64,
) -> AppResult<IncidentSuggestions> {
    let incident = incident_for(conn, actor, incident_id, Action::Suggest)?;
    let mut text = format!("{}\n{}", incident.title, incident.description);
    for body in rows::comment_bodies(conn, incident_id)? {
        text.push('\n');
        text.push_str(&body);
    }
    let tagged: Vec<String> = rows::for_incidents(conn, &[incident_id])?
        .into_iter()
        .map(|t| t.technique_id)
        .collect();
    let (model_version, techniques) =
        techniques_for(conn, models, &text, DEFAULT_LIMIT as usize, &tagged)?;
    let category = models.categories(conn)?.and_then(|c| {
        let best = c.model.rank(&text, 1, TERMS).into_iter().next()?;
        // The best type or nothing: never the runner-up because the best has too few examples.
        let eligible = c.eligible.contains(&best.label);
        eligible.then_some(CategorySuggestion {
            rsit_type: best.label,
            score: best.score,
            terms: best.terms,
        })
    });
    let similar = similar::find(conn, authz::incident_scope(actor), &incident, SIMILAR)?;
    Ok(IncidentSuggestions {
        model_version,
        techniques,
        category,
        similar,
    })
}
