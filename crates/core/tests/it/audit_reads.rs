//! Reads outside the chart are audited as chart reads are: prescriptions, invoices, statements,
//! the sync conflicts, and searches (who searched and how many they were shown, never what was
//! typed).

use tend_core::billing::{invoices, reports};
use tend_core::prescriptions::{self as rx};
use tend_core::{Session, Tend, audit, patients, sync};

use crate::prescriptions::{item, practice};

fn actions(t: &Tend, admin: &Session, action: &str) -> Vec<serde_json::Value> {
    audit::search(
        t,
        admin,
        &tend_core::api::forms::AuditSearch {
            from: String::new(),
            to: String::new(),
            user: String::new(),
            action: action.into(),
            outcome: String::new(),
            before: None,
            limit: 100,
        },
    )
    .unwrap()
    .into_iter()
    .map(|row| serde_json::json!({ "user": row.user, "detail": row.detail }))
    .collect()
}

#[test]
fn reads_of_prescriptions_invoices_statements_conflicts_and_searches_are_audited() {
    let p = practice();
    let t = &p.c.tend;
    let draft = rx::create_draft(
        t,
        &p.doctor,
        &p.mrn,
        &[item("paracetamol", "500 mg", "1 tablet", "q6h PRN")],
    )
    .unwrap();
    let signed = rx::sign(t, &p.doctor, &draft.id.to_string(), &[]).unwrap();
    rx::get(t, &p.rosa, &signed.id.to_string()).unwrap();
    rx::list(t, &p.rosa, &p.mrn).unwrap();
    invoices::list(t, &p.rosa, &p.mrn).unwrap();
    reports::statement(t, &p.rosa, &p.mrn, "", "").unwrap();
    sync::conflicts(t, &p.rosa).unwrap();
    let typed = "Müller-Øster";
    let hits = patients::search(t, &p.rosa, typed, 10).unwrap();
    assert_eq!(hits.len(), 1);

    let admin = &p.c.admin;
    for (action, wanted) in [
        ("rx.read", serde_json::json!(null)),
        ("rx.list", serde_json::json!(1)),
        ("invoice.list", serde_json::json!(0)),
        ("statement.read", serde_json::json!(null)),
        ("sync.conflicts_read", serde_json::json!(0)),
        ("patient.search", serde_json::json!(1)),
    ] {
        let rows = actions(t, admin, action);
        let row = rows
            .iter()
            .find(|r| r["user"] == "rosa")
            .unwrap_or_else(|| panic!("no {action} by rosa: {rows:?}"));
        let count = match action {
            "rx.list" => &row["detail"]["prescriptions"],
            "invoice.list" => &row["detail"]["invoices"],
            "sync.conflicts_read" => &row["detail"]["conflicts"],
            "patient.search" => &row["detail"]["results"],
            _ => &serde_json::Value::Null,
        };
        assert_eq!(*count, wanted, "{action}: {row}");
    }
    // The search is recorded without what was typed.
    let log = serde_json::to_string(&actions(t, admin, "patient.search")).unwrap();
    assert!(!log.contains("Müller") && !log.contains("ller"), "{log}");
}
