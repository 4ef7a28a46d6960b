//! Prescribing measured: the checks on a draft, and printing a signed prescription.

use std::time::Instant;

use crate::{Result, Session, Tend};

use super::{BenchOptions, Measurement, latency};

/// A signed 5-item prescription printed over and over: the first print in the process (which
/// parses the embedded fonts) and then each one the way the desk sees it.
pub(super) fn rx_measurements(
    tend: &Tend,
    doctor: &Session,
    mrn: &str,
    opts: &BenchOptions,
) -> Result<Vec<Measurement>> {
    use tend_domain::prescriptions::prescription::ItemForm;
    let item =
        |drug: &str, strength: &str, form: &str, dose: &str, freq: &str, days: &str| ItemForm {
            drug: drug.into(),
            strength: strength.into(),
            form: form.into(),
            dose: dose.into(),
            route: "oral".into(),
            frequency: freq.into(),
            duration: days.into(),
            instructions: "Take with a full glass of water; if a dose is missed, take it when \
                           remembered unless the next one is nearly due."
                .into(),
            ..ItemForm::default()
        };
    let items = [
        item(
            "amoxicillin",
            "500 mg",
            "capsule",
            "1 capsule",
            "TID",
            "7 days",
        ),
        item(
            "paracetamol",
            "500 mg",
            "tablet",
            "2 tablets",
            "q6h PRN",
            "5 days",
        ),
        item(
            "omeprazole",
            "20 mg",
            "capsule",
            "1 capsule",
            "OD",
            "28 days",
        ),
        item(
            "atorvastatin",
            "20 mg",
            "tablet",
            "1 tablet",
            "QHS",
            "30 days",
        ),
        item("cetirizine", "10 mg", "tablet", "1 tablet", "OD", "14 days"),
    ];
    // The safety checks a doctor waits for before signing: allergies, every pair of the five
    // items and of each with the patient's medications against the interaction table, doses.
    let checked = crate::prescriptions::create_draft(tend, doctor, mrn, &items)?;
    let mut check_times = Vec::with_capacity(opts.chart_rounds);
    let mut warnings = 0;
    for _ in 0..opts.chart_rounds {
        let start = Instant::now();
        warnings = crate::prescriptions::check_draft(tend, doctor, &checked.id.to_string())?.len();
        check_times.push(start.elapsed());
    }
    let draft = crate::prescriptions::create_draft(tend, doctor, mrn, &items)?;
    let reasons = [("all".to_owned(), "benchmark prescription".to_owned())];
    let signed = crate::prescriptions::sign(tend, doctor, &draft.id.to_string(), &reasons)?;
    let number = signed.number.unwrap_or_default();

    let start = Instant::now();
    let first = crate::prescriptions::print(tend, doctor, &number)?;
    let mut first_time = [start.elapsed()];
    let mut times = Vec::with_capacity(opts.chart_rounds);
    for _ in 0..opts.chart_rounds {
        let start = Instant::now();
        crate::prescriptions::print(tend, doctor, &number)?;
        times.push(start.elapsed());
    }
    Ok(vec![
        latency(
            "rx_check",
            format!(
                "prescriptions::check_draft of a 5-item draft ({} rules in the interaction \
                 table; {warnings} warnings): read the draft, the clinic's catalog, the \
                 patient's allergies, medications and weight, and run every check",
                tend_domain::prescriptions::shipped().interactions.len()
            ),
            None,
            &mut check_times,
            None,
        ),
        latency(
            "rx_pdf",
            format!(
                "prescriptions::print of a signed 5-item prescription: read it and the patient's \
                 allergies, lay out {} page(s) on A4 with the letterhead, subset and embed the \
                 DejaVu fonts ({} KB PDF), and commit its audit entry",
                first.pages,
                first.pdf.len() / 1024
            ),
            None,
            &mut times,
            Some(20.0),
        ),
        latency(
            "rx_pdf_first",
            "the same, as the first print in the process: also parses the two embedded fonts"
                .into(),
            None,
            &mut first_time,
            None,
        ),
    ])
}
