//! A server that cannot be knocked over: every envelope checked on push, pulls that read no more
//! than their byte budget, a per-clinic quota, few and short-lived pairings, a rate limit and a
//! connection cap per address in front of every route, timeouts, and errors that quote nothing
//! a client sent.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use tend_domain::{Entity, Value};
use tend_sync::local_server::{LocalServer, ServerOptions};
use tend_sync::protocol::{PullRequest, PushRequest};
use tend_sync::{HttpClient, Transport};
use uuid::Uuid;

use crate::support::{clinic, database_url, fields, shared_server};

/// A connection from another loopback address than the desktops' (127.0.0.1): one machine of
/// the network, as the server sees it.
fn connect_from(from: [u8; 4], to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&SocketAddr::from((from, 0)).into())?;
    socket.connect_timeout(&to.into(), Duration::from_secs(2))?;
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    Ok(stream)
}

/// One request as raw HTTP from `from`; the status and the whole answer.
fn request(from: [u8; 4], to: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let Ok(mut s) = connect_from(from, to) else {
        return (0, String::new());
    };
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {to}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if s.write_all(head.as_bytes()).is_err() {
        return (0, String::new());
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

fn room(d: &crate::support::Desktop, name: String) {
    d.write(|tx| {
        tx.create(
            Entity::Room,
            Uuid::now_v7(),
            fields(&[
                ("name", Value::from(name)),
                ("hours", "".into()),
                ("archived", false.into()),
            ]),
        )?;
        Ok(())
    });
}

fn addr(url: &str) -> SocketAddr {
    url.trim_start_matches("http://").parse().unwrap()
}

#[test]
fn the_servers_errors_quote_nothing_a_client_sent() {
    let server = addr(&shared_server());
    let hostile = "<script>alert(1)</script>";
    let body = format!(
        r#"{{"v":1,"pairing_token":"x","device_id":"{}","code":"Z9","{hostile}":1}}"#,
        Uuid::now_v7()
    );
    let (status, answer) = request([127, 0, 0, 1], server, "POST", "/v1/register", &body);
    assert_eq!(status, 400, "{answer}");
    assert!(!answer.contains("script"), "{answer}");
    let (status, answer) = request([127, 0, 0, 1], server, "POST", "/v1/register", hostile);
    assert_eq!(status, 400, "{answer}");
    assert!(!answer.contains("script"), "{answer}");
}

#[test]
fn every_envelope_pushed_is_checked_before_it_is_stored() {
    let c = clinic(&shared_server(), 1, &[0]);
    let d = &c.desktops[0];
    room(d, "Room 1".into());
    let change = d.own_changes().pop().unwrap();
    let good = tend_sync::seal(&c.key, c.id, &change).unwrap();
    for (what, broken) in [
        ("a sealed change is base64 of at least its 16-byte tag", {
            let mut e = good.clone();
            e.sealed = "AAAA".into();
            e
        }),
        ("a nonce is 24 bytes of base64", {
            let mut e = good.clone();
            e.nonce = "AAAA".into();
            e
        }),
        ("a key id is 16 hexadecimal digits", {
            let mut e = good.clone();
            e.key_id = "<script>".into();
            e
        }),
        ("larger than the protocol carries", {
            let mut e = good.clone();
            e.sealed = "A".repeat(tend_sync::envelope::MAX_SEALED_CHARS + 4);
            e
        }),
    ] {
        let err = d
            .client()
            .push(&PushRequest {
                v: 1,
                device_id: d.device_id,
                changes: vec![broken],
            })
            .unwrap_err();
        assert!(err.to_string().contains(what), "{what}: {err}");
        assert!(!err.to_string().contains("script"), "{err}");
    }
    assert_eq!(
        d.client().hello().unwrap().acked_through,
        0,
        "nothing stored"
    );
}

/// The largest memory the server process has held since `reset_peak`, in MiB.
fn peak_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap()
        / 1024
}

fn reset_peak(pid: u32) {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").unwrap();
}

#[test]
fn a_pull_reads_no_more_than_its_byte_budget_and_a_clinic_no_more_than_its_quota() {
    let mut server = LocalServer::start(
        &database_url(),
        ServerOptions {
            clinic_quota_mib: 100,
            ..ServerOptions::default()
        },
    )
    .unwrap();
    let c = clinic(&server.url(), 2, &[0, 0]);
    let (a, b) = (&c.desktops[0], &c.desktops[1]);
    // 80 changes of about 0.9 MiB each (1.2 MiB sealed), pushed in batches.
    let big = "x".repeat(900 << 10);
    for i in 0..80 {
        room(a, format!("{i} {big}"));
    }
    a.round(1000).unwrap();
    // One pull asking for a thousand, to a server just started: it reads and sends one page of
    // at most 8 MiB, where it used to read all 80 (about 96 MiB) and cut the answer afterwards.
    server.restart().unwrap();
    let pid = server.pid().unwrap();
    reset_peak(pid);
    let page = b
        .client()
        .pull(&PullRequest {
            v: 1,
            after: 0,
            limit: 1000,
        })
        .unwrap();
    assert!(page.more);
    assert!(
        (1..=12).contains(&page.changes.len()),
        "{}",
        page.changes.len()
    );
    let peak = peak_mib(pid);
    assert!(peak < 60, "the server held {peak} MiB for one pull");
    // The quota: the clinic holds about 96 MiB of its 100; 20 more are refused, whole.
    for i in 0..20 {
        room(a, format!("more {i} {big}"));
    }
    let err = a.round(1000).unwrap_err();
    assert!(
        err.to_string()
            .contains("storage on the sync server is full"),
        "{err}"
    );
}

#[test]
fn pairings_are_few_and_an_expired_one_is_purged() {
    let server = LocalServer::start(
        &database_url(),
        ServerOptions {
            pairing_ttl_secs: 2,
            ..ServerOptions::default()
        },
    )
    .unwrap();
    let c = clinic(&server.url(), 1, &[0]);
    let client = c.desktops[0].client();
    let first = client.pairing(crate::support::WRAPPED.into()).unwrap();
    for _ in 1..10 {
        client.pairing(crate::support::WRAPPED.into()).unwrap();
    }
    let err = client.pairing(crate::support::WRAPPED.into()).unwrap_err();
    assert!(err.to_string().contains("pairing codes waiting"), "{err}");
    std::thread::sleep(Duration::from_millis(2500));
    // Expired, they are gone (and room for new ones is made); the old one registers nothing.
    client.pairing(crate::support::WRAPPED.into()).unwrap();
    let err = HttpClient::new(&c.server, None)
        .register(
            &first.pairing_token,
            tend_domain::DeviceId::new(),
            "Z9".into(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("already used or expired"), "{err}");
}

#[test]
fn one_address_flooding_every_route_does_not_lock_anyone_else_out() {
    let server = LocalServer::start(
        &database_url(),
        ServerOptions {
            per_address_per_second: 20,
            anonymous_per_second: 2,
            connections_per_address: 8,
            header_timeout_secs: 2,
            ..ServerOptions::default()
        },
    )
    .unwrap();
    let to = server.addr;
    let c = clinic(&server.url(), 1, &[0]);
    let a = &c.desktops[0];
    let pairing = a.client().pairing(crate::support::WRAPPED.into()).unwrap();
    let flooder = [127, 0, 0, 2];

    // A bounded flood from one machine, on every kind of route, for two seconds.
    let stop = Instant::now() + Duration::from_secs(2);
    let flood = std::thread::spawn(move || {
        let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
        let routes = [
            ("GET", "/health", ""),
            ("POST", "/v1/register", "{}"),
            ("GET", "/v1/hello", ""),
        ];
        let mut i = 0;
        while Instant::now() < stop {
            let (method, path, body) = routes[i % routes.len()];
            let (status, _) = request(flooder, to, method, path, body);
            *statuses.entry(status).or_default() += 1;
            i += 1;
        }
        statuses
    });
    // Meanwhile another machine pairs a desktop and syncs.
    std::thread::sleep(Duration::from_millis(300));
    let registered = HttpClient::new(&c.server, None)
        .register(
            &pairing.pairing_token,
            tend_domain::DeviceId::new(),
            "Z9".into(),
        )
        .unwrap();
    let other = HttpClient::new(&c.server, Some(registered.token.clone()));
    other.hello().unwrap();
    let (status, answer) = request([127, 0, 0, 1], to, "GET", "/health", "");
    assert_eq!(status, 200, "{answer}");
    let statuses = flood.join().unwrap();
    assert!(
        statuses.get(&429).copied().unwrap_or(0) > 0,
        "the flood was slowed: {statuses:?}"
    );

    // Idle connections from one machine: past its cap they are refused, others still get in,
    // and those it held are closed after the header timeout.
    std::thread::sleep(Duration::from_millis(1500));
    let mut idle = Vec::new();
    for _ in 0..20 {
        if let Ok(s) = connect_from(flooder, to) {
            idle.push(s);
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    let (status, _) = request(flooder, to, "GET", "/health", "");
    assert_eq!(status, 0, "a machine past its connection cap is refused");
    other.hello().unwrap();
    let (status, answer) = request([127, 0, 0, 1], to, "GET", "/health", "");
    assert_eq!(status, 200, "{answer}");
    std::thread::sleep(Duration::from_millis(2500));
    for mut s in idle {
        let mut buf = [0u8; 16];
        let n = s.read(&mut buf).unwrap_or(0);
        assert_eq!(n, 0, "an idle connection stayed open");
    }
    // The flooder may come back once it stops.
    let (status, _) = request(flooder, to, "GET", "/health", "");
    assert_eq!(status, 200);
}
