//! Its own test binary, because what it checks happens once per process: SQLite marks itself
//! initialized before it runs SQLCipher's set-up, so threads opening their first connections at
//! the same moment could find `PRAGMA key` failing ("sqlcipher not initialized"; it failed a CI
//! run once). `tend_store::prepare_sqlite`, which the store calls before every connection,
//! closes that window.
//!
//! The test runs itself again as 40 fresh processes; in each, 24 threads call `prepare_sqlite`
//! and key a new database at the same instant. Without `prepare_sqlite` about one process in
//! thirteen failed, so 40 processes catch the race coming back about 19 times in 20.
// A test reports failure by panicking.
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::sync::{Arc, Barrier};

const CHILD: &str = "TEND_FIRST_OPEN_CHILD";
const PROCESSES: usize = 40;
const THREADS: usize = 24;

#[test]
fn threads_opening_the_first_connections_at_once_all_get_a_keyed_database() {
    if let Some(dir) = std::env::var_os(CHILD) {
        return open_at_once(std::path::Path::new(&dir));
    }
    let exe = std::env::current_exe().unwrap();
    for run in 0..PROCESSES {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(&exe)
            .args([
                "--exact",
                "threads_opening_the_first_connections_at_once_all_get_a_keyed_database",
                "--test-threads=1",
            ])
            .env(CHILD, dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "process {run} of {PROCESSES}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// In a process that has opened nothing yet: many threads key a new database at once.
fn open_at_once(dir: &std::path::Path) {
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let path = dir.join(format!("db{i}"));
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                tend_store::prepare_sqlite().map_err(|e| format!("thread {i}: {e}"))?;
                let conn = rusqlite::Connection::open(&path).map_err(|e| e.to_string())?;
                let key = tend_store::DbKey::generate().unwrap();
                conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()))
                    .and_then(|()| conn.execute_batch("CREATE TABLE t (x)"))
                    .map_err(|e| format!("thread {i}: {e}"))
            })
        })
        .collect();
    let failures: Vec<String> = handles
        .into_iter()
        .filter_map(|h| h.join().unwrap().err())
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}
