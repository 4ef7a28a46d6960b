//! The protocol's edges: page boundaries, clock skew, and every refusal (wrong clinic key,
//! revoked device, oversized request, rate limit), each leaving nothing
//! applied.

use std::cell::Cell;
use std::io::{Read, Write};
use std::net::TcpStream;

use chrono::Duration;
use tend_domain::{Entity, Value};
use tend_sync::local_server::{LocalServer, ServerOptions};
use tend_sync::protocol::PullRequest;
use tend_sync::{ClinicKey, HttpClient, SyncError, Transport};
use uuid::Uuid;

use crate::support::{
    Counting, clinic, create_patient, database_url, edit, fields, heal, shared_server,
};

fn rooms(d: &crate::support::Desktop, n: usize) {
    d.write(|tx| {
        for i in 0..n {
            tx.create(
                Entity::Room,
                Uuid::now_v7(),
                fields(&[
                    ("name", format!("Room {i}").into()),
                    ("hours", "".into()),
                    ("archived", false.into()),
                ]),
            )?;
        }
        Ok(())
    });
}

#[test]
fn pages_split_anywhere_and_join_up_again() {
    const PAGE: u32 = 7;
    let p = PAGE as usize;
    for n in [0, 1, p - 1, p, p + 1, 3 * p] {
        let c = clinic(&shared_server(), 2, &[0, 0]);
        let (a, b) = (&c.desktops[0], &c.desktops[1]);
        // The first desktop's own start (clinic, device) goes first, then `n` rooms.
        a.round(PAGE).unwrap();
        b.round(PAGE).unwrap();
        rooms(a, n);
        a.round(PAGE).unwrap();
        let t = Counting {
            inner: b.client(),
            pulls: Cell::new(0),
        };
        let round = b.round_via(&t, PAGE).unwrap();
        assert_eq!(round.applied, n as u64, "{n} changes");
        // A page that ends exactly on the last change needs no extra empty request.
        assert_eq!(t.pulls.get(), n.div_ceil(p).max(1), "{n} changes");
        assert_eq!(a.dump(), b.dump(), "{n} changes");
        let hello = b.client().hello().unwrap();
        assert_eq!(b.store().sync_position().unwrap().0, hello.head);
    }
}

#[test]
fn the_full_page_size_round_trips_too() {
    let c = clinic(&shared_server(), 2, &[0, 0]);
    let (a, b) = (&c.desktops[0], &c.desktops[1]);
    rooms(a, 2001);
    let pushed = a.round(tend_core::sync::PAGE).unwrap();
    assert_eq!(pushed.pushed, 2003, "clinic, device and 2001 rooms");
    let pulled = b.round(tend_core::sync::PAGE).unwrap();
    assert_eq!(pulled.applied, 2003);
    heal(&c.desktops, tend_core::sync::PAGE);
    assert_eq!(a.dump(), b.dump());
}

#[test]
fn a_day_of_clock_skew_either_way_and_a_clock_going_back() {
    // One desktop a day ahead, the other a day behind.
    let mut c = clinic(&shared_server(), 2, &[24 * 60, -24 * 60]);
    let patient = create_patient(&mut c.desktops[0], "Lucía");
    heal(&c.desktops, 100);
    let (a, b) = (&c.desktops[0], &c.desktops[1]);
    // B saw A's patient, so its edit replaces A's value although its clock is two days behind.
    edit(
        b,
        Entity::Patient,
        patient,
        "birth_date",
        Value::from("1981-02-03"),
    );
    heal(&c.desktops, 100);
    assert!(a.store().conflicts().unwrap().is_empty());
    assert!(a.dump().contains("1981-02-03"));
    // B's clock jumps back two hours; its next edit still follows what it has seen.
    b.clock.advance(Duration::hours(-2));
    edit(
        b,
        Entity::Patient,
        patient,
        "birth_date",
        Value::from("1981-02-04"),
    );
    heal(&c.desktops, 100);
    assert!(a.store().conflicts().unwrap().is_empty());
    assert!(a.dump().contains("1981-02-04") && !a.dump().contains("1981-02-03"));
    // Edits made without seeing each other conflict, once, the same on both, flagged.
    edit(a, Entity::Patient, patient, "sex", Value::from("male"));
    edit(b, Entity::Patient, patient, "sex", Value::from("other"));
    heal(&c.desktops, 100);
    let (ca, cb) = (
        a.store().conflicts().unwrap(),
        b.store().conflicts().unwrap(),
    );
    assert_eq!(ca.len(), 1);
    assert_eq!(ca, cb);
    assert!(ca[0].safety);
    assert_eq!(ca[0].field, "sex");
    // A day ahead wins the display until someone chooses.
    assert_eq!(ca[0].heads[0].value, Value::from("male"));
    // Choosing is an edit like any other, and ends the conflict everywhere.
    let chosen = ca[0].heads[1].value.clone();
    b.write(|tx| tx.settle(Entity::Patient, patient, "sex", chosen).map(drop));
    heal(&c.desktops, 100);
    assert!(a.store().conflicts().unwrap().is_empty());
    assert_eq!(a.dump(), b.dump());
    assert!(a.dump().contains("\"sex\":\"other\""));
}

#[test]
fn a_desktop_with_the_wrong_clinic_key_stops_before_sending_or_applying() {
    let mut c = clinic(&shared_server(), 2, &[0, 0]);
    create_patient(&mut c.desktops[0], "Marta");
    c.desktops[0].round(100).unwrap();
    let b = &c.desktops[1];
    let other = ClinicKey::generate().unwrap();
    b.store().forget_clinic_keys().unwrap();
    tend_core::sync::keep_clinic_keys(
        b.store(),
        &tend_sync::KeyRing::new(vec![other]),
        b.ctx().now,
    )
    .unwrap();
    let before = b.dump();
    let err = b.round(100).unwrap_err();
    assert!(matches!(err, SyncError::WrongClinicKey { .. }), "{err}");
    assert!(err.to_string().contains("does not hold"), "{err}");
    assert_eq!(b.dump(), before, "nothing applied");
    assert_eq!(b.client().hello().unwrap().acked_through, 0, "nothing sent");
}

#[test]
fn a_revoked_device_is_refused_and_applies_nothing() {
    let mut c = clinic(&shared_server(), 2, &[0, 0]);
    create_patient(&mut c.desktops[0], "Marta");
    c.desktops[0].round(100).unwrap();
    let (a, b) = (&c.desktops[0], &c.desktops[1]);
    a.client().revoke(b.device_id).unwrap();
    let before = b.dump();
    let err = b.round(100).unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    assert!(!err.is_transient());
    assert_eq!(b.dump(), before);
    let listed = a.client().devices().unwrap();
    let revoked = listed
        .devices
        .iter()
        .find(|d| d.device_id == b.device_id)
        .unwrap();
    assert!(revoked.revoked_at.is_some());
}

fn raw_post(addr: &str, path: &str, token: &str, body_len: usize) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {body_len}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b' '; 1 << 20];
    let mut left = body_len;
    while left > 0 {
        let n = left.min(chunk.len());
        if s.write_all(&chunk[..n]).is_err() {
            break; // the server answered and closed early
        }
        left -= n;
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

#[test]
fn oversized_and_malformed_requests_are_refused_with_a_reason() {
    let c = clinic(&shared_server(), 1, &[0]);
    let d = &c.desktops[0];
    let addr = c.server.trim_start_matches("http://").to_owned();
    let (status, answer) = raw_post(&addr, "/v1/push", &d.token, 17 << 20);
    assert_eq!(status, 413, "{answer}");
    assert!(
        answer.contains("larger than this server accepts"),
        "{answer}"
    );
    let err = d
        .client()
        .pull(&PullRequest {
            v: 1,
            after: 0,
            limit: 5000,
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("limit must be between 1 and 1000"),
        "{err}"
    );
    let err = d
        .client()
        .pull(&PullRequest {
            v: 2,
            after: 0,
            limit: 10,
        })
        .unwrap_err();
    assert!(err.to_string().contains("version 2"), "{err}");
    assert_eq!(d.client().hello().unwrap().acked_through, 0);
}

#[test]
fn a_taken_device_code_and_a_used_pairing_code_are_refused() {
    let c = clinic(&shared_server(), 2, &[0, 0]);
    let a = &c.desktops[0];
    let pairing = a.client().pairing(crate::support::WRAPPED.into()).unwrap();
    let anonymous = HttpClient::new(&c.server, None);
    let err = anonymous
        .register(
            &pairing.pairing_token,
            tend_domain::DeviceId::new(),
            a.code.to_string(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("code: another desktop"), "{err}");
    anonymous
        .register(
            &pairing.pairing_token,
            tend_domain::DeviceId::new(),
            "Z9".into(),
        )
        .unwrap();
    let err = anonymous
        .register(
            &pairing.pairing_token,
            tend_domain::DeviceId::new(),
            "Z8".into(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("already used or expired"), "{err}");
}

#[test]
fn a_device_that_asks_too_fast_is_slowed_down() {
    let server = LocalServer::start(
        &database_url(),
        ServerOptions {
            per_device_per_second: 1,
            ..ServerOptions::default()
        },
    )
    .unwrap();
    let c = clinic(&server.url(), 1, &[0]);
    let client = c.desktops[0].client();
    let refused = (0..20)
        .map(|_| client.hello())
        .find_map(Result::err)
        .expect("some request is refused");
    assert!(refused.is_transient());
    assert!(
        refused.to_string().contains("too many requests"),
        "{refused}"
    );
}

#[test]
fn a_username_or_fee_code_chosen_on_two_desktops_at_once_is_kept_by_the_first() {
    let c = clinic(&shared_server(), 3, &[0, 0, 0]);
    heal(&c.desktops, 100);
    for (i, d) in c.desktops.iter().enumerate().take(2) {
        d.write(|tx| {
            tx.create(
                Entity::User,
                Uuid::now_v7(),
                fields(&[
                    ("username", "bob".into()),
                    ("display_name", format!("Bob {i}").into()),
                    ("password_hash", "x".into()),
                    ("roles", "receptionist".into()),
                    ("licence_number", Value::Null),
                    ("disabled", false.into()),
                    ("locked", false.into()),
                ]),
            )?;
            tx.create(
                Entity::FeeItem,
                Uuid::now_v7(),
                fields(&[
                    ("code", "CONS".into()),
                    ("name", format!("Consultation {i}").into()),
                    ("kind", "service".into()),
                    ("price", "40.00".into()),
                    ("tax_rate_id", Value::Null),
                    ("archived", false.into()),
                ]),
            )
            .map(drop)
        });
        d.clock.advance(Duration::seconds(1));
    }
    // The second desktop sends first, so the server's order is the reverse of the choosing
    // order: every desktop must still agree that the first choice keeps the name.
    c.desktops[1].round(100).unwrap();
    c.desktops[0].round(100).unwrap();
    c.desktops[2].round(100).unwrap();
    heal(&c.desktops, 100);
    let dumps: Vec<String> = c.desktops.iter().map(|d| d.dump()).collect();
    assert!(dumps.iter().all(|d| d == &dumps[0]));
    let users: Vec<&str> = dumps[0]
        .lines()
        .filter(|l| l.starts_with("user "))
        .collect();
    assert_eq!(
        users
            .iter()
            .filter(|l| l.contains("\"username\":\"bob\""))
            .count(),
        1
    );
    let kept = users
        .iter()
        .find(|l| l.contains("\"username\":\"bob\""))
        .unwrap();
    assert!(
        kept.contains("Bob 0"),
        "the first choice keeps the name: {kept}"
    );
    let renamed = users
        .iter()
        .find(|l| l.contains("\"username\":\"bob-"))
        .unwrap();
    assert!(renamed.contains("Bob 1"), "{renamed}");
    let fees: Vec<&str> = dumps[0]
        .lines()
        .filter(|l| l.starts_with("fee_item "))
        .collect();
    assert_eq!(
        fees.iter()
            .filter(|l| l.contains("\"code\":\"CONS\""))
            .count(),
        1
    );
    assert_eq!(
        fees.iter()
            .filter(|l| l.contains("\"code\":\"CONS-"))
            .count(),
        1
    );
    for d in &c.desktops {
        let report = d.store().check_consistency().unwrap();
        assert!(report.is_consistent(), "{:?}", report.problems);
    }
}

#[test]
fn a_reader_pulling_while_others_push_never_skips_a_change() {
    // Four desktops push at once, in many small transactions, while a fifth pulls without
    // pause. The server's cursors follow commit order, so no page ever shows a gap (the engine
    // refuses one) and the reader ends with everything.
    let c = clinic(&shared_server(), 5, &[0; 5]);
    heal(&c.desktops, 100);
    let (writers, reader) = c.desktops.split_at(4);
    let reader = &reader[0];
    let done = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for w in writers {
            let done = &done;
            s.spawn(move || {
                for _ in 0..15 {
                    rooms(w, 3);
                    w.round(100).unwrap();
                }
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            });
        }
        s.spawn(|| {
            while done.load(std::sync::atomic::Ordering::SeqCst) < 4 {
                reader.round(7).unwrap_or_else(|e| panic!("a pull saw {e}"));
            }
        });
    });
    heal(&c.desktops, 100);
    let dumps: Vec<String> = c.desktops.iter().map(|d| d.dump()).collect();
    assert!(dumps.iter().all(|d| d == &dumps[0]));
    assert_eq!(
        dumps[0].lines().filter(|l| l.starts_with("room ")).count(),
        4 * 15 * 3
    );
}
