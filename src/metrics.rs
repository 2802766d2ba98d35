//! Prometheus metrics: requests and latency by route pattern and status, pool usage, and the
//! mail outbox (depth and age read from the database at scrape time, so every node reports
//! the shared queue; sent and failed counts per process).
//! One registry per application instance, so tests running side by side do not mix counts.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::db::{models::outbox::Stats, Pool};

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    outbox_pending: IntGauge,
    outbox_failed: IntGauge,
    outbox_oldest_age: IntGauge,
    outbox_sent_total: IntCounter,
    outbox_failures_total: IntCounter,
    deadlines_breached: IntGaugeVec,
    clock_last_run: IntGauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "qalxan_http_requests_total",
                "HTTP requests by method, route pattern and status",
            ),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "qalxan_http_request_duration_seconds",
                "HTTP request latency by method, route pattern and status",
            )
            .buckets(vec![
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let pool_connections =
            IntGauge::new("qalxan_db_pool_connections", "Open database connections")
                .expect("valid metric");
        let pool_idle = IntGauge::new(
            "qalxan_db_pool_idle_connections",
            "Idle database connections",
        )
        .expect("valid metric");
        let pool_max = IntGauge::new("qalxan_db_pool_max_connections", "Configured pool size")
            .expect("valid metric");
        let gauge = |name: &str, help: &str| IntGauge::new(name, help).expect("valid metric");
        let counter = |name: &str, help: &str| IntCounter::new(name, help).expect("valid metric");
        let outbox_pending = gauge(
            "qalxan_outbox_pending",
            "Mail not yet sent and not given up on (pending or being sent)",
        );
        let outbox_failed = gauge(
            "qalxan_outbox_failed",
            "Mail given up on, waiting for an administrator",
        );
        let outbox_oldest_age = gauge(
            "qalxan_outbox_oldest_pending_age_seconds",
            "Age of the oldest unsent mail (0 when none)",
        );
        let outbox_sent_total = counter(
            "qalxan_outbox_sent_total",
            "Mail handed to the SMTP server by this process",
        );
        let outbox_failures_total = counter(
            "qalxan_outbox_failures_total",
            "Failed mail attempts in this process",
        );
        let deadlines_breached = IntGaugeVec::new(
            Opts::new(
                "qalxan_deadlines_breached",
                "Open incidents (or NIS2 reports) past a deadline not yet met, by kind of deadline",
            ),
            &["kind"],
        )
        .expect("valid metric");
        let clock_last_run = gauge(
            "qalxan_clock_last_run_timestamp_seconds",
            "When this process's deadline clock last finished a step (Unix time; 0: never)",
        );
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(pool_connections.clone()),
            Box::new(pool_idle.clone()),
            Box::new(pool_max.clone()),
            Box::new(outbox_pending.clone()),
            Box::new(outbox_failed.clone()),
            Box::new(outbox_oldest_age.clone()),
            Box::new(outbox_sent_total.clone()),
            Box::new(outbox_failures_total.clone()),
            Box::new(deadlines_breached.clone()),
            Box::new(clock_last_run.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric names are unique");
        }
        Self {
            registry,
            requests,
            latency,
            pool_connections,
            pool_idle,
            pool_max,
            outbox_pending,
            outbox_failed,
            outbox_oldest_age,
            outbox_sent_total,
            outbox_failures_total,
            deadlines_breached,
            clock_last_run,
        }
    }

    /// Called with fresh counts per kind of deadline just before rendering.
    pub fn set_breached(&self, counts: &[(String, i64)]) {
        for (kind, n) in counts {
            self.deadlines_breached
                .with_label_values(&[kind.as_str()])
                .set(*n);
        }
    }

    /// The clock finished a step that looked at `now`.
    pub fn clock_ran(&self, now: chrono::NaiveDateTime) {
        self.clock_last_run.set(now.and_utc().timestamp());
    }

    pub fn outbox_sent(&self) {
        self.outbox_sent_total.inc();
    }

    pub fn outbox_failure(&self) {
        self.outbox_failures_total.inc();
    }

    /// Called with fresh queue numbers just before rendering.
    pub fn set_outbox(&self, stats: &Stats, now: chrono::NaiveDateTime) {
        self.outbox_pending.set(stats.unsent);
        self.outbox_failed.set(stats.failed);
        self.outbox_oldest_age.set(
            stats
                .oldest_unsent_at
                .map_or(0, |t| (now - t).num_seconds().max(0)),
        );
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
    }

    pub fn render(&self, pool: &Pool) -> String {
        let state = pool.state();
        self.pool_connections.set(state.connections as i64);
        self.pool_idle.set(state.idle_connections as i64);
        self.pool_max.set(pool.max_size() as i64);
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .expect("text encoding of metrics cannot fail");
        String::from_utf8(buffer).unwrap_or_default()
    }
}
