//! What a case page shows, loaded through the services in one trip to the database pool.

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::DbConn,
    error::AppResult,
    services::{
        self,
        observables::ObservableDetails,
        rows::{
            Asset, AuditEvent, Comment, CustodyEvent, Evidence, Incident, Link, Share, Task, User,
        },
        techniques::{suggest::IncidentSuggestions, Models, Tag},
        Page as DbPage,
    },
    web::incidents::{
        names::{self, Names},
        nis2::{self, Nis2Data},
    },
};

pub struct EvidenceItem {
    pub item: Evidence,
    pub custody: Vec<CustodyEvent>,
}

/// Everything a case page shows, loaded in one trip to the database pool.
pub struct CaseData {
    pub incident: Incident,
    pub comments: Vec<Comment>,
    pub tasks: Vec<Task>,
    pub shares: Vec<Share>,
    pub history: Vec<AuditEvent>,
    pub observables: Vec<ObservableDetails>,
    pub assets: Vec<(Link, Asset)>,
    pub asset_choices: Vec<Asset>,
    pub evidence: Vec<EvidenceItem>,
    pub staff: Vec<User>,
    pub names: Names,
    /// The NIS2 reporting section: for readers of reports, on incidents of NIS2 entities.
    pub nis2: Option<Nis2Data>,
    /// ATT&CK tags, for readers of the CERT's analysis.
    pub techniques: Vec<Tag>,
    /// Techniques, category and similar incidents, for CERT staff.
    pub suggestions: Option<IncidentSuggestions>,
}

pub fn may(actor: &Actor, action: Action) -> bool {
    authz::allows(actor.role, action)
}

pub fn load(conn: &mut DbConn, actor: &Actor, id: i64, models: &Models) -> AppResult<CaseData> {
    use services::incidents::{self as inc, collaboration as collab};
    let all = DbPage {
        limit: DbPage::MAX_LIMIT,
        after: None,
    };
    let incident = inc::get(conn, actor, id)?;
    let comments = collab::comments(conn, actor, id)?;
    let internal = may(actor, Action::ReadInternal);
    let (tasks, shares, history) = if internal {
        (
            collab::tasks(conn, actor, id)?,
            collab::shares(conn, actor, id)?,
            inc::history(conn, actor, id)?,
        )
    } else {
        Default::default()
    };
    let observables = services::observables::list(conn, actor, id)?;
    let reads_assets = may(actor, Action::ReadAssets);
    let assets = if reads_assets {
        services::assets::links(conn, actor, id)?
    } else {
        Vec::new()
    };
    let asset_choices = if may(actor, Action::ManageAssets) {
        services::assets::list(conn, actor, Default::default(), all)?
    } else {
        Vec::new()
    };
    let mut evidence = Vec::new();
    if may(actor, Action::ReadEvidence) {
        for item in services::evidence::list(conn, actor, id, all)? {
            let custody = services::evidence::custody(conn, actor, item.id, all)?;
            evidence.push(EvidenceItem { item, custody });
        }
    }
    let nis2 = nis2::load(conn, actor, id, incident.organisation_id)?;
    let (techniques, suggestions) = analysis(conn, actor, id, models)?;
    let staff = names::staff(conn, actor)?;
    let people = comments
        .iter()
        .map(|c| c.author_id)
        .chain(tasks.iter().map(|t| t.assignee_id))
        .chain(history.iter().map(|e| e.actor_id))
        .chain(evidence.iter().map(|e| e.item.collected_by))
        .chain(
            nis2.iter()
                .flat_map(|n| n.reports.iter().map(|r| r.submitted_by)),
        )
        .chain([incident.assignee_id, incident.reporter_id])
        .flatten()
        .collect::<Vec<_>>();
    let names = Names::load(conn, actor, people)?;
    Ok(CaseData {
        incident,
        comments,
        tasks,
        shares,
        history,
        observables,
        assets,
        asset_choices,
        evidence,
        staff,
        names,
        nis2,
        techniques,
        suggestions,
    })
}

fn analysis(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    models: &Models,
) -> AppResult<(Vec<Tag>, Option<IncidentSuggestions>)> {
    use services::techniques::{list, suggest::for_incident};
    let tags = if may(actor, Action::ReadTechniques) {
        list(conn, actor, id)?
    } else {
        Vec::new()
    };
    let suggestions = if may(actor, Action::Suggest) {
        Some(for_incident(conn, actor, models, id)?)
    } else {
        None
    };
    Ok((tags, suggestions))
}
