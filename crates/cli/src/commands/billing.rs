//! Billing from a terminal: the fee schedule and tax rates, services on visits, invoices,
//! payments, refunds, voids, credit notes, balances, statements, the unpaid list and the daily
//! close-out, and their PDFs. Each command is one call into tend-core.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use tend_core::api::PrintedDto;
use tend_core::billing::fees::{self, FeeForm, TaxRateForm};
use tend_core::billing::invoices::{self, LineForm};
use tend_core::billing::payments::{self, PaymentForm, RefundForm};
use tend_core::billing::{printing, reports};
use tend_core::{Session, Tend};

use crate::commands::prescriptions::write_file;
use crate::output::Output;
use crate::output::billing as show;
use crate::output::chart::timezone;

#[derive(Debug, Subcommand)]
pub enum FeeCommand {
    /// The fee schedule.
    List {
        /// Archived fees too.
        #[arg(long)]
        all: bool,
    },
    /// Add a fee, or change the one with this code (admins). Issued invoices keep their prices.
    Set {
        code: String,
        #[arg(long)]
        name: String,
        /// service or item.
        #[arg(long, default_value = "service")]
        kind: String,
        /// In the clinic's currency: `60`, `35,50`.
        #[arg(long)]
        price: String,
        /// A tax rate's name (see `tend tax list`), or `none`.
        #[arg(long, default_value = "none")]
        tax: String,
    },
    /// Take a fee off the schedule (admins).
    Archive { code: String },
}

#[derive(Debug, Subcommand)]
pub enum TaxCommand {
    /// The tax rates in use.
    List,
    /// Add a tax rate (admins).
    Add {
        /// `VAT 21 %`.
        name: String,
        #[arg(long)]
        percent: String,
        /// Prices already include this tax.
        #[arg(long)]
        inclusive: bool,
    },
    /// Stop using a tax rate (admins); no fee may still use it.
    Archive { name: String },
}

#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// The billable services recorded on a visit.
    List { visit: String },
    /// Record a service done in a visit, by fee code (clinicians).
    Add {
        visit: String,
        code: String,
        #[arg(long, default_value = "1")]
        quantity: String,
    },
    /// Take a service off a visit (by code, or by id if it is there twice).
    Remove { visit: String, service: String },
}

#[derive(Debug, Args)]
pub struct LineArgs {
    /// A fee code: description, price and tax come from the fee schedule unless given.
    #[arg(long)]
    code: Option<String>,
    #[arg(long)]
    description: Option<String>,
    #[arg(long, default_value = "1")]
    quantity: String,
    /// Unit price (required without --code).
    #[arg(long = "unit-price", alias = "price")]
    price: Option<String>,
    /// `10%` or an amount.
    #[arg(long)]
    discount: Option<String>,
    /// A tax rate's name, or `none`.
    #[arg(long)]
    tax: Option<String>,
}

#[derive(Debug, Args)]
pub struct MoneyArgs {
    /// cash, card, "bank transfer", insurance, "patient credit" or other.
    #[arg(long)]
    method: String,
    /// For cash, what was handed over (the change is worked out).
    #[arg(long)]
    amount: String,
}

#[derive(Debug, Subcommand)]
pub enum InvoiceCommand {
    /// Start a draft invoice for a patient; with --visit, filled with the visit's services.
    New {
        mrn: String,
        #[arg(long)]
        visit: Option<String>,
    },
    /// Add a line to a draft.
    Add {
        id: String,
        #[command(flatten)]
        line: LineArgs,
    },
    /// Take line N (from 1) off a draft.
    Remove { id: String, line: usize },
    /// The discount on the whole draft: `10%`, an amount, or `none`.
    Discount { id: String, discount: String },
    /// The note printed under the lines (empty to remove it).
    Note { id: String, note: String },
    /// Throw a draft away.
    Delete { id: String },
    /// Issue a draft under this desk's next number; it is then frozen.
    Issue { id: String },
    /// One invoice, by number (K7-2026-000045) or id.
    Show { id: String },
    /// A patient's invoices, newest first.
    List { mrn: String },
    /// Issued invoices with something still owed: everyone's, or one patient's.
    Unpaid { mrn: Option<String> },
    /// Take a payment. Cash over the balance is change unless --keep-credit.
    Pay {
        id: String,
        #[command(flatten)]
        money: MoneyArgs,
        /// Keep what is over the balance as the patient's credit.
        #[arg(long)]
        keep_credit: bool,
        /// Card slip, transfer or claim reference.
        #[arg(long, default_value = "")]
        reference: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Give back part of what was paid (admins). Method `patient credit` keeps it as credit.
    Refund {
        id: String,
        #[command(flatten)]
        money: MoneyArgs,
        #[arg(long)]
        reason: String,
    },
    /// Void an issued invoice nothing was paid on (admins).
    Void {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Correct an issued invoice with a credit note (admins); without --amount, all of it.
    Credit {
        id: String,
        #[arg(long, default_value = "")]
        amount: String,
        #[arg(long)]
        reason: String,
    },
    /// Print an invoice to a PDF on the clinic's letterhead and paper.
    Print {
        id: String,
        /// Where to write it (`-` for stdout).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the receipt of a payment or refund, by receipt number (K7-R-2026-000012).
    Receipt {
        number: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// What a patient owes, their credit, and their unpaid invoices.
    Balance { mrn: String },
    /// A statement of account; --out prints it to a PDF.
    Statement {
        mrn: String,
        /// First day (2026-11-01); default the first of the month of --to.
        #[arg(long, default_value = "")]
        from: String,
        /// Last day; default today.
        #[arg(long, default_value = "")]
        to: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Hand back some of a patient's credit (admins).
    RefundCredit {
        mrn: String,
        #[command(flatten)]
        money: MoneyArgs,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Args)]
pub struct CloseoutArgs {
    /// The day (2026-11-24); default today.
    date: Option<String>,
    /// One user's takings (their username); default everyone's.
    #[arg(long)]
    by: Option<String>,
    /// Also print it to this PDF.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn print_to(out: &Output, printed: &PrintedDto, file: &std::path::Path) -> Result<()> {
    write_file(file, &printed.pdf)?;
    crate::output::prescriptions::printed(out, printed, file);
    Ok(())
}

pub fn fee(cmd: &FeeCommand, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    match cmd {
        FeeCommand::List { all } => show::fees(out, &fees::schedule(tend, me, *all)?),
        FeeCommand::Set {
            code,
            name,
            kind,
            price,
            tax,
        } => {
            let fee = fees::save_fee(
                tend,
                me,
                &FeeForm {
                    code,
                    name,
                    kind,
                    price,
                    tax,
                },
            )?;
            show::fees(out, &[fee]);
        }
        FeeCommand::Archive { code } => {
            fees::archive_fee(tend, me, code)?;
            out.done(&format!("{} is off the fee schedule.", code.to_uppercase()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn tax(cmd: &TaxCommand, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    match cmd {
        TaxCommand::List => show::taxes(out, &fees::tax_rates(tend, me)?),
        TaxCommand::Add {
            name,
            percent,
            inclusive,
        } => {
            let rate = fees::add_tax_rate(
                tend,
                me,
                &TaxRateForm {
                    name,
                    percent,
                    inclusive: *inclusive,
                },
            )?;
            show::taxes(out, &[rate]);
        }
        TaxCommand::Archive { name } => {
            fees::archive_tax_rate(tend, me, name)?;
            out.done(&format!("{name} is no longer used."));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn service(cmd: &ServiceCommand, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    let list = match cmd {
        ServiceCommand::List { visit } => fees::visit_services(tend, me, visit)?,
        ServiceCommand::Add {
            visit,
            code,
            quantity,
        } => fees::add_visit_service(tend, me, visit, code, quantity)?,
        ServiceCommand::Remove { visit, service } => {
            fees::remove_visit_service(tend, me, visit, service)?
        }
    };
    show::services(out, &list);
    Ok(ExitCode::SUCCESS)
}

pub fn invoice(cmd: &InvoiceCommand, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    let tz = timezone(tend, me)?;
    match cmd {
        InvoiceCommand::New { mrn, visit } => {
            show::invoice(out, &invoices::create(tend, me, mrn, visit.as_deref())?, tz)
        }
        InvoiceCommand::Add { id, line } => {
            let form = LineForm {
                code: line.code.as_deref(),
                description: line.description.as_deref(),
                quantity: &line.quantity,
                unit_price: line.price.as_deref(),
                discount: line.discount.as_deref(),
                tax: line.tax.as_deref(),
            };
            show::invoice(out, &invoices::add_line(tend, me, id, &form)?, tz);
        }
        InvoiceCommand::Remove { id, line } => {
            show::invoice(out, &invoices::remove_line(tend, me, id, *line)?, tz)
        }
        InvoiceCommand::Discount { id, discount } => {
            show::invoice(out, &invoices::set_discount(tend, me, id, discount)?, tz)
        }
        InvoiceCommand::Note { id, note } => {
            show::invoice(out, &invoices::set_note(tend, me, id, note)?, tz)
        }
        InvoiceCommand::Delete { id } => {
            invoices::delete_draft(tend, me, id)?;
            out.done("The draft was deleted.");
        }
        InvoiceCommand::Issue { id } => show::invoice(out, &invoices::issue(tend, me, id)?, tz),
        InvoiceCommand::Show { id } => show::invoice(out, &invoices::get(tend, me, id)?, tz),
        InvoiceCommand::List { mrn } => show::invoices(out, &invoices::list(tend, me, mrn)?, tz),
        InvoiceCommand::Unpaid { mrn } => {
            show::unpaid(out, &reports::unpaid(tend, me, mrn.as_deref())?, tz)
        }
        InvoiceCommand::Pay {
            id,
            money,
            keep_credit,
            reference,
            note,
        } => {
            let form = PaymentForm {
                method: &money.method,
                amount: &money.amount,
                keep_as_credit: *keep_credit,
                reference,
                note,
            };
            show::payment_taken(out, &payments::pay(tend, me, id, &form)?, tz);
        }
        InvoiceCommand::Refund { id, money, reason } => {
            let form = RefundForm {
                method: &money.method,
                amount: &money.amount,
                reason,
            };
            show::payment_taken(out, &payments::refund(tend, me, id, &form)?, tz);
        }
        InvoiceCommand::Void { id, reason } => {
            show::invoice(out, &payments::void(tend, me, id, reason)?, tz)
        }
        InvoiceCommand::Credit { id, amount, reason } => {
            let issued = payments::credit_note(tend, me, id, amount, reason)?;
            show::credit_issued(out, &issued, tz);
        }
        InvoiceCommand::Print { id, out: file } => {
            print_to(out, &printing::print_invoice(tend, me, id)?, file)?
        }
        InvoiceCommand::Receipt { number, out: file } => {
            print_to(out, &printing::print_receipt(tend, me, number)?, file)?
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn account(cmd: &AccountCommand, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    let tz = timezone(tend, me)?;
    match cmd {
        AccountCommand::Balance { mrn } => {
            show::balance(out, &reports::balance(tend, me, mrn)?, tz)
        }
        AccountCommand::Statement {
            mrn,
            from,
            to,
            out: file,
        } => match file {
            Some(file) => print_to(
                out,
                &printing::print_statement(tend, me, mrn, from, to)?,
                file,
            )?,
            None => show::statement(out, &reports::statement(tend, me, mrn, from, to)?, tz),
        },
        AccountCommand::RefundCredit { mrn, money, reason } => {
            let form = RefundForm {
                method: &money.method,
                amount: &money.amount,
                reason,
            };
            let p = payments::refund_credit(tend, me, mrn, &form)?;
            show::payment(out, &p, tz);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn closeout(args: &CloseoutArgs, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    let tz = timezone(tend, me)?;
    let date = args.date.as_deref().unwrap_or("today");
    if let Some(file) = &args.out {
        let printed = printing::print_closeout(tend, me, date, args.by.as_deref())?;
        write_file(file, &printed.pdf)?;
        if !out.is_json() {
            crate::output::prescriptions::printed(out, &printed, file);
        }
    }
    show::closeout(
        out,
        &reports::closeout(tend, me, date, args.by.as_deref())?,
        tz,
    );
    Ok(ExitCode::SUCCESS)
}
