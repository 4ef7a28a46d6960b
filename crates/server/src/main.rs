//! `tend-server`: runs the sync server against a PostgreSQL database.
//!
//! ```text
//! tend-server --database-url postgres://tend@localhost/tend_sync --listen 0.0.0.0:8443 \
//!             --tls-cert cert.pem --tls-key key.pem
//! ```
//! The enrolment token (for a clinic's first desktop) comes from `TEND_ENROL_TOKEN`; without
//! it no new clinic can enrol. Without a certificate it serves plain HTTP, for loopback or
//! behind a reverse proxy that does TLS.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use axum_server::accept::DefaultAcceptor;
use axum_server::tls_rustls::RustlsAcceptor;
use clap::Parser;
use tend_server::connections::Capped;
use tend_server::{AppState, Config, connect, router, spawn_housekeeping};

#[derive(Debug, Parser)]
#[command(name = "tend-server", version, about = "Tend's sync server")]
struct Args {
    /// PostgreSQL connection URL.
    #[arg(long, env = "TEND_DATABASE_URL")]
    database_url: String,
    /// Address and port to listen on.
    #[arg(long, env = "TEND_LISTEN", default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// PEM certificate chain; with --tls-key, the server speaks HTTPS (rustls).
    #[arg(long, env = "TEND_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    #[arg(long, env = "TEND_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Requests per second per device.
    #[arg(long, default_value_t = 50)]
    per_device_per_second: u32,
    /// Requests per second from one address without a valid token (enrolment, registration,
    /// bad tokens).
    #[arg(long, default_value_t = 5)]
    anonymous_per_second: u32,
    /// Requests per second from one address, whatever they are.
    #[arg(long, default_value_t = 100)]
    per_address_per_second: u32,
    /// Open connections allowed from one address, and in all.
    #[arg(long, default_value_t = 32)]
    connections_per_address: usize,
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// Seconds a client has to send a request's headers, and to send all of a request.
    #[arg(long, default_value_t = 10)]
    header_timeout_secs: u64,
    #[arg(long, default_value_t = 60)]
    request_timeout_secs: u64,
    /// How long a pairing code is good for, in seconds (an hour at most).
    #[arg(long, default_value_t = 3600)]
    pairing_ttl_secs: u64,
    /// The most one clinic may store, in MiB (20 GiB by default).
    #[arg(long, default_value_t = 20 << 10)]
    clinic_quota_mib: i64,
    /// Largest request body in MiB.
    #[arg(long, default_value_t = 16)]
    max_body_mib: usize,
    /// Stops when standard input closes: for a server started by tests, so it never outlives
    /// the process that started it.
    #[arg(long, hide = true)]
    exit_when_stdin_closes: bool,
    /// Logs as JSON lines (for a log collector) instead of text.
    #[arg(long)]
    json_logs: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if args.json_logs {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let enrol_token = std::env::var("TEND_ENROL_TOKEN")
        .ok()
        .filter(|t| t.len() >= 16);
    if enrol_token.is_none() {
        tracing::warn!(
            "TEND_ENROL_TOKEN is unset or shorter than 16 characters: no new clinic can enrol"
        );
    }
    let config = Config {
        enrol_token,
        max_body_bytes: args.max_body_mib << 20,
        per_device_per_second: args.per_device_per_second,
        per_device_burst: args.per_device_per_second.saturating_mul(4),
        anonymous_per_second: args.anonymous_per_second,
        per_address_per_second: args.per_address_per_second,
        request_timeout: std::time::Duration::from_secs(args.request_timeout_secs.max(1)),
        clinic_quota_bytes: args.clinic_quota_mib.saturating_mul(1 << 20),
        // A pairing code lives an hour at most: minutes are enough to pair a desktop.
        pairing_ttl: std::time::Duration::from_secs(args.pairing_ttl_secs.clamp(1, 3600)),
        ..Config::default()
    };
    let pool = connect(&args.database_url).await?;
    spawn_housekeeping(pool.clone());
    let app =
        router(AppState::new(pool, config)).into_make_service_with_connect_info::<SocketAddr>();
    let capped = Capped::new(
        DefaultAcceptor::new(),
        args.connections_per_address,
        args.max_connections,
    );
    let header_timeout = std::time::Duration::from_secs(args.header_timeout_secs.max(1));
    let handle = axum_server::Handle::new();
    let stop = handle.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    });
    if args.exit_when_stdin_closes {
        let stop = handle.clone();
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            stop.shutdown();
        });
    }
    match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => {
            // The pin a clinic types when its desktops should trust this certificate alone.
            match std::fs::read(&cert).map(|pem| tend_sync::pin::pin_of_pem(&pem)) {
                Ok(Ok(pin)) => tracing::info!(
                    %pin,
                    "certificate pin (for desktops that pin this server's own certificate)"
                ),
                Ok(Err(e)) => tracing::warn!(error = %e, "the certificate's pin could not be read"),
                Err(e) => tracing::warn!(error = %e, "the certificate could not be read"),
            }
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(&cert, &key)
                .await
                .with_context(|| {
                    format!(
                        "reading the certificate {} and key {}",
                        cert.display(),
                        key.display()
                    )
                })?;
            tracing::info!(listen = %args.listen, "serving HTTPS");
            let mut server = axum_server::bind(args.listen)
                .acceptor(RustlsAcceptor::new(tls).acceptor(capped))
                .first_request_timeout(header_timeout)
                .handle(handle);
            server
                .http_builder()
                .http1()
                .header_read_timeout(header_timeout);
            server.serve(app).await?;
        }
        _ => {
            tracing::info!(listen = %args.listen, "serving HTTP");
            let mut server = axum_server::bind(args.listen)
                .acceptor(capped)
                .first_request_timeout(header_timeout)
                .handle(handle);
            server
                .http_builder()
                .http1()
                .header_read_timeout(header_timeout);
            server.serve(app).await?;
        }
    }
    Ok(())
}
