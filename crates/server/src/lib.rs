//! tend-server: the clinic's sync server. It stores each change as the sealed envelope a desktop
//! sent, hands them out in commit order, and knows devices only by id, short code and the hash of
//! their token. It cannot read patient data: it never has the clinic key.
//!
//! Order: a push takes its clinic's row lock and numbers its new changes from the clinic's
//! counter inside that transaction, so cursors are given in commit order and a pull can never
//! pass over a change that commits later with a smaller number.

mod api;
mod error;
mod limits;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

pub use api::router;
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
    /// Requests per second allowed to everyone not yet signed in (enrolment and registration
    /// attempts, bad tokens), together.
    pub anonymous_per_second: u32,
    /// How long a pairing token is good for.
    pub pairing_ttl: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enrol_token: None,
            max_body_bytes: 16 << 20,
            per_device_per_second: 50,
            per_device_burst: 200,
            anonymous_per_second: 5,
            pairing_ttl: Duration::from_secs(24 * 3600),
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

/// A server running on its own thread and runtime, for tests and benchmarks that are not
/// async themselves. Dropping it stops the server.
pub struct Running {
    pub addr: SocketAddr,
    handle: axum_server::Handle<SocketAddr>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running").field("addr", &self.addr).finish()
    }
}

impl Running {
    /// Starts a server on `addr` (port 0 picks a free one) against `database_url`.
    pub fn start(database_url: &str, addr: SocketAddr, config: Config) -> anyhow::Result<Running> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let pool = runtime.block_on(connect(database_url))?;
        let handle = axum_server::Handle::new();
        let server_handle = handle.clone();
        let app = router(AppState::new(pool, config));
        let thread = std::thread::Builder::new()
            .name("tend-server".into())
            .spawn(move || {
                runtime.block_on(async move {
                    axum_server::from_tcp(listener)?
                        .handle(server_handle)
                        .serve(app.into_make_service())
                        .await?;
                    Ok(())
                })
            })?;
        Ok(Running {
            addr,
            handle,
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops at once, dropping requests in flight (a crash, as far as clients can tell).
    pub fn kill(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        self.handle.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop_now();
    }
}
