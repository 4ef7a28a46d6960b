//! Invoices: a draft for a patient (optionally filled from a visit's services), edited line by
//! line on the desk that made it, then issued under the next number of that desk's series and
//! frozen. A draft can be deleted; an issued invoice is only voided (nothing paid) or corrected
//! by a credit note.

use chrono::Datelike;
use rust_decimal::Decimal;
use serde_json::json;
use tend_domain::billing::{
    Discount, Invoice, InvoiceLine, InvoiceStage, MAX_LINES, Money, TaxRate, Totals, parse_amount,
    totals,
};
use tend_domain::error::{optional_text, required_text};
use tend_domain::words;
use tend_domain::{Action, Entity, ValidationError};
use tend_store::billing::invoice_fields;
use tend_store::{AuditEntry, Outcome, Reader, WriteTx};
use uuid::Uuid;

use crate::ids::parse_id;

use super::fees::{fee_for_billing, find_tax_rate};
use super::{Books, find_invoice, minor, parse_discount, patient_ref, status_of, user_name};
use crate::api::{BillableVisitDto, CreditNoteDto, InvoiceDto, LineDto, PaymentDto};
use crate::patients::find;
use crate::{CoreError, Result, Session, Tend};

/// The invoice's figures, from the one totals function.
pub(crate) fn compute(invoice: &Invoice) -> Result<Totals> {
    let inputs: Vec<_> = invoice.lines.iter().map(InvoiceLine::input).collect();
    Ok(totals(&inputs, invoice.discount, invoice.currency)?)
}

/// Everything the desk sees about an invoice.
pub(crate) fn dto(r: &Reader<'_>, tend: &Tend, invoice: &Invoice) -> Result<InvoiceDto> {
    let t = compute(invoice)?;
    let ledger = r.ledger(invoice)?;
    let patient = patient_ref(r, invoice.patient_id)?;
    let payments = r
        .payments_of_invoice(invoice.id)?
        .iter()
        .map(|p| {
            Ok(PaymentDto::new(
                p,
                invoice.number.clone(),
                patient.clone(),
                user_name(r, p.taken_by)?,
            ))
        })
        .collect::<Result<_>>()?;
    let credit_notes = r
        .credit_notes_of_invoice(invoice.id)?
        .iter()
        .map(|c| {
            Ok(CreditNoteDto::new(
                c,
                invoice.number.clone().unwrap_or_default(),
                user_name(r, c.issued_by)?,
            ))
        })
        .collect::<Result<_>>()?;
    let issued = invoice.stage != InvoiceStage::Draft;
    let total = if issued {
        invoice.total().map_or(t.total, |m| m.amount)
    } else {
        t.total
    };
    let balance = if issued { ledger.balance() } else { total };
    let credit = Money::from_minor(
        r.patient_credit_minor(invoice.patient_id)?,
        invoice.currency,
    );
    Ok(InvoiceDto {
        id: invoice.id,
        number: invoice.number.clone(),
        status: status_of(invoice, &ledger).as_str(),
        patient,
        visit_id: invoice.encounter_id,
        currency: invoice.currency.code().to_owned(),
        lines: invoice
            .lines
            .iter()
            .zip(&t.lines)
            .enumerate()
            .map(|(i, (l, lt))| LineDto {
                line: i + 1,
                code: l.code.clone(),
                description: l.description.clone(),
                quantity: l.quantity.normalize(),
                unit_price: l.unit_price,
                discount: l.discount,
                tax_name: l.tax.name.clone(),
                tax_percent: l.tax.percent.normalize(),
                tax_inclusive: l.tax.inclusive,
                totals: lt.clone(),
            })
            .collect(),
        discount: invoice.discount,
        subtotal: t.subtotal,
        discounts: t.discounts,
        invoice_discount: t.invoice_discount,
        tax: t.tax,
        taxes: t.taxes.clone(),
        total,
        paid: ledger.paid,
        refunded: ledger.refunded,
        credited: ledger.credited,
        balance,
        patient_credit: credit.amount,
        payments,
        credit_notes,
        note: invoice.note.clone(),
        issued_at: invoice.issued_at,
        issued_by: invoice.issued_by.map(|u| user_name(r, u)).transpose()?,
        voided_at: invoice.voided_at,
        void_reason: invoice.void_reason.clone(),
        created_at: invoice.created_at,
        editable_here: invoice.stage == InvoiceStage::Draft
            && invoice.device_id == tend.store().identity().device_id,
    })
}

/// A line as the desk fills it in.
#[derive(Debug, Clone, Copy, Default)]
pub struct LineForm<'a> {
    /// A fee code: the description, price and tax come from the fee schedule unless given.
    pub code: Option<&'a str>,
    pub description: Option<&'a str>,
    /// Empty for 1.
    pub quantity: &'a str,
    pub unit_price: Option<&'a str>,
    /// `10%` or an amount; empty for none.
    pub discount: Option<&'a str>,
    /// A tax rate's name or id, or `none`.
    pub tax: Option<&'a str>,
}

fn some_text(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// A line from the form: prices and tax copied from the fee schedule now, so a later price
/// change never reaches this invoice.
fn build_line(r: &Reader<'_>, books: &Books, form: &LineForm<'_>) -> Result<InvoiceLine> {
    let quantity = match form.quantity.trim() {
        "" => Decimal::ONE,
        q => parse_amount("quantity", q)?,
    };
    if quantity <= Decimal::ZERO {
        return Err(ValidationError::new("quantity", "must be more than 0").into());
    }
    if quantity.scale() > 3 || quantity > Decimal::from(100_000) {
        return Err(ValidationError::new(
            "quantity",
            "must be at most 100000, with at most 3 decimal places",
        )
        .into());
    }
    let (code, fee_name, fee_price, fee_tax) = match some_text(form.code) {
        Some(code) => {
            let (fee, rate) = fee_for_billing(r, code)?;
            (Some(fee.code), Some(fee.name), Some(fee.price), Some(rate))
        }
        None => (None, None, None, None),
    };
    let description = match (some_text(form.description), fee_name) {
        (Some(d), _) => required_text("description", d, 200)?,
        (None, Some(name)) => name,
        (None, None) => {
            return Err(ValidationError::new(
                "description",
                "is required for a line that is not from the fee schedule",
            )
            .into());
        }
    };
    let unit_price = match (some_text(form.unit_price), fee_price) {
        (Some(p), _) => books.parse("unit_price", p)?.amount,
        (None, Some(p)) => p,
        (None, None) => {
            return Err(ValidationError::new(
                "unit_price",
                "is required for a line that is not from the fee schedule",
            )
            .into());
        }
    };
    let tax: TaxRate = match (some_text(form.tax), fee_tax) {
        (Some(t), _) if t.eq_ignore_ascii_case("none") => TaxRate::exempt(),
        (Some(t), _) => find_tax_rate(r, t)?.rate,
        (None, Some(rate)) => rate,
        (None, None) => TaxRate::exempt(),
    };
    let discount = parse_discount("discount", form.discount.unwrap_or_default(), books)?;
    Ok(InvoiceLine {
        code,
        description,
        quantity: quantity.normalize(),
        unit_price,
        discount,
        tax,
    })
}

/// A new draft invoice for a patient. From a visit, it is filled with the visit's services; a
/// visit already on a draft gives that draft back, and one already invoiced is refused.
pub fn create(
    tend: &Tend,
    session: &Session,
    mrn: &str,
    visit: Option<&str>,
) -> Result<InvoiceDto> {
    tend.authorize(session, Action::InvoiceWrite)?;
    let visit = visit
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| parse_id::<Uuid>("visit", "a visit", v))
        .transpose()?;
    let now = tend.now();
    let device = tend.store().identity().device_id;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let r = tx.read();
        let patient = find(&r, mrn)?;
        let books = Books::of(&r)?;
        let mut lines = Vec::new();
        if let Some(visit) = visit {
            let encounter = r
                .encounter(tend_domain::chart::EncounterId::from_uuid(visit))?
                .ok_or_else(|| {
                    CoreError::refused("no_such_visit", Some("visit"), "there is no such visit")
                })?;
            if encounter.patient_id != patient.id {
                return Err(CoreError::refused(
                    "visit_of_another_patient",
                    Some("visit"),
                    "that visit belongs to another patient",
                ));
            }
            if let Some(existing) = r.invoice_for_visit(visit)? {
                if existing.stage == InvoiceStage::Draft {
                    return dto(&r, tend, &existing);
                }
                return Err(CoreError::refused(
                    "visit_already_invoiced",
                    Some("visit"),
                    words!(
                        "this visit is already invoiced on {number}",
                        number = existing.number.unwrap_or_default()
                    ),
                ));
            }
            for service in r.visit_services(visit)? {
                let quantity = service.quantity.to_string();
                lines.push(build_line(
                    &r,
                    &books,
                    &LineForm {
                        code: Some(&service.fee_code),
                        quantity: &quantity,
                        ..LineForm::default()
                    },
                )?);
            }
        }
        let invoice = Invoice {
            id: Uuid::now_v7(),
            number: None,
            patient_id: patient.id,
            encounter_id: visit,
            device_id: device,
            stage: InvoiceStage::Draft,
            currency: books.currency,
            lines,
            discount: Discount::None,
            note: None,
            total_minor: None,
            issued_at: None,
            issued_by: None,
            voided_at: None,
            voided_by: None,
            void_reason: None,
            created_by: session.user_id(),
            created_at: now,
        };
        tx.create(Entity::Invoice, invoice.id, invoice_fields(&invoice))?;
        tx.audit(
            AuditEntry::new("invoice.create", Outcome::Ok)
                .record(Entity::Invoice, invoice.id)
                .detail(
                    json!({ "patient": patient.id, "visit": visit, "lines": invoice.lines.len() }),
                ),
        )?;
        dto(&tx.read(), tend, &invoice)
    })
}

/// Loads a draft this desk may edit, applies `edit`, checks the totals still work out, and
/// saves it with the audit entry `action`.
fn edit_draft(
    tend: &Tend,
    session: &Session,
    id: &str,
    action: &'static str,
    edit: impl FnOnce(&Reader<'_>, &Books, &mut Invoice) -> Result<serde_json::Value>,
) -> Result<InvoiceDto> {
    tend.authorize(session, Action::InvoiceWrite)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let mut invoice = draft_here(tx, tend, id)?;
        let r = tx.read();
        let books = Books::of(&r)?;
        let detail = edit(&r, &books, &mut invoice)?;
        if invoice.lines.len() > MAX_LINES {
            return Err(ValidationError::new(
                "lines",
                words!(
                    "an invoice has at most {max_lines} lines",
                    max_lines = MAX_LINES
                ),
            )
            .into());
        }
        compute(&invoice)?;
        tx.update(Entity::Invoice, invoice.id, invoice_fields(&invoice))?;
        tx.audit(
            AuditEntry::new(action, Outcome::Ok)
                .record(Entity::Invoice, invoice.id)
                .detail(detail),
        )?;
        dto(&tx.read(), tend, &invoice)
    })
}

/// The draft `id`, if it is a draft and was made on this desk.
fn draft_here(tx: &WriteTx<'_>, tend: &Tend, id: &str) -> Result<Invoice> {
    let invoice = find_invoice(&tx.read(), id)?;
    if invoice.stage != InvoiceStage::Draft {
        return Err(CoreError::refused(
            "invoice_issued",
            Some("invoice"),
            words!(
                "{number} is issued and cannot change; correct it with a credit note",
                number = invoice.number.as_deref().unwrap_or("this invoice")
            ),
        ));
    }
    if invoice.device_id != tend.store().identity().device_id {
        return Err(CoreError::refused(
            "draft_on_another_desk",
            Some("invoice"),
            "this draft was started on another desk; finish it there",
        ));
    }
    Ok(invoice)
}

/// Adds a line to a draft.
pub fn add_line(
    tend: &Tend,
    session: &Session,
    id: &str,
    line: &LineForm<'_>,
) -> Result<InvoiceDto> {
    edit_draft(tend, session, id, "invoice.edit", |r, books, invoice| {
        let line = build_line(r, books, line)?;
        let detail = json!({ "added": line.code, "line": invoice.lines.len() + 1 });
        invoice.lines.push(line);
        Ok(detail)
    })
}

/// Takes line `n` (1-based) off a draft.
pub fn remove_line(tend: &Tend, session: &Session, id: &str, n: usize) -> Result<InvoiceDto> {
    edit_draft(tend, session, id, "invoice.edit", |_, _, invoice| {
        if n == 0 || n > invoice.lines.len() {
            return Err(ValidationError::new(
                "line",
                words!(
                    "there is no line {n}; the invoice has {lines}",
                    n = n,
                    lines = invoice.lines.len()
                ),
            )
            .into());
        }
        let removed = invoice.lines.remove(n - 1);
        Ok(json!({ "removed": removed.code, "line": n }))
    })
}

/// Sets the discount on the whole invoice: `10%`, an amount, or empty for none.
pub fn set_discount(
    tend: &Tend,
    session: &Session,
    id: &str,
    discount: &str,
) -> Result<InvoiceDto> {
    edit_draft(tend, session, id, "invoice.edit", |_, books, invoice| {
        invoice.discount = parse_discount("invoice_discount", discount, books)?;
        Ok(json!({ "discount": invoice.discount }))
    })
}

/// Sets the note printed under the lines (empty to remove it).
pub fn set_note(tend: &Tend, session: &Session, id: &str, note: &str) -> Result<InvoiceDto> {
    edit_draft(tend, session, id, "invoice.edit", |_, _, invoice| {
        invoice.note = optional_text("note", note, 500)?;
        Ok(json!({ "note": invoice.note.is_some() }))
    })
}

/// Throws a draft away. It never had a number, so no series has a hole.
pub fn delete_draft(tend: &Tend, session: &Session, id: &str) -> Result<()> {
    tend.authorize(session, Action::InvoiceWrite)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let invoice = draft_here(tx, tend, id)?;
        tx.update(
            Entity::Invoice,
            invoice.id,
            [("status".to_owned(), InvoiceStage::Deleted.as_str().into())].into(),
        )?;
        tx.audit(
            AuditEntry::new("invoice.delete", Outcome::Ok).record(Entity::Invoice, invoice.id),
        )?;
        Ok(())
    })
}

/// Issues a draft: gives it the next number of this desk's series for the year and freezes it.
pub fn issue(tend: &Tend, session: &Session, id: &str) -> Result<InvoiceDto> {
    tend.authorize(session, Action::InvoiceWrite)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let mut invoice = draft_here(tx, tend, id)?;
        if invoice.lines.is_empty() {
            return Err(CoreError::refused( "invoice_empty", Some("lines"),
                "an invoice needs at least one line before it is issued",
            ));
        }
        let books = Books::of(&tx.read())?;
        let t = compute(&invoice)?;
        let year = books.date(now).year();
        let number = tx.allocate_invoice_number(year)?;
        invoice.number = Some(number.clone());
        invoice.stage = InvoiceStage::Issued;
        invoice.total_minor = Some(minor("total", Money::new(t.total, invoice.currency))?);
        invoice.issued_at = Some(now);
        invoice.issued_by = Some(session.user_id());
        tx.update(Entity::Invoice, invoice.id, invoice_fields(&invoice))?;
        tx.audit(
            AuditEntry::new("invoice.issue", Outcome::Ok)
                .record(Entity::Invoice, invoice.id)
                .detail(json!({ "number": number, "total": t.total, "currency": invoice.currency.code() })),
        )?;
        dto(&tx.read(), tend, &invoice)
    })
}

/// One invoice, by number or id.
pub fn get(tend: &Tend, session: &Session, id: &str) -> Result<InvoiceDto> {
    tend.authorize(session, Action::BillingView)?;
    let (id, found) = tend.store().read(|r| {
        let invoice = find_invoice(r, id)?;
        Ok::<_, CoreError>((invoice.id, dto(r, tend, &invoice)?))
    })?;
    crate::audit::record_read(
        tend,
        session,
        AuditEntry::new("invoice.read", Outcome::Ok).record(Entity::Invoice, id),
    )?;
    Ok(found)
}

/// A patient's invoices, newest first.
pub fn list(tend: &Tend, session: &Session, mrn: &str) -> Result<Vec<InvoiceDto>> {
    tend.authorize(session, Action::BillingView)?;
    let (patient, found) = tend.store().read(|r| {
        let patient = find(r, mrn)?;
        let found = r
            .invoices_of(patient.id)?
            .iter()
            .map(|i| dto(r, tend, i))
            .collect::<Result<Vec<_>>>()?;
        Ok::<_, CoreError>((patient.id, found))
    })?;
    crate::audit::record_read(
        tend,
        session,
        AuditEntry::new("invoice.list", Outcome::Ok)
            .detail(json!({ "patient": patient, "invoices": found.len() })),
    )?;
    Ok(found)
}

/// The patient's recent visits for invoicing, open to whoever may bill (the front desk cannot
/// read the visits' notes, but invoices them).
pub fn billable_visits(tend: &Tend, session: &Session, mrn: &str) -> Result<Vec<BillableVisitDto>> {
    tend.authorize(session, Action::BillingView)?;
    tend.store().read(|r| {
        let p = find(r, mrn)?;
        r.encounters_of(p.id, 20, 0)?
            .iter()
            .filter(|e| e.status != tend_domain::chart::EncounterStatus::EnteredInError)
            .map(|e| {
                let id = e.id.as_uuid();
                let invoice = r
                    .invoice_for_visit(id)?
                    .map(|i| i.number.unwrap_or_else(|| "draft".to_owned()));
                Ok(BillableVisitDto {
                    id,
                    starts_at: e.starts_at,
                    provider: user_name(r, e.provider_id)?,
                    services: r.visit_services(id)?.len(),
                    invoice,
                })
            })
            .collect()
    })
}
