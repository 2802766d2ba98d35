//! `/admin/sla`: the SLA targets per severity — read by CERT staff and auditors, changed by
//! administrators (one form per severity) through `services::sla`.

use actix_web::{http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use crate::{
    authz::{self, Action},
    error::{AppError, FieldErrors},
    services::{
        rows::SlaPolicy,
        sla::{self, SlaPolicyInput},
    },
    state::AppState,
    web::{
        admin::ListQuery,
        context::{SignedIn, Submitted, WebResult},
        forms::FormErrors,
        incidents::labels::Labels,
        page::{render, see_other, Page},
    },
};

/// One severity's form as posted (numbers as typed, checked here and in the service).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SlaForm {
    #[serde(default)]
    ack_minutes: String,
    #[serde(default)]
    contain_minutes: String,
    #[serde(default)]
    resolve_minutes: String,
}

#[derive(Template)]
#[template(path = "admin/sla.html")]
struct SlaTemplate {
    page: Page,
    l: Labels,
    policies: Vec<SlaPolicy>,
    may_edit: bool,
    /// The three targets' form fields with their labels.
    columns: Vec<(&'static str, String)>,
    /// The severity whose form was refused, with what was typed and why.
    refused: Option<(String, SlaForm)>,
    errors: FormErrors,
}

impl SlaTemplate {
    /// The value a field shows: what was typed in a refused form, else the stored target.
    fn value(&self, policy: &SlaPolicy, field: &str) -> String {
        if let Some((severity, form)) = &self.refused {
            if *severity == policy.severity {
                return match field {
                    "ack_minutes" => form.ack_minutes.clone(),
                    "contain_minutes" => form.contain_minutes.clone(),
                    _ => form.resolve_minutes.clone(),
                };
            }
        }
        match field {
            "ack_minutes" => policy.ack_minutes,
            "contain_minutes" => policy.contain_minutes,
            _ => policy.resolve_minutes,
        }
        .to_string()
    }

    fn refused_here(&self, policy: &SlaPolicy) -> bool {
        self.refused
            .as_ref()
            .is_some_and(|(s, _)| *s == policy.severity)
    }
}

async fn page(
    state: &AppState,
    ctx: &SignedIn,
    notice: Option<&'static str>,
    refused: Option<(String, SlaForm)>,
    errors: FormErrors,
    status: StatusCode,
) -> WebResult {
    let actor = ctx.actor.clone();
    let policies = state.db.run(move |conn| sla::list(conn, &actor)).await?;
    let page = ctx.page("sla-title").with_notice(notice);
    let columns = ["ack_minutes", "contain_minutes", "resolve_minutes"]
        .into_iter()
        .map(|f| (f, page.t(&format!("sla-{}", f.replace('_', "-")))))
        .collect();
    let template = SlaTemplate {
        columns,
        l: Labels::new(&page),
        page,
        policies,
        may_edit: authz::allows(ctx.actor.role, Action::ManageSlaPolicies),
        refused,
        errors,
    };
    Ok(render(status, &template.page, &template)?)
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: SignedIn,
    query: web::Query<ListQuery>,
) -> WebResult {
    authz::require(&ctx.actor, Action::ReadSlaPolicies)?;
    page(
        &state,
        &ctx,
        query.notice(),
        None,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// A whole number, or a field error naming what is wrong.
fn minutes(errors: &mut FieldErrors, field: &str, raw: &str) -> i64 {
    match raw.trim().parse::<i64>() {
        Ok(n) => n,
        Err(_) => {
            errors.add(field, "must be a whole number of minutes");
            0
        }
    }
}

pub async fn update(
    state: web::Data<AppState>,
    severity: web::Path<String>,
    posted: Submitted<SlaForm>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    authz::require(&ctx.actor, Action::ManageSlaPolicies)?;
    let severity = severity.into_inner();
    let mut errors = FieldErrors::new();
    let input = SlaPolicyInput {
        ack_minutes: minutes(&mut errors, "ack_minutes", &form.ack_minutes),
        contain_minutes: minutes(&mut errors, "contain_minutes", &form.contain_minutes),
        resolve_minutes: minutes(&mut errors, "resolve_minutes", &form.resolve_minutes),
    };
    let result = match errors.into_result() {
        Err(refused) => Err(refused),
        Ok(()) => {
            let (actor, severity) = (ctx.actor.clone(), severity.clone());
            state
                .db
                .run(move |conn| sla::update(conn, &actor, &severity, input))
                .await
                .map(|_| ())
        }
    };
    match result {
        Ok(()) => Ok(see_other("/admin/sla?saved=1")),
        Err(AppError::NotFound) => Err(AppError::NotFound.into()),
        Err(error) => {
            let errors = FormErrors::from_error(&ctx.page, error)?;
            let status = errors.status();
            page(&state, &ctx, None, Some((severity, form)), errors, status).await
        }
    }
}
