//! How drugs and prescriptions print: the items written out as on the paper, warnings with their
//! severity and the key a reason is given under; JSON with `--json`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tend_core::api::{ClinicDto, DrugClassDto, DrugDto, PrintedDto, RxDto, WarningDto};
use tend_domain::prescriptions::RxStatus;

use crate::output::Output;

fn at(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

pub fn drugs(out: &Output, list: &[DrugDto]) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("No drugs found. A drug the catalog lacks can be added with `tend drug add`.");
        return;
    }
    for d in list {
        let brands = if d.brands.is_empty() {
            String::new()
        } else {
            format!("  ({})", d.brands.join(", "))
        };
        println!(
            "{:36}  {:28}  {}{brands}",
            d.generic,
            d.class_label,
            d.strengths.join(", ")
        );
    }
}

pub fn drug(out: &Output, d: &DrugDto, verb: &str) {
    if out.is_json() {
        return out.json(d);
    }
    if !verb.is_empty() {
        println!("{verb} {}.", d.generic);
    }
    println!(
        "{}  ({}{})",
        d.generic,
        d.class_label,
        if d.clinic_added {
            ", added by the clinic"
        } else {
            ""
        }
    );
    println!("  forms       {}", d.forms.join(", "));
    println!("  strengths   {}", d.strengths.join(", "));
    println!("  routes      {}", d.routes.join(", "));
    if !d.usual_adult_dose.is_empty() {
        println!("  usual adult dose  {}", d.usual_adult_dose);
    }
    if let Some(max) = &d.max_daily {
        println!("  adult maximum     {max} a day");
    }
    if !d.brands.is_empty() {
        println!("  brands      {}", d.brands.join(", "));
    }
    println!("  code        {}", d.code);
}

pub fn classes(out: &Output, list: &[DrugClassDto]) {
    if out.is_json() {
        return out.json(&list);
    }
    for c in list {
        println!(
            "{:32}  {}{}",
            c.id,
            c.label,
            if c.duplicate_warning {
                ""
            } else {
                "  (two at once are not flagged)"
            }
        );
    }
}

pub fn warnings(out: &Output, list: &[WarningDto]) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("No warnings: this prescription can be signed.");
        return;
    }
    print_warnings(list, &mut std::io::stdout());
    if list.iter().any(|w| w.severity.needs_override()) {
        println!();
        println!("To sign over a warning, give a reason: tend rx sign ID --reason KEY=\"why\"");
    }
}

/// The warnings as lines, each with the key a reason is given under.
pub fn print_warnings(list: &[WarningDto], to: &mut dyn std::io::Write) {
    for w in list {
        let needs = if w.severity.needs_override() {
            "needs a reason"
        } else {
            "for information"
        };
        let _ = writeln!(
            to,
            "[{}] {}\n    key {} ({needs})",
            w.severity.as_str().to_uppercase(),
            w.message,
            w.key
        );
    }
}

pub fn rx(out: &Output, r: &RxDto, tz: Tz, verb: &str) {
    if out.is_json() {
        return out.json(r);
    }
    let what = match (&r.number, r.status) {
        (Some(n), RxStatus::Cancelled) => format!("{n} (CANCELLED)"),
        (Some(n), _) => n.clone(),
        (None, _) => format!("draft {}", r.id),
    };
    if verb.is_empty() {
        println!("Prescription {what}");
    } else {
        println!("{verb} {what}");
    }
    println!("  patient     {} ({})", r.patient_name, r.patient_mrn);
    let licence = r
        .prescriber_licence
        .as_deref()
        .map(|l| format!(", licence {l}"))
        .unwrap_or_default();
    println!("  prescriber  {}{licence}", r.prescriber);
    match r.signed_at {
        Some(t) => println!("  signed      {}", at(t, tz)),
        None => println!("  written     {} (not signed)", at(r.created_at, tz)),
    }
    if let (Some(t), Some(reason)) = (r.cancelled_at, &r.cancel_reason) {
        println!("  cancelled   {}: {reason}", at(t, tz));
    }
    if let Some(from) = r.renewed_from {
        println!("  renews      {from}");
    }
    for (i, item) in r.items.iter().enumerate() {
        println!("  {}. {}", i + 1, item.title);
        println!("     {}", item.directions);
        println!("     Quantity: {} · {}", item.quantity, item.refills);
        if let Some(note) = &item.instructions {
            println!("     Note for the patient: {note}");
        }
    }
    for o in &r.overrides {
        println!(
            "  signed over [{}] {}\n     reason: {}",
            o.severity.as_str(),
            o.message,
            o.reason
        );
    }
    if r.number.is_none() {
        println!("  id          {}", r.id);
    }
}

pub fn rx_list(out: &Output, list: &[RxDto], tz: Tz) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("No prescriptions.");
        return;
    }
    for r in list {
        let number = r.number.clone().unwrap_or_else(|| r.id.to_string());
        let status = match r.status {
            RxStatus::Draft => "draft",
            RxStatus::Signed => "signed",
            RxStatus::Cancelled => "cancelled",
        };
        let drugs: Vec<&str> = r.items.iter().map(|i| i.title.as_str()).collect();
        println!(
            "{number:36}  {status:9}  {}  {:20}  {}",
            at(r.signed_at.unwrap_or(r.created_at), tz),
            r.prescriber,
            drugs.join("; ")
        );
    }
}

pub fn printed(out: &Output, p: &PrintedDto, file: &Path) {
    if file == Path::new("-") {
        return;
    }
    if out.is_json() {
        return out.json(&serde_json::json!({
            "number": p.number, "pages": p.pages, "file": file,
        }));
    }
    println!(
        "Printed {} ({} page{}) to {}.",
        p.number,
        p.pages,
        if p.pages == 1 { "" } else { "s" },
        file.display()
    );
}

pub fn clinic(out: &Output, c: &ClinicDto) {
    if out.is_json() {
        return out.json(c);
    }
    println!("{}", c.name);
    println!(
        "  time zone {}, currency {}, units {}",
        c.timezone, c.currency, c.units
    );
    println!("  letterhead:");
    for line in c.address.lines() {
        println!("    {line}");
    }
    if !c.phone.is_empty() {
        println!("    Tel. {}", c.phone);
    }
    if !c.registration.is_empty() {
        println!("    {}", c.registration);
    }
    println!(
        "  paper {}, {}",
        c.paper,
        if c.has_logo { "with a logo" } else { "no logo" }
    );
    println!("  billing: amounts and dates as {}", c.locale);
    if !c.tax_id.is_empty() {
        println!("    tax number {}", c.tax_id);
    }
    for line in c.invoice_footer.lines() {
        println!("    {line}");
    }
    println!(
        "  desktops lock after {} minutes without use",
        c.idle_lock_minutes
    );
    println!(
        "  a break-glass opening of a chart lasts {} minutes",
        c.break_glass_minutes
    );
}
