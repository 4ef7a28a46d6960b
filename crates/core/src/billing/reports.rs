//! What billing adds up to: a patient's balance and credit, the unpaid-invoices list, a
//! statement of account, and the daily close-out the desk counts the drawer against.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use tend_domain::billing::{Invoice, Money, PaymentKind, PaymentMethod};
use tend_domain::patients::PatientId;
use tend_domain::{Action, UserId, Username, ValidationError};
use tend_store::Reader;

use super::{Books, parse_day, patient_ref, user_name};
use crate::api::{
    BalanceDto, CloseoutDto, MethodTotalDto, PatientRefDto, PaymentDto, StatementDto,
    StatementEntryDto, UnpaidDto,
};
use crate::patients::find;
use crate::{CoreError, Result, Session, Tend};

fn unpaid_of(r: &Reader<'_>, tend: &Tend, patient: Option<PatientId>) -> Result<Vec<UnpaidDto>> {
    let books = Books::of(r)?;
    let today = books.date(tend.now());
    Ok(r.unpaid_invoices(patient)?
        .into_iter()
        .map(|u| UnpaidDto {
            number: u.number,
            patient: PatientRefDto {
                mrn: u.mrn,
                name: u.name,
            },
            issued_at: u.issued_at,
            days: (today - books.date(u.issued_at)).num_days(),
            currency: u.currency.code().to_owned(),
            total: Money::from_minor(u.total_minor, u.currency).amount,
            balance: Money::from_minor(u.balance_minor, u.currency).amount,
        })
        .collect())
}

/// Issued invoices with something still owed, oldest first: everyone's, or one patient's.
pub fn unpaid(tend: &Tend, session: &Session, mrn: Option<&str>) -> Result<Vec<UnpaidDto>> {
    tend.authorize(session, Action::BillingView)?;
    tend.store().read(|r| {
        let patient = mrn.map(|m| find(r, m)).transpose()?.map(|p| p.id);
        unpaid_of(r, tend, patient)
    })
}

/// What a patient owes and what credit they have.
pub fn balance(tend: &Tend, session: &Session, mrn: &str) -> Result<BalanceDto> {
    tend.authorize(session, Action::BillingView)?;
    tend.store().read(|r| {
        let patient = find(r, mrn)?;
        let books = Books::of(r)?;
        let unpaid = unpaid_of(r, tend, Some(patient.id))?;
        Ok(BalanceDto {
            patient: patient_ref(r, patient.id)?,
            currency: books.currency.code().to_owned(),
            owed: unpaid.iter().map(|u| u.balance).sum(),
            credit: Money::from_minor(r.patient_credit_minor(patient.id)?, books.currency).amount,
            unpaid,
        })
    })
}

/// Every movement of what a patient owes, oldest first, over all time: invoices issued add to it;
/// payments applied, credit notes and voids take off it; refunds add back.
fn movements(r: &Reader<'_>, patient: PatientId) -> Result<Vec<StatementEntryDto>> {
    let invoices: Vec<Invoice> = r
        .invoices_of(patient)?
        .into_iter()
        .filter(|i| i.issued_at.is_some())
        .collect();
    let number_of = |id: Option<uuid::Uuid>| {
        id.and_then(|id| invoices.iter().find(|i| i.id == id))
            .and_then(|i| i.number.clone())
            .unwrap_or_default()
    };
    let mut entries = Vec::new();
    for i in &invoices {
        let total = i.total().map_or(Decimal::ZERO, |m| m.amount);
        let number = i.number.clone().unwrap_or_default();
        let lines = i.lines.len();
        entries.push(StatementEntryDto {
            at: i.issued_at.unwrap_or(i.created_at),
            kind: "invoice",
            reference: number.clone(),
            description: format!(
                "Invoice, {lines} {}",
                if lines == 1 { "line" } else { "lines" }
            ),
            charge: total,
            credit: Decimal::ZERO,
            balance: Decimal::ZERO,
        });
        if let Some(at) = i.voided_at {
            entries.push(StatementEntryDto {
                at,
                kind: "void",
                reference: number,
                description: "Invoice voided".into(),
                charge: Decimal::ZERO,
                credit: total,
                balance: Decimal::ZERO,
            });
        }
    }
    for p in r.payments_of(patient)? {
        let amount = p.amount().amount;
        let on = number_of(p.invoice_id);
        let method = method_label(p.method);
        let (kind, description, charge, credit) = match (p.kind, p.invoice_id) {
            (PaymentKind::Payment, _) => (
                "payment",
                format!("Payment, {method}, on {on}"),
                Decimal::ZERO,
                amount,
            ),
            (PaymentKind::Refund, Some(_)) => (
                "refund",
                format!("Refund, {method}, of {on}"),
                amount,
                Decimal::ZERO,
            ),
            // Credit handed back never touched an invoice: it is not on the account.
            (PaymentKind::Refund, None) => continue,
        };
        entries.push(StatementEntryDto {
            at: p.taken_at,
            kind,
            reference: p.number.clone(),
            description,
            charge,
            credit,
            balance: Decimal::ZERO,
        });
    }
    for c in r.credit_notes_of(patient)? {
        entries.push(StatementEntryDto {
            at: c.issued_at,
            kind: "credit_note",
            reference: c.number.clone(),
            description: format!(
                "Credit note on {}: {}",
                number_of(Some(c.invoice_id)),
                c.reason
            ),
            charge: Decimal::ZERO,
            credit: Money::from_minor(c.amount_minor, c.currency).amount,
            balance: Decimal::ZERO,
        });
    }
    entries.sort_by(|a, b| a.at.cmp(&b.at).then(a.reference.cmp(&b.reference)));
    let mut running = Decimal::ZERO;
    for e in &mut entries {
        running += e.charge - e.credit;
        e.balance = running;
    }
    Ok(entries)
}

/// A patient's statement of account from `from` to `to` (dates in the clinic's calendar;
/// empty `from` is the first of the month of `to`, empty `to` is today).
pub fn statement(
    tend: &Tend,
    session: &Session,
    mrn: &str,
    from: &str,
    to: &str,
) -> Result<StatementDto> {
    tend.authorize(session, Action::BillingView)?;
    let today = tend.today()?;
    let to = parse_day("to", to, today)?;
    let from = if from.trim().is_empty() {
        to.with_day0(0).unwrap_or(to)
    } else {
        parse_day("from", from, today)?
    };
    if from > to {
        return Err(ValidationError::new("from", "is after the end of the statement").into());
    }
    let statement = tend.store().read(|r| {
        let patient = find(r, mrn)?;
        let books = Books::of(r)?;
        let (start, _) = books.day_bounds(from)?;
        let (_, end) = books.day_bounds(to)?;
        let all = movements(r, patient.id)?;
        let opening = all
            .iter()
            .rev()
            .find(|e| e.at < start)
            .map_or(Decimal::ZERO, |e| e.balance);
        let entries: Vec<_> = all
            .into_iter()
            .filter(|e| e.at >= start && e.at < end)
            .collect();
        let closing = entries.last().map_or(opening, |e| e.balance);
        let address = patient
            .demographics
            .address
            .as_ref()
            .map(tend_domain::patients::Address::lines)
            .unwrap_or_default();
        Ok::<_, CoreError>(StatementDto {
            patient: patient_ref(r, patient.id)?,
            address,
            currency: books.currency.code().to_owned(),
            from,
            to,
            opening,
            entries,
            closing,
            patient_credit: Money::from_minor(r.patient_credit_minor(patient.id)?, books.currency)
                .amount,
            unpaid: unpaid_of(r, tend, Some(patient.id))?,
        })
    })?;
    crate::audit::record_read(
        tend,
        session,
        tend_store::AuditEntry::new("statement.read", tend_store::Outcome::Ok).detail(
            serde_json::json!({ "patient": statement.patient.mrn, "from": from, "to": to }),
        ),
    )?;
    Ok(statement)
}

pub(crate) fn method_label(m: PaymentMethod) -> &'static str {
    match m {
        PaymentMethod::Cash => "cash",
        PaymentMethod::Card => "card",
        PaymentMethod::BankTransfer => "bank transfer",
        PaymentMethod::Insurance => "insurance",
        PaymentMethod::PatientCredit => "patient credit",
        PaymentMethod::Other => "other",
    }
}

const METHOD_ORDER: [PaymentMethod; 6] = [
    PaymentMethod::Cash,
    PaymentMethod::Card,
    PaymentMethod::BankTransfer,
    PaymentMethod::Insurance,
    PaymentMethod::Other,
    PaymentMethod::PatientCredit,
];

/// The close-out of `date` (`today` or `2026-11-24`) for one user (by username) or everyone.
pub fn closeout(
    tend: &Tend,
    session: &Session,
    date: &str,
    user: Option<&str>,
) -> Result<CloseoutDto> {
    tend.authorize(session, Action::CloseOut)?;
    let day = parse_day("date", date, tend.today()?)?;
    tend.store().read(|r| closeout_of(r, day, user))
}

pub(crate) fn closeout_of(
    r: &Reader<'_>,
    day: NaiveDate,
    user: Option<&str>,
) -> Result<CloseoutDto> {
    let books = Books::of(r)?;
    let user: Option<(UserId, String)> = match user.map(str::trim).filter(|u| !u.is_empty()) {
        None => None,
        Some(name) => {
            let username = Username::parse(name)?;
            let record = r
                .user_by_username(&username)?
                .ok_or_else(|| CoreError::UnknownUser(name.to_owned()))?;
            Some((record.user.id, record.user.display_name))
        }
    };
    let (from, to) = books.day_bounds(day)?;
    let activity = r.period_activity(from, to, user.as_ref().map(|u| u.0))?;
    let money = |minor: i64| Money::from_minor(minor, books.currency).amount;
    let mut by_method: BTreeMap<usize, MethodTotalDto> = BTreeMap::new();
    let (mut change_given, mut paid_from_credit, mut kept_as_credit) =
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    let mut transactions = Vec::new();
    let mut names: BTreeMap<UserId, String> = BTreeMap::new();
    for p in &activity.payments {
        let order = METHOD_ORDER
            .iter()
            .position(|m| *m == p.method)
            .unwrap_or(0);
        let row = by_method.entry(order).or_insert(MethodTotalDto {
            method: p.method.as_str(),
            payments: 0,
            received: Decimal::ZERO,
            refunds: 0,
            refunded: Decimal::ZERO,
            net: Decimal::ZERO,
        });
        match p.kind {
            PaymentKind::Payment => {
                row.payments += 1;
                row.received += money(p.amount_minor + p.to_credit_minor);
                change_given += money(p.change_minor);
                kept_as_credit += money(p.to_credit_minor);
                if p.method == PaymentMethod::PatientCredit {
                    paid_from_credit += money(p.amount_minor);
                }
            }
            PaymentKind::Refund => {
                row.refunds += 1;
                row.refunded += money(p.amount_minor);
                if p.method == PaymentMethod::PatientCredit {
                    kept_as_credit += money(p.amount_minor);
                }
            }
        }
        row.net = row.received - row.refunded;
        let taken_by = match names.get(&p.taken_by) {
            Some(n) => n.clone(),
            None => {
                let n = user_name(r, p.taken_by)?;
                names.insert(p.taken_by, n.clone());
                n
            }
        };
        let invoice = p
            .invoice_id
            .map(|id| r.invoice(id))
            .transpose()?
            .flatten()
            .and_then(|i| i.number);
        transactions.push(PaymentDto::new(
            p,
            invoice,
            patient_ref(r, p.patient_id)?,
            taken_by,
        ));
    }
    let methods: Vec<MethodTotalDto> = by_method.into_values().collect();
    let money_moves = |m: &&MethodTotalDto| m.method != PaymentMethod::PatientCredit.as_str();
    let total_received: Decimal = methods.iter().filter(money_moves).map(|m| m.received).sum();
    let total_refunded: Decimal = methods.iter().filter(money_moves).map(|m| m.refunded).sum();
    let cash_expected = methods
        .iter()
        .find(|m| m.method == PaymentMethod::Cash.as_str())
        .map_or(Decimal::ZERO, |m| m.net);
    let sum_invoices = |list: &[Invoice]| -> Decimal {
        list.iter()
            .map(|i| i.total().map_or(Decimal::ZERO, |m| m.amount))
            .sum()
    };
    Ok(CloseoutDto {
        date: day,
        user: user.map(|u| u.1),
        currency: books.currency.code().to_owned(),
        methods,
        cash_expected,
        change_given,
        total_received,
        total_refunded,
        net: total_received - total_refunded,
        paid_from_credit,
        kept_as_credit,
        invoices_issued: activity.invoices.len(),
        invoiced: sum_invoices(&activity.invoices),
        invoices_voided: activity.voided.len(),
        voided: sum_invoices(&activity.voided),
        credit_notes: activity.credit_notes.len(),
        credited: activity
            .credit_notes
            .iter()
            .map(|c| money(c.amount_minor))
            .sum(),
        transactions,
    })
}
