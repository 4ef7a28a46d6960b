//! Convergence, property-based: 2–6 desktops and a real server; random edits (concurrent edits of
//! the same fields and of safety-list fields, deletions, patient merges, clinical events,
//! conflict resolutions), clocks skewed by up to a day and going backwards, and a network that
//! drops requests and answers, repeats and replays old pushes, cuts desktops off, restarts the
//! server in the middle of a pull and switches desktops off. After healing, every desktop holds
//! the same records and conflicts, no change is lost, the conflicts are exactly what the merge
//! of all changes says, and replaying any push or pulled page changes nothing.
//!
//! `TEND_SYNC_CASES` sets the number of cases (default 128); a failure prints the operations.

use std::cell::RefCell;
use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tend_domain::{Change, Entity, Value};
use tend_sync::local_server::{LocalServer, ServerOptions};
use tend_sync::protocol::PushRequest;
use tend_sync::{ClientError, HttpClient, Transport};
use uuid::Uuid;

use crate::support::{
    Clinic, Desktop, change_ids, clinic, create_patient, database_url, edit, expected_conflicts,
    fields, heal,
};

#[derive(Debug, Clone)]
enum Op {
    CreatePatient(usize),
    /// Field 0–1 are on the safety list (birth date, sex), 2–3 are not.
    EditPatient(usize, Index, u8, u8),
    MergePatient(usize, Index, Index),
    AddAllergy(usize, Index),
    CreateRoom(usize),
    RenameRoom(usize, Index, u8),
    ArchiveRoom(usize, Index, bool),
    Resolve(usize, Index, Index),
    Sync(usize, u64),
    Offline(usize, u8),
    RestartDesktop(usize),
    Clock(usize, i64),
}

fn op() -> impl Strategy<Value = Op> {
    let d = 0usize..6;
    prop_oneof![
        2 => d.clone().prop_map(Op::CreatePatient),
        6 => (d.clone(), any::<Index>(), 0u8..4, any::<u8>()).prop_map(|(d, p, f, v)| Op::EditPatient(d, p, f, v)),
        1 => (d.clone(), any::<Index>(), any::<Index>()).prop_map(|(d, a, b)| Op::MergePatient(d, a, b)),
        2 => (d.clone(), any::<Index>()).prop_map(|(d, p)| Op::AddAllergy(d, p)),
        1 => d.clone().prop_map(Op::CreateRoom),
        2 => (d.clone(), any::<Index>(), any::<u8>()).prop_map(|(d, r, v)| Op::RenameRoom(d, r, v)),
        1 => (d.clone(), any::<Index>(), any::<bool>()).prop_map(|(d, r, a)| Op::ArchiveRoom(d, r, a)),
        2 => (d.clone(), any::<Index>(), any::<Index>()).prop_map(|(d, c, p)| Op::Resolve(d, c, p)),
        8 => (d.clone(), any::<u64>()).prop_map(|(d, s)| Op::Sync(d, s)),
        1 => (d.clone(), 1u8..4).prop_map(|(d, k)| Op::Offline(d, k)),
        1 => d.clone().prop_map(Op::RestartDesktop),
        1 => (d, -180i64..60).prop_map(|(d, m)| Op::Clock(d, m)),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    desktops: usize,
    /// Minutes each desktop's clock is off, up to a day either way.
    skews: Vec<i64>,
    page: u32,
    ops: Vec<Op>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        2usize..=6,
        prop::collection::vec(-1440i64..=1440, 6),
        1u32..=6,
        prop::collection::vec(op(), 4..40),
    )
        .prop_map(|(desktops, skews, page, ops)| Case {
            desktops,
            skews,
            page,
            ops,
        })
}

/// Record ids of one kind that a desktop holds.
fn ids(d: &Desktop, entity: Entity) -> Vec<Uuid> {
    let prefix = format!("{} ", entity.as_str());
    d.dump()
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|l| l.split(' ').next())
        .filter_map(|id| id.parse().ok())
        .collect()
}

fn create_room(d: &Desktop, name: &str) {
    let f = fields(&[
        ("name", name.into()),
        ("hours", "".into()),
        ("archived", false.into()),
    ]);
    d.write(|tx| tx.create(Entity::Room, Uuid::now_v7(), f).map(drop));
}

fn pick<T: Copy>(list: &[T], i: &Index) -> Option<T> {
    (!list.is_empty()).then(|| list[i.index(list.len())])
}

/// The network as the test makes it: requests and answers lost, repeated, old pushes replayed,
/// and the server restarted before a pull.
struct Faulty<'a> {
    inner: HttpClient,
    rng: RefCell<fastrand::Rng>,
    offline: bool,
    server: &'a RefCell<LocalServer>,
    pushes: &'a RefCell<Vec<(HttpClient, PushRequest)>>,
    restarts: &'a RefCell<u32>,
}

fn unreachable(why: &str) -> ClientError {
    ClientError::Unreachable(why.into())
}

impl Faulty<'_> {
    fn roll(&self, percent: u32) -> bool {
        self.rng.borrow_mut().u32(0..100) < percent
    }

    fn around<T>(&self, send: impl Fn() -> Result<T, ClientError>) -> Result<T, ClientError> {
        if self.offline {
            return Err(unreachable("partitioned"));
        }
        if self.roll(5) {
            return Err(unreachable("request lost"));
        }
        if self.roll(5) {
            let _ = send();
        }
        let answer = send()?;
        if self.roll(5) {
            return Err(unreachable("answer lost"));
        }
        Ok(answer)
    }
}

impl Transport for Faulty<'_> {
    fn hello(&self) -> Result<tend_sync::protocol::Hello, ClientError> {
        self.around(|| self.inner.hello())
    }

    fn push(&self, req: &PushRequest) -> Result<tend_sync::protocol::PushResponse, ClientError> {
        // An old push arriving late (reordered behind newer ones).
        if !self.offline && self.roll(10) {
            let old = {
                let pushes = self.pushes.borrow();
                let n = pushes.len();
                (n > 0).then(|| pushes[self.rng.borrow_mut().usize(0..n)].clone())
            };
            if let Some((owner, old)) = old {
                let _ = owner.push(&old);
            }
        }
        self.pushes
            .borrow_mut()
            .push((self.inner.clone(), req.clone()));
        self.around(|| self.inner.push(req))
    }

    fn pull(
        &self,
        req: &tend_sync::protocol::PullRequest,
    ) -> Result<tend_sync::protocol::PullResponse, ClientError> {
        if !self.offline && req.after > 0 && self.roll(4) {
            self.server
                .borrow_mut()
                .restart()
                .expect("the server restarts");
            *self.restarts.borrow_mut() += 1;
            return Err(unreachable("server restarting"));
        }
        self.around(|| self.inner.pull(req))
    }
}

fn run(case: &Case, server: &RefCell<LocalServer>, stats: &mut Stats) -> Result<(), TestCaseError> {
    let url = server.borrow().url();
    let skews: Vec<i64> = case.skews.iter().take(case.desktops).copied().collect();
    let mut c: Clinic = clinic(&url, case.desktops, &skews);
    let pushes = RefCell::new(Vec::new());
    let restarts = RefCell::new(0u32);
    let mut offline = vec![0u8; case.desktops];
    let mut names = 0u32;
    // Everyone starts from two patients and a room they all know, so concurrent edits of the
    // same fields are common.
    create_patient(&mut c.desktops[0], "Inés");
    create_patient(&mut c.desktops[0], "Jorge");
    create_room(&c.desktops[0], "Room 0");
    heal(&c.desktops, case.page);

    for op in &case.ops {
        match op {
            Op::CreatePatient(d) => {
                let d = d % case.desktops;
                names += 1;
                create_patient(&mut c.desktops[d], &format!("Ana {names}"));
            }
            Op::EditPatient(d, p, f, v) => {
                let d = &c.desktops[d % case.desktops];
                if let Some(p) = pick(&ids(d, Entity::Patient), p) {
                    let (field, value) = match f {
                        0 => (
                            "birth_date",
                            Value::from(format!("19{:02}-01-0{}", v % 90 + 10, v % 9 + 1)),
                        ),
                        1 => (
                            "sex",
                            Value::from(["female", "male", "other", "unknown"][usize::from(v % 4)]),
                        ),
                        2 => ("front_desk_note", Value::from(format!("note {v}"))),
                        _ => ("email", Value::from(format!("p{v}@example.org"))),
                    };
                    edit(d, Entity::Patient, p, field, value);
                }
            }
            Op::MergePatient(d, a, b) => {
                let d = &c.desktops[d % case.desktops];
                let patients = ids(d, Entity::Patient);
                if let (Some(a), Some(b)) = (pick(&patients, a), pick(&patients, b))
                    && a != b
                {
                    edit(
                        d,
                        Entity::Patient,
                        a,
                        "merged_into",
                        Value::from(b.to_string()),
                    );
                }
            }
            Op::AddAllergy(d, p) => {
                let d = &c.desktops[d % case.desktops];
                if let Some(p) = pick(&ids(d, Entity::Patient), p) {
                    let f = fields(&[
                        ("patient_id", p.to_string().into()),
                        ("category", "allergy".into()),
                        ("kind", "recorded".into()),
                        ("subject_id", Uuid::now_v7().to_string().into()),
                        ("encounter_id", Value::Null),
                        ("occurred_at", "2026-11-24T08:00:00.000Z".into()),
                        ("recorded_by", Uuid::nil().to_string().into()),
                        ("data", "{}".into()),
                    ]);
                    d.write(|tx| {
                        tx.create(Entity::ClinicalEvent, Uuid::now_v7(), f)
                            .map(drop)
                    });
                }
            }
            Op::CreateRoom(d) => {
                names += 1;
                create_room(&c.desktops[d % case.desktops], &format!("Room {names}"));
            }
            Op::RenameRoom(d, r, v) => {
                let d = &c.desktops[d % case.desktops];
                if let Some(r) = pick(&ids(d, Entity::Room), r) {
                    edit(d, Entity::Room, r, "name", Value::from(format!("Room {v}")));
                }
            }
            Op::ArchiveRoom(d, r, archived) => {
                let d = &c.desktops[d % case.desktops];
                if let Some(r) = pick(&ids(d, Entity::Room), r) {
                    edit(d, Entity::Room, r, "archived", Value::from(*archived));
                }
            }
            Op::Resolve(d, i, h) => {
                let d = &c.desktops[d % case.desktops];
                let conflicts = d.store().conflicts().unwrap();
                if !conflicts.is_empty() {
                    let conflict = &conflicts[i.index(conflicts.len())];
                    let head = &conflict.heads[h.index(conflict.heads.len())];
                    d.write(|tx| {
                        tx.settle(
                            conflict.entity,
                            conflict.record_id,
                            &conflict.field,
                            head.value.clone(),
                        )
                        .map(drop)
                    });
                    stats.resolved += 1;
                }
            }
            Op::Sync(d, seed) => {
                let i = d % case.desktops;
                let t = Faulty {
                    inner: c.desktops[i].client(),
                    rng: RefCell::new(fastrand::Rng::with_seed(*seed)),
                    offline: offline[i] > 0,
                    server,
                    pushes: &pushes,
                    restarts: &restarts,
                };
                offline[i] = offline[i].saturating_sub(1);
                match c.desktops[i].round_via(&t, case.page) {
                    Ok(_) => {
                        stats.rounds_ok += 1;
                        let seen = c.desktops[i].store().conflicts().unwrap();
                        stats.conflicts_seen += seen.len() as u32;
                        stats.safety_conflicts_seen +=
                            seen.iter().filter(|c| c.safety).count() as u32;
                    }
                    Err(e) if e.is_transient() => stats.rounds_failed += 1,
                    Err(e) => {
                        return Err(TestCaseError::fail(format!("a round failed for good: {e}")));
                    }
                }
            }
            Op::Offline(d, k) => offline[d % case.desktops] = *k,
            Op::RestartDesktop(d) => c.desktops[d % case.desktops].restart(),
            Op::Clock(d, minutes) => c.desktops[d % case.desktops]
                .clock
                .advance(chrono::Duration::minutes(*minutes)),
        }
        for d in &c.desktops {
            d.clock.advance(chrono::Duration::seconds(1));
        }
    }
    stats.restarts += *restarts.borrow();

    heal(&c.desktops, case.page);

    // Every desktop holds the same records, conflicts and changes.
    let dumps: Vec<String> = c.desktops.iter().map(Desktop::dump).collect();
    for (i, d) in dumps.iter().enumerate().skip(1) {
        prop_assert!(
            d == &dumps[0],
            "desktop {i} differs from desktop 0 after healing"
        );
    }
    // No change any desktop committed is missing anywhere.
    let all: Vec<Change> = c.desktops.iter().flat_map(Desktop::own_changes).collect();
    let held: BTreeSet<String> = dumps[0]
        .lines()
        .find_map(|l| l.strip_prefix("changes "))
        .unwrap_or_default()
        .split(' ')
        .map(str::to_owned)
        .collect();
    for id in change_ids(&all) {
        prop_assert!(held.contains(&id.to_string()), "change {id} was lost");
    }
    // The conflicts are exactly the merge's, one per field, on every desktop.
    let expected = expected_conflicts(&all);
    for (i, d) in c.desktops.iter().enumerate() {
        let mut found: Vec<Uuid> = d
            .store()
            .conflicts()
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        found.sort();
        prop_assert_eq!(&found, &expected, "desktop {}'s conflicts", i);
        let report = d.store().check_consistency().unwrap();
        prop_assert!(report.is_consistent(), "desktop {i}: {:?}", report.problems);
    }
    let conflicts = c.desktops[0].store().conflicts().unwrap();
    stats.conflicts += conflicts.len() as u32;
    stats.safety_conflicts += conflicts.iter().filter(|c| c.safety).count() as u32;

    // Replaying any push changes nothing, and the server still acknowledges the same.
    for (owner, old) in pushes.borrow().iter() {
        let before = owner.hello().unwrap().acked_through;
        let resp = owner.push(old).unwrap();
        prop_assert_eq!(resp.acked_through, before);
    }
    // Replaying pulled pages: a fresh round from cursor 0 on a copy would be a new desktop; here,
    // each desktop re-applies everything it holds as one page without moving its cursor.
    for d in &c.desktops {
        let (cursor, _) = d.store().sync_position().unwrap();
        let applied = d
            .store()
            .apply_page(d.ctx(), cursor, cursor, &all, &[])
            .unwrap();
        prop_assert_eq!(applied.new, 0);
    }
    heal(&c.desktops, case.page);
    for (i, d) in c.desktops.iter().enumerate() {
        prop_assert!(d.dump() == dumps[0], "desktop {i} changed after replays");
    }
    Ok(())
}

#[derive(Debug, Default)]
struct Stats {
    conflicts_seen: u32,
    safety_conflicts_seen: u32,
    rounds_ok: u32,
    rounds_failed: u32,
    restarts: u32,
    conflicts: u32,
    safety_conflicts: u32,
    resolved: u32,
}

#[test]
fn desktops_converge_whatever_the_network_does() {
    let cases: u32 = std::env::var("TEND_SYNC_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(128);
    let server =
        RefCell::new(LocalServer::start(&database_url(), ServerOptions::default()).unwrap());
    let stats = RefCell::new(Stats::default());
    let mut runner = TestRunner::new(Config {
        cases,
        max_shrink_iters: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&case(), |case| run(&case, &server, &mut stats.borrow_mut()));
    if let Err(e) = result {
        panic!("{e}");
    }
    let stats = stats.into_inner();
    eprintln!("convergence: {cases} cases, {stats:?}");
    // The generator must actually reach the situations the properties are about.
    assert!(
        stats.safety_conflicts_seen > 0 && stats.conflicts_seen > stats.safety_conflicts_seen,
        "the cases produced too few conflicts: {stats:?}"
    );
    assert!(stats.rounds_failed > 0 && stats.restarts > 0, "{stats:?}");
}
