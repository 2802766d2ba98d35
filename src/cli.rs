//! The command line: `serve`, `worker`, `migrate`, `user create`, `audit verify`, `audit verify-bundle`,
//! `model train`, `model evaluate`.

use std::{io::BufRead, path::PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};

use crate::{
    config::{ProcessEnv, Settings},
    db::{self, models::organisation},
    services::{
        self,
        audit::By,
        audit_bundle, audit_verify,
        users::{self, UserInput},
    },
    startup::{prepare_database, Application},
    telemetry,
};

#[derive(Debug, Parser)]
#[command(
    name = "qalxan",
    version,
    about = "Incident-response case manager of the national CERT"
)]
pub struct Cli {
    /// A TOML file with settings; QALXAN_* environment variables override it.
    #[arg(long, global = true, env = "QALXAN_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or migrate the database and serve the web UI and API.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Run only the background jobs (they also run inside `serve`): send queued mail and run the
    /// deadline clock until stopped.
    Worker,
    /// Manage users from the command line.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The ATT&CK technique model.
    #[command(subcommand)]
    Model(ModelCommand),
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Retrain with the CERT's confirmed tags (closed incidents) as a new model version; running
    /// servers pick it up at their next suggestion.
    Train,
    /// Cross-validate the model on the shipped TRAM data (stratified k-fold); needs no database.
    Evaluate(EvaluateArgs),
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Re-check every hash chain in the database; exits non-zero at the first break.
    Verify,
    /// Check an exported bundle offline (its chain and signature); needs no database.
    VerifyBundle(VerifyBundleArgs),
}

#[derive(Debug, Args)]
pub struct VerifyBundleArgs {
    /// The bundle (JSON) to check.
    pub file: PathBuf,
    /// The public key the bundle must be signed with (base64), as served at
    /// /api/v1/audit/public-key; without it any valid signature is accepted.
    #[arg(long)]
    pub public_key: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input or a prompt, never from a flag.
    Create(CreateUserArgs),
}

#[derive(Debug, Args)]
pub struct CreateUserArgs {
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    /// admin, coordinator, responder, auditor, reporter or liaison.
    #[arg(long)]
    pub role: String,
    /// Organisation id or exact name; defaults to the CERT's own organisation.
    #[arg(long)]
    pub organisation: Option<String>,
    /// az, en or ru.
    #[arg(long)]
    pub locale: Option<String>,
    /// Read the password from the first line of standard input instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    // A bundle is checked from the file alone: no settings, no data dir, no database.
    let command = match cli.command {
        Command::Audit(AuditCommand::VerifyBundle(args)) => return verify_bundle(&args),
        Command::Model(ModelCommand::Evaluate(args)) => return evaluate_model(&args),
        other => other,
    };
    let settings = Settings::load(cli.config.as_deref(), &ProcessEnv)?;
    telemetry::init(settings.log_format);
    match command {
        Command::Serve => serve(settings),
        Command::Migrate => {
            prepare_database(&settings)?;
            println!(
                "database is up to date ({})",
                settings.database.backend_name()
            );
            Ok(())
        }
        Command::Worker => worker(settings),
        Command::User(UserCommand::Create(args)) => create_user(&settings, args),
        Command::Audit(AuditCommand::Verify) => verify_database(&settings),
        Command::Audit(AuditCommand::VerifyBundle(args)) => verify_bundle(&args),
        Command::Model(ModelCommand::Train) => train_model(&settings),
        Command::Model(ModelCommand::Evaluate(args)) => evaluate_model(&args),
    }
}

fn train_model(settings: &Settings) -> anyhow::Result<()> {
    let db = prepare_database(settings)?;
    let mut conn = db
        .pool()
        .get()
        .context("cannot get a database connection")?;
    let trained = services::techniques::models::train_version(&mut conn)?;
    println!(
        "technique model version {} trained: TRAM's sentences plus {} confirmed tags from {} closed incidents; fingerprint {}",
        trained.version, trained.examples, trained.incidents, trained.fingerprint
    );
    Ok(())
}

fn evaluate_model(args: &EvaluateArgs) -> anyhow::Result<()> {
    if args.folds < 2 {
        bail!("--folds must be at least 2");
    }
    let data = services::techniques::models::shipped();
    let config = services::techniques::models::config();
    let report =
        crate::domain::textmodel::eval::cross_validate(&data, &config, args.folds, 7, |f| {
            eprintln!("fold {} of {} done", f + 1, args.folds)
        });
    println!(
        "{}-fold stratified CV on {} sentences: macro-F1 {:.4}, top-1 {:.4}, top-3 {:.4}; majority baseline macro-F1 {:.4}, top-1 {:.4}",
        args.folds, data.len(), report.macro_f1, report.top1, report.top3, report.majority_macro_f1, report.majority_top1
    );
    let mut worst: Vec<_> = report.per_label.iter().collect();
    worst.sort_by(|a, b| a.1 .0.total_cmp(&b.1 .0));
    for (label, (f1, n)) in worst.into_iter().take(10) {
        println!("  {label}: F1 {f1:.3} (n = {n})");
    }
    let started = std::time::Instant::now();
    let model = crate::domain::textmodel::Model::train(&data, config);
    let train_secs = started.elapsed().as_secs_f64();
    let n = data.len().min(2000);
    let started = std::time::Instant::now();
    for (text, _) in data.iter().take(n) {
        std::hint::black_box(model.rank(text, 5, 8));
    }
    println!(
        "full training {train_secs:.2} s; {} features, weights {:.1} MiB; {:.3} ms per suggestion (5 techniques, 8 terms, mean of {n})",
        model.features(),
        model.weight_bytes() as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64() * 1000.0 / n as f64
    );
    Ok(())
}

/// Connects and migrates, but runs no bootstrap: verifying must not write to the trail.
fn verify_database(settings: &Settings) -> anyhow::Result<()> {
    let pool = db::connect(&settings.database, 2, settings.db_timeout)?;
    let mut conn = pool.get().context("cannot get a database connection")?;
    db::migrate(&mut conn)?;
    let report = audit_verify::verify_all(&mut conn)?;
    if let Some(bad) = &report.first_bad {
        bail!(
            "the audit trail is BROKEN ({} of {} streams; {} events checked); first bad: {bad}",
            report.bad_streams,
            report.streams_checked,
            report.events_checked
        );
    }
    println!(
        "audit trail intact: {} streams, {} events",
        report.streams_checked, report.events_checked
    );
    Ok(())
}

fn verify_bundle(args: &VerifyBundleArgs) -> anyhow::Result<()> {
    let path = args.file.display();
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read the bundle {path}"))?;
    let bundle: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{path} is not JSON"))?;
    let summaries = if bundle["format"] == audit_bundle::COLLECTION_FORMAT {
        audit_bundle::verify_collection(&bundle, args.public_key.as_deref())
    } else {
        audit_bundle::verify_bundle(&bundle, args.public_key.as_deref()).map(|s| vec![s])
    }
    .map_err(|reason| anyhow::anyhow!("bundle {path} is NOT valid: {reason}"))?;
    for summary in &summaries {
        println!(
            "bundle valid: stream {}, {} events, head seq {} hash {}, generated {}, signed by {}",
            summary.stream,
            summary.events,
            summary.head_seq,
            summary.head_hash,
            summary.generated_at,
            summary.public_key
        );
    }
    if summaries.len() != 1 {
        println!("{} case bundles valid", summaries.len());
    }
    if args.public_key.is_none() {
        println!("note: the signing key was not pinned; compare it with the instance's key (GET /api/v1/audit/public-key) or pass --public-key");
    }
    Ok(())
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let bind = settings.bind;
        let backend = settings.database.backend_name();
        let app = Application::build(settings).await?;
        tracing::info!(%bind, port = app.port(), backend, "Qalxan is serving");
        app.run_until_stopped().await.context("server failed")?;
        tracing::info!("stopped");
        Ok(())
    })
}

fn worker(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let settings = std::sync::Arc::new(settings);
        let prepared = settings.clone();
        let db = tokio::task::spawn_blocking(move || prepare_database(&prepared))
            .await
            .context("start-up task failed")??;
        let metrics = crate::metrics::Metrics::new();
        let worker = crate::mail::Worker::new(db.clone(), settings.clone(), metrics.clone())?
            .context("QALXAN_SMTP_URL is not set: the mail worker has no server to send to")?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let clock = crate::clock::spawn(db, settings, metrics, stop.subscribe());
        let running = actix_web::rt::spawn(worker.run(stopped));
        shutdown_signal().await;
        tracing::info!("stopping the mail worker and the deadline clock");
        let _ = stop.send(true);
        let _ = running.await;
        if let Some(clock) = clock {
            let _ = clock.await;
        }
        Ok(())
    })
}

/// SIGINT or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("Password: ")
        .context("cannot prompt for a password (use --password-stdin)")?;
    let second = rpassword::prompt_password("Repeat password: ")?;
    if first != second {
        bail!("the passwords do not match");
    }
    Ok(first)
}

fn create_user(settings: &Settings, args: CreateUserArgs) -> anyhow::Result<()> {
    let password = read_password(args.password_stdin)?;
    let db = prepare_database(settings)?;
    let mut conn = db.pool().get()?;
    let organisation_id = match args.organisation.as_deref() {
        None => {
            services::bootstrap::ensure_organisation(&mut conn, "cert", &settings.cert_name)?.id
        }
        Some(raw) => match raw.parse::<i64>() {
            Ok(id) => id,
            Err(_) => {
                organisation::find_by_name(&mut conn, raw)?
                    .with_context(|| format!("no organisation is named `{raw}`"))?
                    .id
            }
        },
    };
    let user = users::create_as(
        &mut conn,
        By::system(),
        UserInput {
            email: args.email,
            display_name: args.name,
            password,
            organisation_id,
            role: args.role,
            locale: args.locale,
        },
    )
    .map_err(|e| match e {
        crate::error::AppError::Validation(fields) => {
            anyhow::anyhow!(services::bootstrap::describe_fields(&fields))
        }
        other => anyhow::anyhow!("{other}"),
    })?;
    println!(
        "created user {} <{}> with role {}",
        user.id, user.email, user.role
    );
    Ok(())
}
