//! Billing's number series: gap-free per device and year, even when transactions roll back.

use chrono::Datelike;
use iso_currency::Currency;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tend_domain::billing::{Discount, Invoice, InvoiceStage};
use tend_domain::{Entity, UserId};
use tend_store::billing::invoice_fields;
use tend_store::{AuditEntry, Outcome, Store, StoreError, WriteCtx};
use uuid::Uuid;

use crate::support::{clinic, t0};

/// Issues one invoice in `year` (allocating its number and a receipt number), then commits or
/// rolls back. Returns the number when it committed.
fn issue(store: &Store, year: i32, commit: bool) -> Option<String> {
    let user = UserId::new();
    let now = t0()
        .with_year(year)
        .expect("a valid year for the test clock");
    let ctx = WriteCtx {
        user: Some(user),
        now,
    };
    let result: Result<String, StoreError> = store.write(ctx, |tx| {
        let number = tx.allocate_invoice_number(year)?;
        let receipt = tx.allocate_receipt_number(year)?;
        assert!(receipt.contains(&format!("-R-{year}-")), "{receipt}");
        let id = Uuid::now_v7();
        let invoice = Invoice {
            id,
            number: Some(number.clone()),
            patient_id: tend_domain::patients::PatientId::new(),
            encounter_id: None,
            device_id: tx.identity().device_id,
            stage: InvoiceStage::Issued,
            currency: Currency::EUR,
            lines: Vec::new(),
            discount: Discount::None,
            note: None,
            total_minor: Some(0),
            issued_at: Some(now),
            issued_by: Some(user),
            voided_at: None,
            voided_by: None,
            void_reason: None,
            created_by: user,
            created_at: now,
        };
        tx.create(Entity::Invoice, id, invoice_fields(&invoice))?;
        tx.audit(AuditEntry::new("invoice.issue", Outcome::Ok).record(Entity::Invoice, id))?;
        if commit {
            Ok(number)
        } else {
            Err(StoreError::NotFound { entity: "anything" })
        }
    });
    match (commit, result) {
        (true, Ok(n)) => Some(n),
        (false, Err(_)) => None,
        (c, r) => panic!("commit={c} gave {r:?}"),
    }
}

fn numbers_in(store: &Store, year: i32) -> Vec<u32> {
    let code = store.identity().device_code;
    let mut n: Vec<u32> = store
        .read(|r| {
            let mut all = Vec::new();
            for k in 1..=200u32 {
                let number = format!("{code}-{year}-{k:06}");
                if r.invoice_by_number(&number)?.is_some() {
                    all.push(k);
                }
            }
            Ok::<_, StoreError>(all)
        })
        .unwrap();
    n.sort_unstable();
    n
}

#[test]
fn invoice_numbers_are_gap_free_per_year_whatever_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    let mut runner = TestRunner::new(Config {
        cases: 12,
        ..Config::default()
    });
    let ops = prop::collection::vec(
        (prop::sample::select(vec![2026, 2027]), any::<bool>()),
        1..12,
    );
    runner
        .run(&ops, |ops| {
            for (year, commit) in ops {
                let before = numbers_in(&c.store, year);
                let got = issue(&c.store, year, commit);
                let after = numbers_in(&c.store, year);
                if commit {
                    let expected = before.len() as u32 + 1;
                    let code = c.store.identity().device_code;
                    prop_assert_eq!(got, Some(format!("{code}-{year}-{expected:06}")));
                }
                // Whatever happened, each year's numbers run 1, 2, 3… with no hole.
                prop_assert_eq!(&after, &(1..=after.len() as u32).collect::<Vec<_>>());
            }
            Ok(())
        })
        .unwrap();
}
