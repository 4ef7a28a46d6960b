//! Crash safety: a child process commits writes in a loop and reports each acknowledged one; it
//! is killed with SIGKILL at random moments. After every kill the database opens, SQLite's and
//! SQLCipher's integrity checks pass, every acknowledged write is there, every transaction is
//! all-or-nothing, and rows, change log and audit agree.
//!
//! `TEND_CRASH_ROUNDS` sets the number of rounds (default 100); `TEND_CRASH_SEED` replays a run.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use tend_store::{DataPaths, DbKey, Store};

fn rounds() -> usize {
    std::env::var("TEND_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100)
}

fn seed() -> u64 {
    std::env::var("TEND_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..))
}

#[derive(Debug, Default)]
struct Seen {
    begun: Vec<Vec<String>>,
    acked: Vec<(Vec<String>, Option<String>)>,
}

/// Runs the writer until a random moment, kills it, and returns what it reported.
fn one_round(dir: &std::path::Path, key: &DbKey, seed: u64, wait: Duration) -> Seen {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crash-writer"))
        .arg(dir)
        .arg(seed.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n", key.to_hex().as_str()).as_bytes())
        .unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stdout = child.stdout.take().unwrap();
    let reader = {
        let seen = seen.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let mut words = line.split(' ');
                let mut seen = seen.lock().unwrap();
                match words.next() {
                    Some("begin") => seen.begun.push(words.map(str::to_owned).collect()),
                    Some("ack") => {
                        let mut rest: Vec<String> = words.map(str::to_owned).collect();
                        let change = rest.pop().filter(|c| c != "-");
                        seen.acked.push((rest, change));
                    }
                    _ => {}
                }
            }
        })
    };
    std::thread::sleep(wait);
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        err.is_empty() || status.code().is_none(),
        "the writer failed by itself: {err}"
    );
    Arc::try_unwrap(seen).unwrap().into_inner().unwrap()
}

fn raw(paths: &DataPaths, key: &DbKey) -> Connection {
    let conn = Connection::open(paths.db()).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\"; {}",
        key.to_hex().as_str(),
        tend_store::SQLCIPHER_SETTINGS
    ))
    .unwrap();
    conn
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_write() {
    let (rounds, seed) = (rounds(), seed());
    println!("crash test: {rounds} rounds, TEND_CRASH_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = tempfile::tempdir().unwrap();
    let paths = DataPaths::new(dir.path());
    let key = DbKey::generate().unwrap();
    drop(tend_tests::create_clinic(dir.path(), &key).unwrap());

    let mut acked_total = 0;
    let mut killed_mid_transaction = 0;
    for round in 0..rounds {
        // Mostly mid-stream, sometimes right at start-up.
        let wait = Duration::from_millis(if rng.u8(..10) == 0 {
            rng.u64(0..15)
        } else {
            rng.u64(15..120)
        });
        let seen = one_round(dir.path(), &key, rng.u64(1..u64::MAX / 2_000_000), wait);
        let context = format!("round {round} (TEND_CRASH_SEED={seed}, waited {wait:?})");

        let store = Store::open(&paths, &key).unwrap_or_else(|e| panic!("{context}: open: {e}"));
        store
            .integrity_check()
            .unwrap_or_else(|e| panic!("{context}: {e}"));
        let report = store.check_consistency().unwrap();
        assert!(report.is_consistent(), "{context}: {:?}", report.problems);
        drop(store);

        let conn = raw(&paths, &key);
        let users: HashSet<String> = {
            let mut stmt = conn.prepare("SELECT id FROM user").unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let changes: HashSet<String> = {
            let mut stmt = conn.prepare("SELECT change_id FROM change_log").unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        for (ids, change) in &seen.acked {
            for id in ids {
                assert!(
                    users.contains(id),
                    "{context}: acknowledged user {id} is missing"
                );
            }
            if let Some(change) = change {
                assert!(
                    changes.contains(change),
                    "{context}: acknowledged edit {change} is missing"
                );
            }
        }
        // A transaction that began but was not acknowledged is all there or not at all.
        if let Some(last) = seen
            .begun
            .last()
            .filter(|_| seen.begun.len() > seen.acked.len())
        {
            let present = last.iter().filter(|id| users.contains(*id)).count();
            assert!(
                present == 0 || present == last.len(),
                "{context}: {present} of {} users of one transaction",
                last.len()
            );
            killed_mid_transaction += 1;
        }
        acked_total += seen.acked.len();
    }
    println!(
        "crash test: {acked_total} acknowledged transactions, {killed_mid_transaction} kills with one in flight"
    );
    assert!(
        acked_total > rounds,
        "the writer barely wrote; the test proved little"
    );
}
