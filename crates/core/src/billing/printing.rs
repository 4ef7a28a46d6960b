//! Billing's printed documents: the invoice, the receipt, the statement of account and the
//! daily close-out, on the clinic's letterhead and paper, with every amount and date written as
//! the clinic's locale writes them. Each print is audited; the PDF is handed over only once its
//! audit entry is committed.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use tend_domain::billing::{Discount, InvoiceStatus, Money};
use tend_domain::words;
use tend_domain::{Action, Entity};
use tend_print::{Block, Column, DocumentView, Section, SummaryRow, TableView};
use tend_store::{AuditEntry, Outcome, Reader};
use uuid::Uuid;

use super::invoices::dto;
use super::reports::{closeout_of, method_label};
use super::{Books, find_invoice, parse_day};
use crate::api::PrintedDto;
use crate::api::{CloseoutDto, InvoiceDto, PaymentDto, StatementDto};
use crate::{CoreError, Result, Session, Tend};

struct Paper<'a> {
    books: Books,
    clinic: tend_store::ClinicRecord,
    r: &'a Reader<'a>,
}

impl Paper<'_> {
    fn money(&self, amount: Decimal) -> String {
        self.books.show(Money::new(amount, self.books.currency))
    }

    fn date(&self, at: DateTime<Utc>) -> String {
        self.books.locale.date(self.books.date(at))
    }

    fn time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.books.tz).format("%H:%M").to_string()
    }

    fn quantity(&self, q: Decimal) -> String {
        let q = q.normalize();
        self.books.locale.number(q, q.scale())
    }

    fn percent(&self, p: Decimal) -> String {
        let p = p.normalize();
        format!("{} %", self.books.locale.number(p, p.scale()))
    }

    fn view(&self, title: &str, reference: Vec<String>, footer: String) -> Result<DocumentView> {
        let mut reference = reference;
        if !self.clinic.tax_id.is_empty() {
            reference.push(format!("Tax no. {}", self.clinic.tax_id));
        }
        Ok(DocumentView {
            letterhead: crate::clinic::letterhead_view(&self.clinic)?,
            title: title.to_owned(),
            reference,
            blocks: Vec::new(),
            stamp: None,
            sections: Vec::new(),
            footer,
        })
    }

    fn footer_sections(&self, sections: &mut Vec<Section>) {
        if !self.clinic.invoice_footer.trim().is_empty() {
            sections.push(Section::SmallPrint(self.clinic.invoice_footer.clone()));
        }
    }
}

fn paper<'a>(r: &'a Reader<'a>) -> Result<Paper<'a>> {
    Ok(Paper {
        books: Books::of(r)?,
        clinic: r.clinic()?,
        r,
    })
}

fn render(view: &DocumentView) -> Result<tend_print::Pdf> {
    tend_print::document(view).map_err(|e| match e {
        tend_print::PrintError::Font => CoreError::refused("print_fonts", None, e.words()),
        _ => CoreError::refused("bad_logo", Some("logo"), e.words()),
    })
}

/// Audits a print and hands the PDF over.
fn printed(
    tend: &Tend,
    session: &Session,
    action: &'static str,
    record: Option<(Entity, Uuid)>,
    number: String,
    pdf: tend_print::Pdf,
) -> Result<PrintedDto> {
    let pages = pdf.pages;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            let mut entry = AuditEntry::new(action, Outcome::Ok)
                .detail(json!({ "number": number, "pages": pages }));
            if let Some((entity, id)) = record {
                entry = entry.record(entity, id);
            }
            tx.audit(entry)?;
            Ok::<_, CoreError>(())
        })?;
    Ok(PrintedDto {
        file_name: format!("{number}.pdf"),
        number,
        pdf: pdf.bytes,
        pages,
    })
}

fn discount_text(p: &Paper<'_>, d: &Discount) -> String {
    match d {
        Discount::None => String::new(),
        Discount::Percent(x) => format!("-{}", p.percent(*x)),
        Discount::Amount(a) => format!("-{}", p.money(*a)),
    }
}

fn payment_rows(p: &Paper<'_>, payments: &[PaymentDto]) -> Vec<Vec<String>> {
    payments
        .iter()
        .map(|x| {
            let method = x.method.parse().map(method_label).unwrap_or(x.method);
            let what = if x.is_refund() {
                format!("Refund, {method}")
            } else {
                format!("Payment, {method}")
            };
            let amount = if x.is_refund() {
                format!("-{}", p.money(x.amount))
            } else {
                p.money(x.amount)
            };
            vec![p.date(x.taken_at), x.number.clone(), what, amount]
        })
        .collect()
}

/// The invoice as a document.
fn invoice_view(p: &Paper<'_>, inv: &InvoiceDto) -> Result<DocumentView> {
    let number = inv.number.clone().unwrap_or_else(|| "DRAFT".to_owned());
    let date = p.date(inv.issued_at.unwrap_or(inv.created_at));
    let mut v = p.view(
        "Invoice",
        vec![format!("No. {number}"), format!("Date {date}")],
        format!("Invoice {number}"),
    )?;
    let patient =
        p.r.patient_by_mrn(&tend_domain::patients::Mrn::parse(&inv.patient.mrn)?)?;
    let mut bill_to = vec![
        inv.patient.name.clone(),
        format!("Record {}", inv.patient.mrn),
    ];
    if let Some(d) = patient.as_ref().map(|x| &x.demographics) {
        if let Some(a) = &d.address {
            bill_to.extend(a.lines());
        }
        if let Some(id) = &d.national_id {
            bill_to.push(format!("ID {id}"));
        }
        if let Some(ins) = &d.insurance {
            bill_to.push(format!("Insurance: {} {}", ins.payer, ins.member_id));
        }
    }
    let mut details = vec![format!("Issued {date}")];
    if let Some(by) = &inv.issued_by {
        details.push(format!("By {by}"));
    }
    details.push(format!("Currency {}", inv.currency));
    v.blocks = vec![
        Block {
            label: "Bill to".into(),
            lines: bill_to,
        },
        Block {
            label: "Details".into(),
            lines: details,
        },
    ];
    v.stamp = match inv.status {
        s if s == InvoiceStatus::Draft.as_str() => Some("DRAFT: not a valid invoice".to_owned()),
        s if s == InvoiceStatus::Void.as_str() => Some(format!(
            "VOID{}",
            inv.void_reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        )),
        s if s == InvoiceStatus::Paid.as_str() => Some("PAID".to_owned()),
        _ => None,
    };
    let any_discount = inv.lines.iter().any(|l| l.discount != Discount::None);
    let mut columns = vec![
        Column::left("Code", 1.3),
        Column::text("Description", 1.0),
        Column::right("Qty", 0.8),
        Column::right("Unit price", 1.7),
    ];
    if any_discount {
        columns.push(Column::right("Discount", 1.4));
    }
    columns.push(Column::right("Tax", 1.0));
    columns.push(Column::right("Amount", 1.8));
    let rows = inv
        .lines
        .iter()
        .map(|l| {
            let mut row = vec![
                l.code.clone().unwrap_or_default(),
                l.description.clone(),
                p.quantity(l.quantity),
                p.money(l.unit_price),
            ];
            if any_discount {
                row.push(discount_text(p, &l.discount));
            }
            row.push(if l.tax_percent.is_zero() {
                "—".to_owned()
            } else {
                p.percent(l.tax_percent)
            });
            // The line's amount before the invoice discount, as the line reads.
            row.push(p.money(l.totals.gross - l.totals.line_discount));
            row
        })
        .collect();
    let mut sections = vec![Section::Table(TableView {
        columns,
        rows,
        total: None,
        empty: "No lines.".into(),
    })];
    let mut summary = vec![SummaryRow::new("Subtotal", p.money(inv.subtotal))];
    let line_discounts = inv.discounts - inv.invoice_discount;
    if !line_discounts.is_zero() {
        summary.push(SummaryRow::new(
            "Line discounts",
            format!("-{}", p.money(line_discounts)),
        ));
    }
    if !inv.invoice_discount.is_zero() {
        let label = match inv.discount {
            Discount::Percent(x) => format!("Discount {}", p.percent(x)),
            _ => "Discount".to_owned(),
        };
        summary.push(SummaryRow::new(
            label,
            format!("-{}", p.money(inv.invoice_discount)),
        ));
    }
    for t in &inv.taxes {
        if t.percent.is_zero() {
            continue;
        }
        let how = if t.inclusive { ", included," } else { "" };
        summary.push(SummaryRow::new(
            format!("{}{how} on {}", t.name, p.money(t.base)),
            p.money(t.tax),
        ));
    }
    summary.push(SummaryRow::strong("Total", p.money(inv.total)));
    if inv.number.is_some() {
        if !inv.credited.is_zero() {
            summary.push(SummaryRow::new(
                "Credit notes",
                format!("-{}", p.money(inv.credited)),
            ));
        }
        if !inv.paid.is_zero() {
            summary.push(SummaryRow::new("Paid", format!("-{}", p.money(inv.paid))));
        }
        if !inv.refunded.is_zero() {
            summary.push(SummaryRow::new("Refunded", p.money(inv.refunded)));
        }
        summary.push(SummaryRow::strong("Balance due", p.money(inv.balance)));
    }
    sections.push(Section::Summary(summary));
    if !inv.payments.is_empty() {
        sections.push(Section::Heading("Payments".into()));
        sections.push(Section::Table(TableView {
            columns: vec![
                Column::left("Date", 1.4),
                Column::left("Receipt", 2.0),
                Column::text("", 1.0),
                Column::right("Amount", 1.6),
            ],
            rows: payment_rows(p, &inv.payments),
            total: None,
            empty: String::new(),
        }));
    }
    if !inv.credit_notes.is_empty() {
        sections.push(Section::Heading("Credit notes".into()));
        sections.push(Section::Table(TableView {
            columns: vec![
                Column::left("Date", 1.4),
                Column::left("Number", 2.0),
                Column::text("Reason", 1.0),
                Column::right("Amount", 1.6),
            ],
            rows: inv
                .credit_notes
                .iter()
                .map(|c| {
                    vec![
                        p.date(c.issued_at),
                        c.number.clone(),
                        c.reason.clone(),
                        format!("-{}", p.money(c.amount)),
                    ]
                })
                .collect(),
            total: None,
            empty: String::new(),
        }));
    }
    if let Some(note) = &inv.note {
        sections.push(Section::Text(note.clone()));
    }
    p.footer_sections(&mut sections);
    v.sections = sections;
    Ok(v)
}

/// Prints an invoice (a draft prints marked as not valid).
pub fn print_invoice(tend: &Tend, session: &Session, invoice: &str) -> Result<PrintedDto> {
    tend.authorize(session, Action::BillingView)?;
    let (id, number, view) = tend.store().read(|r| {
        let invoice = find_invoice(r, invoice)?;
        let d = dto(r, tend, &invoice)?;
        let view = invoice_view(&paper(r)?, &d)?;
        Ok::<_, CoreError>((
            invoice.id,
            d.number.unwrap_or_else(|| format!("draft-{}", invoice.id)),
            view,
        ))
    })?;
    let pdf = render(&view)?;
    printed(
        tend,
        session,
        "invoice.print",
        Some((Entity::Invoice, id)),
        number,
        pdf,
    )
}

/// Prints the receipt of a payment or refund, by its receipt number.
pub fn print_receipt(tend: &Tend, session: &Session, receipt: &str) -> Result<PrintedDto> {
    tend.authorize(session, Action::BillingView)?;
    let receipt = receipt.trim().to_uppercase();
    let (id, view) = tend.store().read(|r| {
        let payment = r.payment_by_number(&receipt)?.ok_or_else(|| {
            CoreError::refused(
                "no_such_receipt",
                Some("receipt"),
                words!("there is no receipt {receipt}", receipt = receipt),
            )
        })?;
        let p = paper(r)?;
        let invoice = payment
            .invoice_id
            .map(|id| r.invoice(id))
            .transpose()?
            .flatten();
        let inv_dto = invoice.as_ref().map(|i| dto(r, tend, i)).transpose()?;
        let x = PaymentDto::new(
            &payment,
            invoice.as_ref().and_then(|i| i.number.clone()),
            super::patient_ref(r, payment.patient_id)?,
            super::user_name(r, payment.taken_by)?,
        );
        let refund = x.is_refund();
        let mut v = p.view(
            if refund { "Refund receipt" } else { "Receipt" },
            vec![
                format!("No. {}", x.number),
                format!("{} {}", p.date(x.taken_at), p.time(x.taken_at)),
            ],
            format!("Receipt {}", x.number),
        )?;
        let method = method_label(payment.method);
        let mut details = vec![
            match &x.invoice_number {
                Some(n) => format!("Invoice {n}"),
                None => "Patient credit".to_owned(),
            },
            format!("Method: {method}"),
        ];
        if let Some(reference) = &x.reference {
            details.push(format!("Reference {reference}"));
        }
        details.push(format!("Taken by {}", x.taken_by));
        v.blocks = vec![
            Block {
                label: if refund { "Paid to" } else { "Received from" }.into(),
                lines: vec![x.patient.name.clone(), format!("Record {}", x.patient.mrn)],
            },
            Block {
                label: "Details".into(),
                lines: details,
            },
        ];
        let mut rows = Vec::new();
        if refund {
            rows.push(SummaryRow::strong("Refunded", p.money(x.amount)));
        } else {
            if let Some(tendered) = x.tendered {
                rows.push(SummaryRow::new("Cash handed over", p.money(tendered)));
            }
            rows.push(SummaryRow::strong("Paid on the invoice", p.money(x.amount)));
            if !x.to_credit.is_zero() {
                rows.push(SummaryRow::new("Kept as your credit", p.money(x.to_credit)));
            }
            if x.tendered.is_some() {
                rows.push(SummaryRow::new("Change given", p.money(x.change)));
            }
        }
        if let Some(inv) = &inv_dto {
            rows.push(SummaryRow::new("Invoice total", p.money(inv.total)));
            rows.push(SummaryRow::strong(
                "Balance still due",
                p.money(inv.balance.max(Decimal::ZERO)),
            ));
        }
        let mut sections = vec![Section::Summary(rows)];
        if let Some(note) = &x.note {
            sections.push(Section::Text(format!("Note: {note}")));
        }
        sections.push(Section::SmallPrint("Thank you.".into()));
        p.footer_sections(&mut sections);
        v.sections = sections;
        Ok::<_, CoreError>((payment.id, v))
    })?;
    let pdf = render(&view)?;
    printed(
        tend,
        session,
        "receipt.print",
        Some((Entity::Payment, id)),
        receipt,
        pdf,
    )
}

fn statement_view(p: &Paper<'_>, s: &StatementDto) -> Result<DocumentView> {
    let from = p.books.locale.date(s.from);
    let to = p.books.locale.date(s.to);
    let mut v = p.view(
        "Statement of account",
        vec![format!("{from} to {to}")],
        format!("Statement {} · {from} to {to}", s.patient.mrn),
    )?;
    let mut lines = vec![s.patient.name.clone(), format!("Record {}", s.patient.mrn)];
    lines.extend(s.address.iter().cloned());
    v.blocks = vec![
        Block {
            label: "Statement for".into(),
            lines,
        },
        Block {
            label: "Summary".into(),
            lines: vec![
                format!("Balance due on {to}: {}", p.money(s.closing)),
                format!("Owed on {from}: {}", p.money(s.opening)),
                format!("Your credit: {}", p.money(s.patient_credit)),
            ],
        },
    ];
    let mut rows = vec![vec![
        from.clone(),
        String::new(),
        "Balance brought forward".to_owned(),
        String::new(),
        p.money(s.opening),
    ]];
    rows.extend(s.entries.iter().map(|e| {
        let amount = if e.charge.is_zero() {
            format!("-{}", p.money(e.credit))
        } else {
            p.money(e.charge)
        };
        vec![
            p.date(e.at),
            e.reference.clone(),
            e.description.clone(),
            amount,
            p.money(e.balance),
        ]
    }));
    let mut sections = vec![Section::Table(TableView {
        columns: vec![
            Column::left("Date", 1.0),
            Column::left("Reference", 1.0),
            Column::text("Description", 1.0),
            Column::right("Amount", 1.0),
            Column::right("Balance", 1.0),
        ],
        rows,
        total: Some(vec![
            String::new(),
            String::new(),
            "Balance due".to_owned(),
            String::new(),
            p.money(s.closing),
        ]),
        empty: String::new(),
    })];
    if !s.unpaid.is_empty() {
        sections.push(Section::Heading("Unpaid invoices".into()));
        sections.push(Section::Table(TableView {
            columns: vec![
                Column::left("Invoice", 2.0),
                Column::left("Date", 1.4),
                Column::right("Days", 0.8),
                Column::right("Total", 1.6),
                Column::right("Still due", 1.6),
            ],
            rows: s
                .unpaid
                .iter()
                .map(|u| {
                    vec![
                        u.number.clone(),
                        p.date(u.issued_at),
                        u.days.to_string(),
                        p.money(u.total),
                        p.money(u.balance),
                    ]
                })
                .collect(),
            total: None,
            empty: String::new(),
        }));
    }
    p.footer_sections(&mut sections);
    v.sections = sections;
    Ok(v)
}

/// Prints a patient's statement of account.
pub fn print_statement(
    tend: &Tend,
    session: &Session,
    mrn: &str,
    from: &str,
    to: &str,
) -> Result<PrintedDto> {
    let s = super::reports::statement(tend, session, mrn, from, to)?;
    let view = tend.store().read(|r| statement_view(&paper(r)?, &s))?;
    let pdf = render(&view)?;
    let number = format!("statement-{}-{}", s.patient.mrn, s.to);
    let patient = tend.store().read(|r| crate::patients::find(r, mrn))?;
    printed(
        tend,
        session,
        "statement.print",
        Some((Entity::Patient, patient.id.as_uuid())),
        number,
        pdf,
    )
}

fn closeout_view(p: &Paper<'_>, c: &CloseoutDto) -> Result<DocumentView> {
    let day = p.books.locale.date(c.date);
    let who = c.user.clone().unwrap_or_else(|| "All users".to_owned());
    let mut v = p.view(
        "Daily close-out",
        vec![day.clone(), who.clone()],
        format!("Close-out {day} · {who}"),
    )?;
    v.blocks = vec![
        Block {
            label: "Cash drawer".into(),
            lines: vec![
                format!("Expected cash: {}", p.money(c.cash_expected)),
                format!("Change given: {}", p.money(c.change_given)),
                "Count the drawer less its float.".to_owned(),
            ],
        },
        Block {
            label: "Invoicing".into(),
            lines: vec![
                format!(
                    "{} invoices issued: {}",
                    c.invoices_issued,
                    p.money(c.invoiced)
                ),
                format!("{} voided: {}", c.invoices_voided, p.money(c.voided)),
                format!("{} credit notes: {}", c.credit_notes, p.money(c.credited)),
            ],
        },
    ];
    let rows = c
        .methods
        .iter()
        .map(|m| {
            vec![
                m.method
                    .parse()
                    .map(method_label)
                    .unwrap_or(m.method)
                    .to_owned(),
                m.payments.to_string(),
                p.money(m.received),
                m.refunds.to_string(),
                p.money(m.refunded),
                p.money(m.net),
            ]
        })
        .collect();
    let mut sections = vec![
        Section::Heading("By method".into()),
        Section::Table(TableView {
            columns: vec![
                Column::left("Method", 2.0),
                Column::right("Payments", 1.0),
                Column::right("Received", 1.6),
                Column::right("Refunds", 1.0),
                Column::right("Refunded", 1.6),
                Column::right("Net", 1.6),
            ],
            rows,
            total: Some(vec![
                "Money in and out".to_owned(),
                String::new(),
                p.money(c.total_received),
                String::new(),
                p.money(c.total_refunded),
                p.money(c.net),
            ]),
            empty: "No payments or refunds.".into(),
        }),
        Section::Summary(vec![
            SummaryRow::new("Paid from patients' credit", p.money(c.paid_from_credit)),
            SummaryRow::new("Kept as patients' credit", p.money(c.kept_as_credit)),
            SummaryRow::strong("Net taken", p.money(c.net)),
        ]),
        Section::Heading("Payments and refunds".into()),
    ];
    let everyone = c.user.is_none();
    let columns = vec![
        Column::left("Time", 1.0),
        Column::left("Receipt / invoice", 1.0),
        Column::text("Patient", 1.0),
        Column::left(if everyone { "Method / by" } else { "Method" }, 1.0),
        Column::right("Amount", 1.0),
    ];
    sections.push(Section::Table(TableView {
        columns,
        rows: c
            .transactions
            .iter()
            .map(|x| {
                let amount = if x.is_refund() {
                    format!("-{}", p.money(x.amount))
                } else {
                    p.money(x.amount + x.to_credit)
                };
                let method = x.method.parse().map(method_label).unwrap_or(x.method);
                let mut row = vec![
                    p.time(x.taken_at),
                    format!(
                        "{}\n{}",
                        x.number,
                        x.invoice_number
                            .clone()
                            .unwrap_or_else(|| "patient credit".into())
                    ),
                    format!("{}\n{}", x.patient.name, x.patient.mrn),
                    if everyone {
                        format!("{method}\n{}", x.taken_by)
                    } else {
                        method.to_owned()
                    },
                ];
                row.push(amount);
                row
            })
            .collect(),
        total: None,
        empty: "None.".into(),
    }));
    v.sections = sections;
    Ok(v)
}

/// Prints the close-out of a day for one user or everyone.
pub fn print_closeout(
    tend: &Tend,
    session: &Session,
    date: &str,
    user: Option<&str>,
) -> Result<PrintedDto> {
    tend.authorize(session, Action::CloseOut)?;
    let day = parse_day("date", date, tend.today()?)?;
    let (c, view) = tend.store().read(|r| {
        let c = closeout_of(r, day, user)?;
        let view = closeout_view(&paper(r)?, &c)?;
        Ok::<_, CoreError>((c, view))
    })?;
    let pdf = render(&view)?;
    let who = user
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .unwrap_or("all");
    printed(
        tend,
        session,
        "closeout.print",
        None,
        format!("closeout-{}-{who}", c.date),
        pdf,
    )
}
