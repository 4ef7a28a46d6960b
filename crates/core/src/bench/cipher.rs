//! What encryption costs: SQLCipher against plain SQLite on the same workloads.

use std::path::Path;
use std::time::Duration;

use tend_store::DbKey;
use tend_store::bench::{clinic_day_time, workload_time};

use crate::Result;

use super::{BenchOptions, Measurement, ms, percentile};

pub(super) fn cipher_ratios(
    dir: &Path,
    opts: &BenchOptions,
    key: &DbKey,
) -> Result<Vec<Measurement>> {
    let work = dir.join("workload");
    std::fs::create_dir_all(&work).map_err(|e| tend_store::StoreError::Io {
        context: "creating the benchmark folder".into(),
        source: e,
    })?;
    let (mut cipher, mut plain) = (Vec::new(), Vec::new());
    let (mut c_ins, mut p_ins, mut c_q, mut p_q) = (vec![], vec![], vec![], vec![]);
    let (mut c_day, mut p_day) = (Vec::new(), Vec::new());
    for _ in 0..opts.workload_rounds {
        // Alternate, so drift in the machine's speed falls on both alike.
        let c = workload_time(&work, Some(key), opts.workload)?;
        let p = workload_time(&work, None, opts.workload)?;
        cipher.push(c.total());
        plain.push(p.total());
        c_ins.push(c.inserts);
        p_ins.push(p.inserts);
        c_q.push(c.queries);
        p_q.push(p.queries);
        c_day.push(clinic_day_time(&work, Some(key), opts.clinic_day)?);
        p_day.push(clinic_day_time(&work, None, opts.clinic_day)?);
    }
    let ratio = |name: &'static str,
                 what: String,
                 c: &mut Vec<Duration>,
                 p: &mut Vec<Duration>,
                 budgeted: bool| {
        let (c50, p50) = (percentile(c, 50.0), percentile(p, 50.0));
        let r = ms(c50) / ms(p50).max(f64::MIN_POSITIVE);
        Measurement {
            name,
            what,
            n: c.len(),
            patients: None,
            p50_ms: ms(c50),
            p95_ms: ms(percentile(c, 95.0)),
            budget: budgeted.then_some(1.15),
            budget_of: budgeted.then_some("ratio"),
            within_budget: budgeted.then_some(r <= 1.15),
            ratio: Some(r),
            max_ms: None,
        }
    };
    let (w, d) = (opts.workload, opts.clinic_day);
    Ok(vec![
        ratio(
            "cipher_vs_plain",
            format!(
                "bulk: {} inserts in transactions of {}, {} indexed lookups, {} 50-row range \
                 scans; median SQLCipher time (p50_ms) and its ratio to the same library with no key",
                w.rows, w.batch, w.lookups, w.scans
            ),
            &mut cipher,
            &mut plain,
            true,
        ),
        ratio(
            "cipher_vs_plain_clinic_day",
            format!(
                "a clinic's pattern: {} writes of one row each (own transaction) into {} rows, \
                 each followed by {} indexed lookups and {} 50-row scans; median SQLCipher time \
                 and its ratio to no key",
                d.writes, d.existing, d.lookups_per_write, d.scans_per_write
            ),
            &mut c_day,
            &mut p_day,
            true,
        ),
        ratio(
            "cipher_vs_plain_inserts",
            "the insert half of the bulk workload alone".into(),
            &mut c_ins,
            &mut p_ins,
            false,
        ),
        ratio(
            "cipher_vs_plain_queries",
            "the query half of the bulk workload alone".into(),
            &mut c_q,
            &mut p_q,
            false,
        ),
    ])
}
