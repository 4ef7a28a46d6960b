//! Sync that heals itself: an answer lost on the way back (the server did the work, the desktop
//! never heard) at every endpoint in turn, through a proxy that forwards each request to the
//! real server and drops the answer it is told to. The next attempt or round succeeds and
//! nothing is lost.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use tend_core::patients::{self, OnDuplicates};
use tend_core::sync::{self, JoinRequest};
use tend_core::users::{self, NewUser};
use tend_core::{Tend, auth};
use tend_domain::patients::PatientForm;
use tend_sync::local_server::TEST_ENROL_TOKEN;

use crate::support::{env, shared_server};

/// A proxy in front of the sync server that loses the answers it is told to lose.
struct Losing {
    url: String,
    /// Paths whose next answer is dropped, and the answers dropped so far.
    lose: Arc<Mutex<Vec<String>>>,
    lost: Arc<Mutex<Vec<String>>>,
}

impl Losing {
    fn start(upstream: SocketAddr) -> Losing {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let lose: Arc<Mutex<Vec<String>>> = Arc::default();
        let lost: Arc<Mutex<Vec<String>>> = Arc::default();
        let (l, d) = (lose.clone(), lost.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (l, d) = (l.clone(), d.clone());
                std::thread::spawn(move || {
                    let _ = forward(conn, upstream, &l, &d);
                });
            }
        });
        Losing { url, lose, lost }
    }

    fn lose_next(&self, path: &str) {
        self.lose.lock().unwrap().push(path.to_owned());
    }

    fn lost(&self) -> Vec<String> {
        self.lost.lock().unwrap().clone()
    }
}

/// One request: read it whole, send it on (one request a connection), read the answer whole,
/// then hand it back, or close the connection without a word if its answer is to be lost.
fn forward(
    mut client: TcpStream,
    upstream: SocketAddr,
    lose: &Mutex<Vec<String>>,
    lost: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    let mut length = 0usize;
    let mut path = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if path.is_empty() {
            path = line.split(' ').nth(1).unwrap_or_default().to_owned();
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("connection:") {
            continue;
        }
        if line == "\r\n" {
            head.extend_from_slice(b"Connection: close\r\n\r\n");
            break;
        }
        head.extend_from_slice(line.as_bytes());
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(&head)?;
    server.write_all(&body)?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;
    {
        let mut to_lose = lose.lock().unwrap();
        if let Some(i) = to_lose.iter().position(|p| *p == path) {
            to_lose.remove(i);
            lost.lock().unwrap().push(path);
            return client.shutdown(std::net::Shutdown::Both);
        }
    }
    client.write_all(&answer)
}

fn patient(n: u32) -> PatientForm {
    PatientForm {
        given_name: format!("Paciente{n}"),
        family_name: "Perdida".into(),
        birth_date: format!("1980-01-{:02}", n + 1),
        phones: vec![format!("600 200 {n:03}")],
        ..Default::default()
    }
}

fn names(t: &Tend, who: &tend_core::Session) -> Vec<String> {
    let mut names: Vec<String> = patients::search(t, who, "perdida", 50)
        .unwrap()
        .into_iter()
        .map(|p| p.display_name)
        .collect();
    names.sort();
    names
}

#[test]
fn an_answer_lost_at_every_endpoint_in_turn_heals_on_the_next_attempt_and_loses_nothing() {
    let server: SocketAddr = shared_server()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let proxy = Losing::start(server);
    let dir_a = tempfile::tempdir().unwrap();
    let a = crate::support::new_clinic(dir_a.path(), "Clínica Perdida", "Reception").tend;
    let admin = auth::sign_in(&a, "admin", "admin password 1").unwrap();
    users::add(
        &a,
        &admin,
        &NewUser {
            username: "rosa",
            display_name: "Rosa",
            roles: "receptionist",
            licence_number: "",
            password: "rosa password 1",
        },
    )
    .unwrap();
    let rosa_a = auth::sign_in(&a, "rosa", "rosa password 1").unwrap();
    patients::register(&a, &rosa_a, &patient(0), OnDuplicates::RegisterAnyway).unwrap();

    // Enrolment: the server enrolled the clinic, the answer was lost; asked again (the same
    // key, device and code), it answers. Before, the clinic could never enrol there again.
    proxy.lose_next("/v1/clinics");
    sync::connect(&a, &admin, &proxy.url, TEST_ENROL_TOKEN).unwrap();
    assert_eq!(proxy.lost(), ["/v1/clinics"]);
    assert!(sync::status(&a, &admin).unwrap().last_error.is_none());

    // A pairing code whose answer is lost is simply asked for again.
    proxy.lose_next("/v1/pairings");
    assert!(sync::pairing_code(&a, &admin).is_err());
    let code = sync::pairing_code(&a, &admin).unwrap();

    // Registration: the pairing was used, the answer lost; the same desktop asking again is
    // answered (before: "already used", for good).
    proxy.lose_next("/v1/register");
    let dir_b = tempfile::tempdir().unwrap();
    let b = sync::join(
        dir_b.path(),
        &JoinRequest {
            pairing_code: &code.code,
            device_name: "Office",
            passphrase: "second desk passphrase",
        },
        env(),
        |_| {},
    )
    .unwrap()
    .tend;
    let rosa_b = auth::sign_in(&b, "rosa", "rosa password 1").unwrap();
    assert_eq!(names(&b, &rosa_b), ["Paciente0 Perdida"]);

    // Hello, push and pull: a round whose answer is lost fails; the next one succeeds.
    let mut n = 1;
    for (path, on_a) in [("/v1/hello", true), ("/v1/push", true), ("/v1/pull", false)] {
        patients::register(&a, &rosa_a, &patient(n), OnDuplicates::RegisterAnyway).unwrap();
        patients::register(&b, &rosa_b, &patient(n + 1), OnDuplicates::RegisterAnyway).unwrap();
        n += 2;
        proxy.lose_next(path);
        let (first, second) = if on_a { (&a, &b) } else { (&b, &a) };
        assert!(sync::sync_now(first, |_| {}).is_err(), "{path}");
        for t in [first, second, first, second] {
            sync::sync_now(t, |_| {}).unwrap();
        }
    }
    let expected: Vec<String> = (0..n).map(|i| format!("Paciente{i} Perdida")).collect();
    assert_eq!(names(&a, &rosa_a), expected);
    assert_eq!(names(&b, &rosa_b), expected);

    // Announcement after a restore: the server took it, the answer was lost; the next round
    // announces again and is answered (before: the old token was refused for good).
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("b.tendbackup");
    let admin_b = auth::sign_in(&b, "admin", "admin password 1").unwrap();
    tend_core::backup::create(&b, &admin_b, &file).unwrap();
    let (b, _) = tend_core::backup::restore(
        b,
        &admin_b,
        &file,
        tend_core::backup::Replaces::Ask,
        &tend_core::backup::quietly,
    )
    .unwrap();
    let rosa_b = auth::sign_in(&b, "rosa", "rosa password 1").unwrap();
    patients::register(&b, &rosa_b, &patient(n), OnDuplicates::RegisterAnyway).unwrap();
    n += 1;
    proxy.lose_next("/v1/announce");
    assert!(
        sync::sync_now(&b, |_| {}).is_ok(),
        "asked again within the round"
    );
    for t in [&b, &a, &b] {
        sync::sync_now(t, |_| {}).unwrap();
    }
    let expected: Vec<String> = (0..n).map(|i| format!("Paciente{i} Perdida")).collect();
    assert_eq!(names(&a, &rosa_a), expected);
    assert_eq!(names(&b, &rosa_b), expected);
    assert_eq!(
        proxy.lost(),
        [
            "/v1/clinics",
            "/v1/pairings",
            "/v1/register",
            "/v1/hello",
            "/v1/push",
            "/v1/pull",
            "/v1/announce"
        ]
    );
}
