//! Billing measured: printing an invoice, the day's close-out and the unpaid list.

use std::time::Instant;

use chrono::{Datelike, NaiveDate};

use crate::{Result, Tend, auth};

use super::clinics::{ADMIN_PASSWORD, as_of};
use super::{BenchOptions, Measurement, latency};

/// A year of synthetic billing (built once per clinic folder), then: a 10-line invoice printed,
/// the close-out of a full day, and the clinic's unpaid list.
pub(super) fn billing_measurements(
    tend: &Tend,
    mrn: &str,
    opts: &BenchOptions,
    progress: &dyn Fn(&str),
) -> Result<Vec<Measurement>> {
    use crate::billing::{invoices, printing, reports, synthetic};
    let admin = auth::sign_in(tend, "admin", ADMIN_PASSWORD)?;
    let ready = tend.store().paths().dir().join("billing-ready");
    if !ready.exists() {
        progress(&format!(
            "billing {} invoices a working day for {} days",
            opts.invoices_per_day, opts.billing_days
        ));
        let started = Instant::now();
        let made = synthetic::populate(
            tend,
            &admin,
            synthetic::BillingFill {
                until: as_of(),
                days: opts.billing_days,
                per_day: opts.invoices_per_day,
                patients: opts.patients,
                seed: opts.seed,
            },
            &|day, n| {
                if day.day() == 1 {
                    progress(&format!("billing: {n} invoices up to {day}"));
                }
            },
        )?;
        progress(&format!(
            "{} invoices, {} payments, {} credit notes in {:.0} s",
            made.invoices,
            made.payments,
            made.credit_notes,
            started.elapsed().as_secs_f64()
        ));
        std::fs::write(&ready, b"").map_err(|e| tend_store::StoreError::Io {
            context: "marking the benchmark billing ready".into(),
            source: e,
        })?;
    }

    progress("timing a 10-line invoice printed to PDF");
    let draft = invoices::create(tend, &admin, mrn, None)?;
    let id = draft.id.to_string();
    for code in [
        "CONS", "ECG", "SPIRO", "INJ", "VAC", "DRESS", "SUTURE", "CERT", "REPORT", "BAND",
    ] {
        let line = invoices::LineForm {
            code: Some(code),
            discount: (code == "SUTURE").then_some("10%"),
            ..invoices::LineForm::default()
        };
        invoices::add_line(tend, &admin, &id, &line)?;
    }
    invoices::set_discount(tend, &admin, &id, "5%")?;
    let number = invoices::issue(tend, &admin, &id)?
        .number
        .unwrap_or_default();
    let first = printing::print_invoice(tend, &admin, &number)?;
    let mut times = Vec::with_capacity(opts.billing_rounds);
    for _ in 0..opts.billing_rounds {
        let start = Instant::now();
        printing::print_invoice(tend, &admin, &number)?;
        times.push(start.elapsed());
    }
    let mut out = vec![latency(
        "invoice_pdf",
        format!(
            "billing::printing::print_invoice of an issued 10-line invoice (two VAT rates, a line \
             discount and an invoice discount): read it, its payments and the patient, work out \
             its totals, lay out {} page(s) with the letterhead, embed the fonts ({} KB PDF), and \
             commit its audit entry",
            first.pages,
            first.pdf.len() / 1024
        ),
        None,
        &mut times,
        Some(20.0),
    )];

    progress("timing the daily close-out");
    let days: Vec<NaiveDate> = (1..=opts.billing_days.clamp(7, 60))
        .map(|i| as_of() - chrono::Duration::days(i64::from(i)))
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .collect();
    let sample = reports::closeout(tend, &admin, &days[0].to_string(), None)?;
    let mut times = Vec::with_capacity(opts.billing_rounds);
    for i in 0..opts.billing_rounds {
        let start = Instant::now();
        reports::closeout(tend, &admin, &days[i % days.len()].to_string(), None)?;
        times.push(start.elapsed());
    }
    out.push(latency(
        "closeout_day",
        format!(
            "billing::reports::closeout of a whole working day for all users ({} payments and \
             {} invoices on {}), rotating over the last {} working days of a clinic billed {} \
             invoices a working day for {} days",
            sample.transactions.len(),
            sample.invoices_issued,
            days[0],
            days.len(),
            opts.invoices_per_day,
            opts.billing_days
        ),
        Some(opts.patients),
        &mut times,
        None,
    ));

    progress("timing the unpaid-invoices list");
    let owed = reports::unpaid(tend, &admin, None)?.len();
    let mut times = Vec::with_capacity(opts.billing_rounds / 10 + 1);
    for _ in 0..opts.billing_rounds / 10 + 1 {
        let start = Instant::now();
        reports::unpaid(tend, &admin, None)?;
        times.push(start.elapsed());
    }
    out.push(latency(
        "unpaid_list",
        format!(
            "billing::reports::unpaid for the whole clinic: every issued invoice's balance from \
             its payments and credit notes ({owed} invoices still owed)"
        ),
        Some(opts.patients),
        &mut times,
        None,
    ));
    Ok(out)
}
