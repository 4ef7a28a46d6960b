//! tend-server: the clinic's sync server. It stores each change as the sealed envelope a desktop
//! sent, hands them out in commit order, and knows devices only by id, short code and the hash of
//! their token. It cannot read patient data: it never has the clinic key.
//!
//! Order: a push takes its clinic's row lock and numbers its new changes from the clinic's
//! counter inside that transaction, so cursors are given in commit order and a pull can never
//! pass over a change that commits later with a smaller number.

mod api;
pub mod connections;
mod error;
mod limits;

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub use api::{purge_pairings, router};

/// Deletes expired pairings (and the keys they hold) every half minute, so an expired code's
/// keys are gone from the server within that, whether or not anyone pairs again.
pub fn spawn_housekeeping(pool: PgPool) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(30));
        loop {
            every.tick().await;
            match purge_pairings(&pool).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "expired or long-used pairings deleted"),
                Err(e) => tracing::warn!(error = %e, "purging pairings failed"),
            }
        }
    });
}
pub use error::ApiError;

/// The migrations in `migrations/server/`, embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/server");

/// How the server behaves; the defaults suit a clinic.
#[derive(Debug, Clone)]
pub struct Config {
    /// The bearer token that enrols a new clinic. `None`: enrolment is closed.
    pub enrol_token: Option<String>,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Requests per second allowed to one device, and the burst above it.
    pub per_device_per_second: u32,
    pub per_device_burst: u32,
    /// Requests per second allowed to one address without a valid token (enrolment and
    /// registration attempts, bad tokens).
    pub anonymous_per_second: u32,
    /// Requests per second allowed to one address, whatever they are.
    pub per_address_per_second: u32,
    /// Longest a request may take to arrive and be answered, its body included.
    pub request_timeout: Duration,
    /// How long a pairing token is good for.
    pub pairing_ttl: Duration,
    /// Most bytes of sealed changes one clinic may store.
    pub clinic_quota_bytes: i64,
    /// Most pairing codes a clinic may have open (unused, unexpired) at once.
    pub open_pairings: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enrol_token: None,
            max_body_bytes: 16 << 20,
            per_device_per_second: 50,
            per_device_burst: 200,
            anonymous_per_second: 5,
            per_address_per_second: 100,
            request_timeout: Duration::from_secs(60),
            pairing_ttl: Duration::from_secs(3600),
            clinic_quota_bytes: 20 << 30,
            open_pairings: 10,
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
#[allow(missing_debug_implementations)] // the pool and the limiters have nothing to show
pub struct AppState {
    pub(crate) pool: PgPool,
    pub(crate) config: Arc<Config>,
    pub(crate) limits: Arc<limits::Limits>,
}

impl AppState {
    pub fn new(pool: PgPool, config: Config) -> Self {
        let limits = Arc::new(limits::Limits::new(&config));
        AppState {
            pool,
            config: Arc::new(config),
            limits,
        }
    }
}

/// Connects to PostgreSQL and brings the schema up to date.
pub async fn connect(database_url: &str) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = database_url
        .parse()
        .map_err(|e| anyhow::anyhow!("the database URL is not valid: {e}"))?;
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot reach PostgreSQL: {e}"))?;
    MIGRATOR
        .run(&pool)
        .await
        .map_err(|e| anyhow::anyhow!("migrating the sync database failed: {e}"))?;
    Ok(pool)
}
