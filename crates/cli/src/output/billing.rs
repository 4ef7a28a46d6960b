//! How billing prints in a terminal: invoices with their lines and figures, payments with the
//! change to give, balances, statements and the close-out; JSON with `--json`.
#![allow(clippy::print_stdout)]

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use tend_core::api::{
    BalanceDto, CloseoutDto, CreditIssuedDto, FeeDto, InvoiceDto, PaymentDto, PaymentTakenDto,
    StatementDto, TaxRateDto, UnpaidDto, VisitServiceDto,
};
use tend_domain::billing::Discount;

use crate::output::Output;

fn at(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// `EUR 84.20`: the plain form, the same in every locale, for terminals and scripts.
fn m(currency: &str, amount: Decimal) -> String {
    format!("{currency} {amount:.2}")
}

pub fn taxes(out: &Output, list: &[TaxRateDto]) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("No tax rates. An admin adds them with `tend tax add`.");
    }
    for t in list {
        println!(
            "{:24}  {:>6} %  {}",
            t.name,
            t.percent,
            if t.inclusive {
                "included in prices"
            } else {
                "added to prices"
            }
        );
    }
}

pub fn fees(out: &Output, list: &[FeeDto]) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("The fee schedule is empty. An admin adds fees with `tend fee set`.");
    }
    for f in list {
        println!(
            "{:10}  {:36}  {:>14}  {}{}",
            f.code,
            f.name,
            m(&f.currency, f.price),
            f.tax.as_deref().unwrap_or("no tax"),
            if f.archived { "  (archived)" } else { "" }
        );
    }
}

pub fn services(out: &Output, list: &[VisitServiceDto]) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("No services recorded on this visit.");
    }
    for s in list {
        println!("{:10}  {:36}  × {}", s.code, s.name, s.quantity);
    }
}

fn discount(d: &Discount, currency: &str) -> String {
    match d {
        Discount::None => String::new(),
        Discount::Percent(p) => format!("-{p}%"),
        Discount::Amount(a) => format!("-{}", m(currency, *a)),
    }
}

pub fn invoice(out: &Output, i: &InvoiceDto, tz: Tz) {
    if out.is_json() {
        return out.json(i);
    }
    let c = i.currency.as_str();
    let number = i.number.as_deref().unwrap_or("Draft");
    println!(
        "{number}  {}  for {} ({})",
        i.status.replace('_', " "),
        i.patient.name,
        i.patient.mrn
    );
    if i.number.is_none() {
        println!("  id {}", i.id);
    }
    if let Some(at_) = i.issued_at {
        println!(
            "  issued {} by {}",
            at(at_, tz),
            i.issued_by.as_deref().unwrap_or("")
        );
    }
    for l in &i.lines {
        println!(
            "  {:>2}. {:8} {:34} {:>6} × {:>12} {:>10} {:>7}  {:>14}",
            l.line,
            l.code.as_deref().unwrap_or(""),
            l.description,
            l.quantity,
            m(c, l.unit_price),
            discount(&l.discount, c),
            if l.tax_percent.is_zero() {
                String::new()
            } else {
                format!("{}%", l.tax_percent)
            },
            m(c, l.totals.total),
        );
    }
    if i.lines.is_empty() {
        println!("  No lines yet: `tend invoice add {} --code CODE`.", i.id);
    }
    println!("  subtotal {}", m(c, i.subtotal));
    if !i.discounts.is_zero() {
        println!(
            "  discounts -{}{}",
            m(c, i.discounts),
            match i.discount {
                Discount::None => String::new(),
                d => format!(" (invoice {})", discount(&d, c)),
            }
        );
    }
    for t in &i.taxes {
        if !t.percent.is_zero() {
            let how = if t.inclusive { "included" } else { "added" };
            println!("  {} {how} {} on {}", t.name, m(c, t.tax), m(c, t.base));
        }
    }
    println!("  total {}", m(c, i.total));
    if i.number.is_some() {
        for p in &i.payments {
            println!(
                "  {} {} {} {} by {}",
                at(p.taken_at, tz),
                p.number,
                if p.is_refund() { "refund" } else { "paid" },
                m(c, p.amount),
                p.method.replace('_', " ")
            );
        }
        for n in &i.credit_notes {
            println!(
                "  {} {} credit note {}: {}",
                at(n.issued_at, tz),
                n.number,
                m(c, n.amount),
                n.reason
            );
        }
        println!("  balance {}", m(c, i.balance));
    }
    if !i.patient_credit.is_zero() {
        println!("  the patient has {} of credit", m(c, i.patient_credit));
    }
    if let Some(reason) = &i.void_reason {
        println!("  void: {reason}");
    }
}

pub fn invoices(out: &Output, list: &[InvoiceDto], tz: Tz) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("No invoices.");
    }
    for i in list {
        println!(
            "{:18}  {:15}  {}  total {:>14}  balance {:>14}",
            i.number.as_deref().unwrap_or("draft"),
            i.status.replace('_', " "),
            at(i.issued_at.unwrap_or(i.created_at), tz),
            m(&i.currency, i.total),
            m(&i.currency, i.balance)
        );
    }
}

pub fn unpaid(out: &Output, list: &[UnpaidDto], tz: Tz) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("Nothing is owed.");
    }
    for u in list {
        println!(
            "{:18}  {}  {:>4} days  {:30}  {:12}  due {:>14} of {:>14}",
            u.number,
            at(u.issued_at, tz),
            u.days,
            u.patient.name,
            u.patient.mrn,
            m(&u.currency, u.balance),
            m(&u.currency, u.total)
        );
    }
}

pub fn payment(out: &Output, p: &PaymentDto, tz: Tz) {
    if out.is_json() {
        return out.json(p);
    }
    let c = p.currency.as_str();
    let what = if p.is_refund() { "Refunded" } else { "Paid" };
    println!(
        "{what} {} by {} — receipt {} ({})",
        m(c, p.amount),
        p.method.replace('_', " "),
        p.number,
        at(p.taken_at, tz)
    );
    if let Some(t) = p.tendered {
        println!("  handed over {}, change {}", m(c, t), m(c, p.change));
    }
    if !p.to_credit.is_zero() {
        println!("  {} kept as the patient's credit", m(c, p.to_credit));
    }
}

pub fn payment_taken(out: &Output, t: &PaymentTakenDto, tz: Tz) {
    if out.is_json() {
        return out.json(t);
    }
    payment(out, &t.payment, tz);
    println!(
        "  {} is now {}; balance {}",
        t.invoice.number.as_deref().unwrap_or(""),
        t.invoice.status.replace('_', " "),
        m(&t.invoice.currency, t.invoice.balance)
    );
}

pub fn credit_issued(out: &Output, c: &CreditIssuedDto, tz: Tz) {
    if out.is_json() {
        return out.json(c);
    }
    println!(
        "Credit note {} for {} on {}: {}",
        c.credit_note.number,
        m(&c.credit_note.currency, c.credit_note.amount),
        c.credit_note.invoice_number,
        c.credit_note.reason
    );
    invoice(out, &c.invoice, tz);
    if c.invoice.balance < Decimal::ZERO {
        println!(
            "  {} was paid over what is now owed: refund it (`tend invoice refund`) or keep it \
             as credit (--method \"patient credit\").",
            m(&c.invoice.currency, -c.invoice.balance)
        );
    }
}

pub fn balance(out: &Output, b: &BalanceDto, tz: Tz) {
    if out.is_json() {
        return out.json(b);
    }
    println!(
        "{} ({}) owes {}; credit {}",
        b.patient.name,
        b.patient.mrn,
        m(&b.currency, b.owed),
        m(&b.currency, b.credit)
    );
    if !b.unpaid.is_empty() {
        unpaid(out, &b.unpaid, tz);
    }
}

pub fn statement(out: &Output, s: &StatementDto, tz: Tz) {
    if out.is_json() {
        return out.json(s);
    }
    let c = s.currency.as_str();
    println!(
        "Statement for {} ({}), {} to {}",
        s.patient.name, s.patient.mrn, s.from, s.to
    );
    println!("  brought forward {:>58}", m(c, s.opening));
    for e in &s.entries {
        let amount = if e.charge.is_zero() {
            format!("-{}", m(c, e.credit))
        } else {
            m(c, e.charge)
        };
        println!(
            "  {}  {:18}  {:40} {:>14}  {:>14}",
            at(e.at, tz),
            e.reference,
            e.description,
            amount,
            m(c, e.balance)
        );
    }
    println!("  balance due {:>62}", m(c, s.closing));
    if !s.patient_credit.is_zero() {
        println!("  credit held {}", m(c, s.patient_credit));
    }
}

pub fn closeout(out: &Output, x: &CloseoutDto, tz: Tz) {
    if out.is_json() {
        return out.json(x);
    }
    let c = x.currency.as_str();
    println!(
        "Close-out {} — {}",
        x.date,
        x.user.as_deref().unwrap_or("all users")
    );
    if x.methods.is_empty() {
        println!("  No payments or refunds.");
    }
    for r in &x.methods {
        println!(
            "  {:15} {:>3} payments {:>14}  {:>2} refunds {:>14}  net {:>14}",
            r.method.replace('_', " "),
            r.payments,
            m(c, r.received),
            r.refunds,
            m(c, r.refunded),
            m(c, r.net)
        );
    }
    println!(
        "  cash expected in the drawer {} (change given {})",
        m(c, x.cash_expected),
        m(c, x.change_given)
    );
    println!(
        "  received {}, refunded {}, net {}",
        m(c, x.total_received),
        m(c, x.total_refunded),
        m(c, x.net)
    );
    if !x.paid_from_credit.is_zero() || !x.kept_as_credit.is_zero() {
        println!(
            "  paid from credit {}, kept as credit {}",
            m(c, x.paid_from_credit),
            m(c, x.kept_as_credit)
        );
    }
    println!(
        "  {} invoices issued {}, {} voided {}, {} credit notes {}",
        x.invoices_issued,
        m(c, x.invoiced),
        x.invoices_voided,
        m(c, x.voided),
        x.credit_notes,
        m(c, x.credited)
    );
    for p in &x.transactions {
        println!(
            "  {}  {:18}  {:18}  {:13}  {:>14}  {}",
            at(p.taken_at, tz),
            p.number,
            p.invoice_number.as_deref().unwrap_or("credit"),
            p.method.replace('_', " "),
            if p.is_refund() {
                format!("-{}", m(c, p.amount))
            } else {
                m(c, p.amount + p.to_credit)
            },
            p.taken_by
        );
    }
}
