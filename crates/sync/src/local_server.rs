//! A real `tend-server` process on loopback, for tests and benchmarks: found beside the running
//! binary or in the cargo target directory (built there first when missing), started against a
//! PostgreSQL URL, and killed when dropped. Never used by the app.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The enrolment token test servers accept.
pub const TEST_ENROL_TOKEN: &str = "test-enrol-token-0123456789";

/// Settings a test may change.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub per_device_per_second: u32,
    pub anonymous_per_second: u32,
    pub per_address_per_second: u32,
    pub connections_per_address: usize,
    pub header_timeout_secs: u64,
    pub max_body_mib: usize,
    pub clinic_quota_mib: i64,
    pub pairing_ttl_secs: u64,
    /// Serve HTTPS with this certificate and key (PEM files).
    pub tls: Option<(PathBuf, PathBuf)>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            per_device_per_second: 100_000,
            anonymous_per_second: 10_000,
            per_address_per_second: 1_000_000,
            connections_per_address: 512,
            header_timeout_secs: 10,
            max_body_mib: 16,
            clinic_quota_mib: 1 << 20,
            pairing_ttl_secs: 3600,
            tls: None,
        }
    }
}

#[derive(Debug)]
pub struct LocalServer {
    pub addr: SocketAddr,
    database_url: String,
    options: ServerOptions,
    child: Option<Child>,
}

/// The `tend-server` binary: `TEND_SERVER_BIN`, beside the current executable, or in the cargo
/// target directory; built with cargo when it is nowhere.
pub fn server_binary() -> io::Result<PathBuf> {
    if let Ok(p) = std::env::var("TEND_SERVER_BIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe()?;
    // target/debug/deps/test-binary, or target/release/tend
    for dir in exe.ancestors().skip(1).take(2) {
        let candidate = dir.join("tend-server");
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../server/Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let profile_dir = exe
        .ancestors()
        .find(|d| {
            d.file_name()
                .is_some_and(|n| n == "debug" || n == "release")
        })
        .map(PathBuf::from)
        .ok_or_else(|| io::Error::other("cannot tell the target directory"))?;
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let target = profile_dir
        .parent()
        .ok_or_else(|| io::Error::other("cannot tell the target directory"))?;
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", target);
    if release {
        cmd.arg("--release");
    }
    let status = cmd.status()?;
    if !status.success() {
        return Err(io::Error::other("building tend-server failed"));
    }
    Ok(profile_dir.join("tend-server"))
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl LocalServer {
    /// Starts a server on a free loopback port and waits until it answers.
    pub fn start(database_url: &str, options: ServerOptions) -> io::Result<LocalServer> {
        let addr: SocketAddr = ([127, 0, 0, 1], free_port()?).into();
        let mut server = LocalServer {
            addr,
            database_url: database_url.to_owned(),
            options,
            child: None,
        };
        server.spawn()?;
        Ok(server)
    }

    /// `http://127.0.0.1:port`, or `https://localhost:port` when serving TLS.
    pub fn url(&self) -> String {
        match self.options.tls {
            Some(_) => format!("https://localhost:{}", self.addr.port()),
            None => format!("http://{}", self.addr),
        }
    }

    /// The server process's id, to read its memory in tests.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn spawn(&mut self) -> io::Result<()> {
        let mut command = Command::new(server_binary()?);
        if let Some((cert, key)) = &self.options.tls {
            command
                .arg("--tls-cert")
                .arg(cert)
                .arg("--tls-key")
                .arg(key);
        }
        let child = command
            .arg("--database-url")
            .arg(&self.database_url)
            .arg("--listen")
            .arg(self.addr.to_string())
            .arg("--per-device-per-second")
            .arg(self.options.per_device_per_second.to_string())
            .arg("--anonymous-per-second")
            .arg(self.options.anonymous_per_second.to_string())
            .arg("--max-body-mib")
            .arg(self.options.max_body_mib.to_string())
            .arg("--per-address-per-second")
            .arg(self.options.per_address_per_second.to_string())
            .arg("--connections-per-address")
            .arg(self.options.connections_per_address.to_string())
            .arg("--header-timeout-secs")
            .arg(self.options.header_timeout_secs.to_string())
            .arg("--clinic-quota-mib")
            .arg(self.options.clinic_quota_mib.to_string())
            .arg("--pairing-ttl-secs")
            .arg(self.options.pairing_ttl_secs.to_string())
            .arg("--exit-when-stdin-closes")
            .env("TEND_ENROL_TOKEN", TEST_ENROL_TOKEN)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if let Some(child) = &mut self.child
                && let Some(status) = child.try_wait()?
            {
                return Err(io::Error::other(format!("tend-server exited: {status}")));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(io::Error::other("tend-server did not start listening"))
    }

    /// Kills the server (as a crash would) and starts it again on the same port.
    pub fn restart(&mut self) -> io::Result<()> {
        self.kill();
        self.spawn()
    }

    /// Kills the server, as a crash or a power cut would.
    pub fn stop(&mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.kill();
    }
}
