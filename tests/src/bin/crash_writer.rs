//! A process that commits writes in a loop until it is killed, for the crash-safety test.
//!
//! Usage: `crash-writer DATA_DIR SEED` with the database key in hex on stdin. Before each
//! transaction it prints `begin ID…`; after the commit returns, `ack ID… CHANGE`, where CHANGE
//! is the id of an edit made in the same transaction (or `-`). Every line is flushed at once.
#![allow(clippy::print_stdout)]

use std::io::{BufRead, Write};
use std::process::ExitCode;

use chrono::Utc;
use tend_domain::{Entity, UserId, Value};
use tend_store::{AuditEntry, DataPaths, DbKey, Outcome, Store, StoreError, WriteCtx};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "crash-writer: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("missing DATA_DIR")?;
    let seed: u64 = args.next().ok_or("missing SEED")?.parse()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let key = DbKey::from_hex(&line).ok_or("stdin must hold the key in hex")?;
    let store = Store::open(&DataPaths::new(dir), &key)?;
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out = std::io::stdout().lock();
    let mut made: Vec<UserId> = Vec::new();
    let mut n = seed.wrapping_mul(1_000_000);
    loop {
        let batch: Vec<_> = (0..rng.u64(1..=5))
            .map(|_| {
                n += 1;
                tend_tests::user(n)
            })
            .collect::<Result<_, _>>()?;
        let ids: Vec<String> = batch.iter().map(|r| r.user.id.to_string()).collect();
        writeln!(out, "begin {}", ids.join(" "))?;
        out.flush()?;
        let edit = (!made.is_empty() && rng.bool()).then(|| made[rng.usize(..made.len())]);
        let ctx = WriteCtx {
            user: None,
            now: Utc::now(),
        };
        let change = store.write(ctx, |tx| {
            for rec in &batch {
                tx.create(Entity::User, rec.user.id, rec.fields())?;
                tx.audit(
                    AuditEntry::new("user.create", Outcome::Ok).record(Entity::User, rec.user.id),
                )?;
            }
            let mut change = None;
            if let Some(id) = edit {
                let current = tx
                    .read()
                    .user(id)?
                    .ok_or(StoreError::NotFound { entity: "user" })?;
                let fields = [("disabled".to_owned(), Value::Bool(!current.user.disabled))].into();
                change = tx.update(Entity::User, id, fields)?;
                tx.audit(AuditEntry::new("user.disable", Outcome::Ok).record(Entity::User, id))?;
            }
            Ok::<_, StoreError>(change)
        })?;
        let change = change.map_or("-".to_owned(), |c| c.to_string());
        writeln!(out, "ack {} {change}", ids.join(" "))?;
        out.flush()?;
        made.extend(batch.iter().map(|r| r.user.id));
    }
}
