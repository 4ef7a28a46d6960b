//! The commands the UI invokes. Each is one call into tend-core through the [`Desktop`]: no SQL,
//! rules or formatting here. Arguments are snake_case as the UI's backend module sends them.

use tauri::State;
use tauri::ipc::Response;
use tend_core::api::ApiError;
use tend_core::api::forms;
use tend_core::billing::{fees, invoices, payments, printing, reports};
use tend_core::desktop::Desktop;
use tend_core::patients::OnDuplicates;
use tend_core::schedule::{self, Scope};
use tend_core::{
    audit, chart, clinic, clinical, patients, prescriptions as rx, sync, users, visits,
};
use tend_domain::clinical::VitalsForm;
use tend_domain::patient::PatientForm;
use tend_domain::prescribing::ItemForm;

type Desk<'a> = State<'a, Desktop>;
type Answer<T> = Result<T, ApiError>;
/// What most commands answer: the DTO as JSON (Tauri serializes it once more for the webview).
type Reply = Answer<serde_json::Value>;

/// Turns a use case's typed answer into a [`Reply`].
trait IntoReply {
    fn reply(self) -> Reply;
}

impl<T: serde::Serialize> IntoReply for Answer<T> {
    fn reply(self) -> Reply {
        let value = self?;
        serde_json::to_value(value).map_err(|e| {
            tracing::error!(error = %e, "a reply could not be serialized");
            ApiError::new("internal", "the answer could not be sent to the window")
        })
    }
}

// The desktop's stages.

#[tauri::command(rename_all = "snake_case")]
pub async fn app_start(d: Desk<'_>) -> Reply {
    d.start().reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn app_set_up(d: Desk<'_>, form: forms::Setup) -> Reply {
    d.set_up(&form).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn app_unlock(d: Desk<'_>, passphrase: String) -> Reply {
    d.unlock(&passphrase).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sign_in(d: Desk<'_>, username: String, password: String) -> Reply {
    d.sign_in(&username, &password).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn unlock_admin(
    d: Desk<'_>,
    username: String,
    with: String,
    secret: String,
) -> Answer<()> {
    d.unlock_admin(&username, &with, &secret)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sign_out(d: Desk<'_>) -> Answer<()> {
    d.sign_out()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn desk(d: Desk<'_>) -> Reply {
    d.run(clinic::desk).reply()
}

// Documents printed for preview.

#[tauri::command(rename_all = "snake_case")]
pub async fn document_bytes(d: Desk<'_>, id: u64) -> Answer<Response> {
    d.document(id).map(Response::new)
}

/// Asks where to save in the system's own dialog, opened here so the page never names a path;
/// false when the person cancelled it.
#[tauri::command(rename_all = "snake_case")]
pub async fn document_save(app: tauri::AppHandle, d: Desk<'_>, id: u64) -> Answer<bool> {
    use tauri_plugin_dialog::DialogExt;
    let chosen = app
        .dialog()
        .file()
        .set_file_name(d.document_name(id)?)
        .add_filter("PDF", &["pdf"])
        .blocking_save_file();
    match chosen.map(|p| p.into_path()) {
        None => Ok(false),
        Some(Ok(path)) => d.save_document(id, &path).map(|()| true),
        Some(Err(_)) => Err(ApiError::new(
            "save_failed",
            "that place cannot be saved to",
        )),
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn document_close(d: Desk<'_>, id: u64) -> Answer<()> {
    d.close_document(id);
    Ok(())
}

// Patients.

#[tauri::command(rename_all = "snake_case")]
pub async fn patient_search(d: Desk<'_>, query: String, limit: usize) -> Reply {
    d.run(|t, s| patients::search(t, s, &query, limit)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patient_duplicates(d: Desk<'_>, form: PatientForm) -> Reply {
    d.run(|t, s| patients::check_duplicates(t, s, &form))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patient_register(
    d: Desk<'_>,
    form: PatientForm,
    on_duplicates: OnDuplicates,
) -> Reply {
    d.run(|t, s| patients::register(t, s, &form, on_duplicates))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patient_get(d: Desk<'_>, mrn: String) -> Reply {
    d.run(|t, s| patients::get(t, s, &mrn)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patient_edit(d: Desk<'_>, mrn: String, form: PatientForm) -> Reply {
    d.run(|t, s| patients::edit(t, s, &mrn, &form)).reply()
}

// The chart.

#[tauri::command(rename_all = "snake_case")]
pub async fn chart_banner(d: Desk<'_>, mrn: String) -> Reply {
    d.run(|t, s| chart::banner_of(t, s, &mrn)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn chart_summary(d: Desk<'_>, mrn: String) -> Reply {
    d.run(|t, s| chart::summary(t, s, &mrn)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn chart_lists(d: Desk<'_>, mrn: String) -> Reply {
    d.run(|t, s| chart::lists(t, s, &mrn)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn allergy_record(d: Desk<'_>, mrn: String, form: forms::Allergy) -> Reply {
    d.run(|t, s| clinical::record_allergy(t, s, &mrn, &form.form()))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn allergy_none_known(d: Desk<'_>, mrn: String) -> Answer<()> {
    d.run(|t, s| clinical::no_known_allergies(t, s, &mrn))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn allergy_end(d: Desk<'_>, id: String, refuted: bool, why: String) -> Reply {
    d.run(|t, s| clinical::end_allergy(t, s, &id, refuted, &why))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn problem_add(d: Desk<'_>, mrn: String, form: forms::Problem) -> Reply {
    d.run(|t, s| clinical::add_problem(t, s, &mrn, &form.form()))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn problem_resolve(d: Desk<'_>, id: String, resolved_on: String) -> Reply {
    d.run(|t, s| clinical::resolve_problem(t, s, &id, &resolved_on))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn medication_start(d: Desk<'_>, mrn: String, form: forms::Medication) -> Reply {
    d.run(|t, s| clinical::start_medication(t, s, &mrn, &form.form()))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn medication_stop(d: Desk<'_>, id: String, stopped_on: String, reason: String) -> Reply {
    d.run(|t, s| clinical::stop_medication(t, s, &id, &stopped_on, &reason))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn vitals_record(d: Desk<'_>, mrn: String, form: VitalsForm) -> Reply {
    d.run(|t, s| clinical::record_vitals(t, s, &mrn, &form, None))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn immunization_record(d: Desk<'_>, mrn: String, form: forms::Immunization) -> Reply {
    d.run(|t, s| clinical::record_immunization(t, s, &mrn, &form.form()))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn entered_in_error(d: Desk<'_>, id: String, reason: String) -> Answer<()> {
    d.run(|t, s| clinical::mark_entered_in_error(t, s, &id, &reason))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn icd_search(d: Desk<'_>, query: String, limit: usize) -> Reply {
    d.run(|_, _| clinical::icd_search(&query, limit)).reply()
}

// Visits and notes.

#[tauri::command(rename_all = "snake_case")]
pub async fn visit_start(
    d: Desk<'_>,
    mrn: String,
    reason: String,
    template: Option<String>,
) -> Reply {
    d.run(|t, s| visits::start(t, s, &mrn, &reason, None, template.as_deref()))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn visit_get(d: Desk<'_>, id: String) -> Reply {
    d.run(|t, s| visits::get(t, s, &id)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn visit_list(d: Desk<'_>, mrn: String, limit: usize, offset: usize) -> Reply {
    d.run(|t, s| visits::list(t, s, &mrn, limit, offset))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn note_edit(d: Desk<'_>, id: String, note: forms::Note) -> Reply {
    d.run(|t, s| visits::edit_note(t, s, &id, &note.form()))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn visit_sign(d: Desk<'_>, id: String) -> Reply {
    d.run(|t, s| visits::sign(t, s, &id)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn visit_addendum(d: Desk<'_>, id: String, text: String) -> Reply {
    d.run(|t, s| visits::add_addendum(t, s, &id, &text)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn note_templates(d: Desk<'_>) -> Reply {
    d.run(visits::templates).reply()
}

// Prescriptions.

#[tauri::command(rename_all = "snake_case")]
pub async fn drug_search(d: Desk<'_>, query: String, limit: usize) -> Reply {
    d.run(|t, s| rx::search_drugs(t, s, &query, limit)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn drug_add_strength(d: Desk<'_>, drug: String, strength: String) -> Reply {
    d.run(|t, s| rx::add_strength(t, s, &drug, &strength))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn rx_create(d: Desk<'_>, mrn: String, items: Vec<ItemForm>) -> Reply {
    d.run(|t, s| rx::create_draft(t, s, &mrn, &items)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn rx_edit(d: Desk<'_>, id: String, items: Vec<ItemForm>) -> Reply {
    d.run(|t, s| rx::edit_draft(t, s, &id, &items)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn rx_check(d: Desk<'_>, id: String) -> Reply {
    d.run(|t, s| rx::check_draft(t, s, &id)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn rx_sign(d: Desk<'_>, id: String, reasons: Vec<(String, String)>) -> Reply {
    d.run(|t, s| rx::sign(t, s, &id, &reasons)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn rx_cancel(d: Desk<'_>, id: String, reason: String) -> Reply {
    d.run(|t, s| rx::cancel(t, s, &id, &reason)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn rx_renew(d: Desk<'_>, id: String) -> Reply {
    d.run(|t, s| rx::renew(t, s, &id)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn rx_list(d: Desk<'_>, mrn: String) -> Reply {
    d.run(|t, s| rx::list(t, s, &mrn)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn rx_print(d: Desk<'_>, id: String) -> Reply {
    d.print(|t, s| rx::print(t, s, &id)).reply()
}

// The schedule.

#[tauri::command(rename_all = "snake_case")]
pub async fn schedule_day(d: Desk<'_>, date: String, provider: Option<String>) -> Reply {
    d.run(|t, s| schedule::day(t, s, &date, provider.as_deref()))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn schedule_week(d: Desk<'_>, date: String, provider: Option<String>) -> Reply {
    d.run(|t, s| schedule::week(t, s, &date, provider.as_deref()))
        .reply()
}

/// Makes the rows of recurring series up to `through`, before the page shows days up to it.
#[tauri::command(rename_all = "snake_case")]
pub async fn schedule_extend(d: Desk<'_>, through: String) -> Answer<usize> {
    d.run(|t, s| schedule::extend_through(t, s, &through))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn schedule_setup(d: Desk<'_>) -> Reply {
    d.run(|t, s| Ok((schedule::appointment_types(t, s)?, schedule::rooms(t, s)?)))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn appointment_book(d: Desk<'_>, form: forms::Booking) -> Reply {
    d.run(|t, s| schedule::book(t, s, &form.form())).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn appointment_move(
    d: Desk<'_>,
    id: String,
    at: Option<String>,
    provider: Option<String>,
    room: Option<String>,
    scope: Scope,
    override_conflicts: bool,
) -> Reply {
    d.run(|t, s| {
        schedule::move_appointment(
            t,
            s,
            &id,
            at.as_deref(),
            provider.as_deref(),
            room.as_deref(),
            scope,
            override_conflicts,
        )
    })
    .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn appointment_cancel(d: Desk<'_>, id: String, reason: String, scope: Scope) -> Reply {
    d.run(|t, s| schedule::cancel(t, s, &id, &reason, scope))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn appointment_check_in(d: Desk<'_>, id: String) -> Reply {
    d.run(|t, s| schedule::check_in(t, s, &id)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn appointment_undo_check_in(d: Desk<'_>, id: String) -> Reply {
    d.run(|t, s| schedule::undo_check_in(t, s, &id)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn appointment_start(d: Desk<'_>, id: String) -> Reply {
    d.run(|t, s| schedule::start(t, s, &id)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn appointment_complete(d: Desk<'_>, id: String) -> Reply {
    d.run(|t, s| schedule::complete(t, s, &id)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn appointment_no_show(d: Desk<'_>, id: String) -> Reply {
    d.run(|t, s| schedule::mark_no_show(t, s, &id)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn schedule_queue(d: Desk<'_>, date: Option<String>) -> Reply {
    d.run(|t, s| schedule::queue(t, s, date.as_deref())).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn schedule_free_slots(
    d: Desk<'_>,
    provider: Option<String>,
    type_name: String,
    from: String,
    limit: usize,
) -> Reply {
    d.run(|t, s| schedule::free_slots(t, s, provider.as_deref(), &type_name, &from, limit))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn waitlist(d: Desk<'_>) -> Reply {
    d.run(schedule::waitlist).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn waitlist_add(d: Desk<'_>, form: forms::Waitlist) -> Reply {
    d.run(|t, s| schedule::waitlist_add(t, s, &form.form()))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn waitlist_remove(d: Desk<'_>, id: String) -> Answer<()> {
    d.run(|t, s| schedule::waitlist_remove(t, s, &id))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn waitlist_book(
    d: Desk<'_>,
    id: String,
    at: String,
    provider: Option<String>,
    override_conflicts: bool,
) -> Reply {
    d.run(|t, s| schedule::waitlist_book(t, s, &id, &at, provider.as_deref(), override_conflicts))
        .reply()
}

// Billing.

#[tauri::command(rename_all = "snake_case")]
pub async fn fee_schedule(d: Desk<'_>, all: bool) -> Reply {
    d.run(|t, s| fees::schedule(t, s, all)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn fee_save(d: Desk<'_>, form: forms::Fee) -> Reply {
    d.run(|t, s| fees::save_fee(t, s, &form.form())).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn fee_archive(d: Desk<'_>, code: String) -> Answer<()> {
    d.run(|t, s| fees::archive_fee(t, s, &code))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn tax_rates(d: Desk<'_>) -> Reply {
    d.run(fees::tax_rates).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn visit_services(d: Desk<'_>, visit: String) -> Reply {
    d.run(|t, s| fees::visit_services(t, s, &visit)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn visit_service_add(
    d: Desk<'_>,
    visit: String,
    code: String,
    quantity: String,
) -> Reply {
    d.run(|t, s| fees::add_visit_service(t, s, &visit, &code, &quantity))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn billable_visits(d: Desk<'_>, mrn: String) -> Reply {
    d.run(|t, s| invoices::billable_visits(t, s, &mrn)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_create(d: Desk<'_>, mrn: String, visit: Option<String>) -> Reply {
    d.run(|t, s| invoices::create(t, s, &mrn, visit.as_deref()))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_get(d: Desk<'_>, id: String) -> Reply {
    d.run(|t, s| invoices::get(t, s, &id)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_list(d: Desk<'_>, mrn: String) -> Reply {
    d.run(|t, s| invoices::list(t, s, &mrn)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_add_line(d: Desk<'_>, id: String, line: forms::Line) -> Reply {
    d.run(|t, s| invoices::add_line(t, s, &id, &line.form()))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_remove_line(d: Desk<'_>, id: String, n: usize) -> Reply {
    d.run(|t, s| invoices::remove_line(t, s, &id, n)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_discount(d: Desk<'_>, id: String, discount: String) -> Reply {
    d.run(|t, s| invoices::set_discount(t, s, &id, &discount))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_delete(d: Desk<'_>, id: String) -> Answer<()> {
    d.run(|t, s| invoices::delete_draft(t, s, &id))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_issue(d: Desk<'_>, id: String) -> Reply {
    d.run(|t, s| invoices::issue(t, s, &id)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_void(d: Desk<'_>, id: String, reason: String) -> Reply {
    d.run(|t, s| payments::void(t, s, &id, &reason)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payment_refund(d: Desk<'_>, invoice: String, form: forms::Refund) -> Reply {
    d.run(|t, s| payments::refund(t, s, &invoice, &form.form()))
        .reply()
}

/// `amount` empty credits all that is left on the invoice.
#[tauri::command(rename_all = "snake_case")]
pub async fn credit_note_issue(
    d: Desk<'_>,
    invoice: String,
    amount: String,
    reason: String,
) -> Reply {
    d.run(|t, s| payments::credit_note(t, s, &invoice, &amount, &reason))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payment_take(d: Desk<'_>, invoice: String, form: forms::Payment) -> Reply {
    d.run(|t, s| payments::pay(t, s, &invoice, &form.form()))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn account_balance(d: Desk<'_>, mrn: String) -> Reply {
    d.run(|t, s| reports::balance(t, s, &mrn)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn unpaid_invoices(d: Desk<'_>, mrn: Option<String>) -> Reply {
    d.run(|t, s| reports::unpaid(t, s, mrn.as_deref())).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn closeout(d: Desk<'_>, date: String, user: Option<String>) -> Reply {
    d.run(|t, s| reports::closeout(t, s, &date, user.as_deref()))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_print(d: Desk<'_>, id: String) -> Reply {
    d.print(|t, s| printing::print_invoice(t, s, &id)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn receipt_print(d: Desk<'_>, number: String) -> Reply {
    d.print(|t, s| printing::print_receipt(t, s, &number))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn statement_print(d: Desk<'_>, mrn: String, from: String, to: String) -> Reply {
    d.print(|t, s| printing::print_statement(t, s, &mrn, &from, &to))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn closeout_print(d: Desk<'_>, date: String, user: Option<String>) -> Reply {
    d.print(|t, s| printing::print_closeout(t, s, &date, user.as_deref()))
        .reply()
}

// Administration.

#[tauri::command(rename_all = "snake_case")]
pub async fn user_list(d: Desk<'_>) -> Reply {
    d.run(users::list).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn user_add(d: Desk<'_>, form: forms::User) -> Reply {
    d.run(|t, s| users::add(t, s, &form.form())).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn user_set_roles(d: Desk<'_>, username: String, roles: String) -> Reply {
    d.run(|t, s| users::set_roles(t, s, &username, &roles))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn user_set_disabled(d: Desk<'_>, username: String, disabled: bool) -> Reply {
    d.run(|t, s| users::set_disabled(t, s, &username, disabled))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn user_unlock(d: Desk<'_>, username: String) -> Reply {
    d.run(|t, s| users::unlock(t, s, &username)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn user_reset_password(d: Desk<'_>, username: String, password: String) -> Reply {
    d.run(|t, s| users::reset_password(t, s, &username, &password))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn clinic_settings(d: Desk<'_>) -> Reply {
    d.run(clinic::settings).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn clinic_update(d: Desk<'_>, form: forms::Settings) -> Reply {
    d.run(|t, s| clinic::update_settings(t, s, &form.form()))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn clinic_letterhead(d: Desk<'_>, form: forms::Letterhead) -> Reply {
    d.run(|t, s| clinic::update_letterhead(t, s, &form.form()))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn clinic_billing(d: Desk<'_>, form: forms::BillingSettings) -> Reply {
    d.run(|t, s| clinic::update_billing_settings(t, s, &form.form()))
        .reply()
}

/// The logo as the image file's bytes (PNG or JPEG), or none to remove it.
#[tauri::command(rename_all = "snake_case")]
pub async fn clinic_logo(d: Desk<'_>, image: Option<Vec<u8>>) -> Reply {
    d.run(|t, s| clinic::set_logo(t, s, image.as_deref()))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn clinic_idle_lock(d: Desk<'_>, minutes: String) -> Reply {
    d.run(|t, s| clinic::set_idle_lock(t, s, &minutes)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn clinic_break_glass(d: Desk<'_>, minutes: String) -> Reply {
    d.run(|t, s| clinic::set_break_glass(t, s, &minutes))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn clinic_keyring(d: Desk<'_>, keep: bool) -> Reply {
    d.run(|t, s| clinic::set_keyring(t, s, keep)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn audit_verify(d: Desk<'_>) -> Reply {
    d.run(audit::verify).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn audit_search(d: Desk<'_>, filter: audit::AuditSearch) -> Reply {
    d.run(|t, s| audit::search(t, s, &filter)).reply()
}

// Sync.

#[tauri::command(rename_all = "snake_case")]
pub async fn app_join(d: Desk<'_>, form: tend_core::desktop::JoinForm) -> Reply {
    d.join(&form).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_activity(d: Desk<'_>) -> Reply {
    Ok(d.sync_activity()).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_status(d: Desk<'_>) -> Reply {
    d.poll(sync::status).reply()
}

/// Starts a round in the background and returns at once; the badge follows its progress.
#[tauri::command(rename_all = "snake_case")]
pub async fn sync_now(app: tauri::AppHandle) -> Answer<()> {
    std::thread::spawn(move || {
        use tauri::Manager;
        app.state::<Desktop>().sync_tick();
    });
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_connect(
    d: Desk<'_>,
    server: String,
    enrol_token: String,
    pin: Option<String>,
    insecure_http: bool,
) -> Reply {
    d.run(|t, s| {
        sync::connect_with(
            t,
            s,
            &sync::ConnectRequest {
                server: &server,
                enrol_token: &enrol_token,
                pin: pin.as_deref(),
                insecure_http,
            },
        )
    })
    .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_pairing_code(d: Desk<'_>) -> Reply {
    d.run(sync::pairing_code).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_conflicts(d: Desk<'_>) -> Reply {
    d.run(sync::conflicts).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_resolve(d: Desk<'_>, conflict: String, value: String) -> Reply {
    d.run(|t, s| sync::resolve(t, s, &conflict, &value)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_devices(d: Desk<'_>) -> Reply {
    d.run(sync::devices).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_revoke(d: Desk<'_>, device: String) -> Reply {
    d.run(|t, s| sync::revoke(t, s, &device)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_quarantine(d: Desk<'_>) -> Reply {
    d.run(sync::quarantine).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_pull_again(d: Desk<'_>) -> Reply {
    d.run(sync::pull_everything_again).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_rotate_key(d: Desk<'_>) -> Reply {
    d.run(sync::rotate_key).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_allow_managing(d: Desk<'_>, device: String) -> Reply {
    d.run(|t, s| sync::allow_managing(t, s, &device)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_allow_insecure_http(d: Desk<'_>, allow: bool) -> Reply {
    d.run(|t, s| sync::allow_insecure_http(t, s, allow)).reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_disconnect(d: Desk<'_>) -> Reply {
    d.run(sync::disconnect).reply()
}

// Backups: the automatic ones (admins), the restore drill, and restores.

fn replaces(answer: Option<String>) -> tend_core::backup::Replaces {
    match answer.as_deref() {
        Some("yes") => tend_core::backup::Replaces::Yes,
        Some("no") => tend_core::backup::Replaces::No,
        _ => tend_core::backup::Replaces::Ask,
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn backup_status(d: Desk<'_>) -> Reply {
    d.run(tend_core::backup::auto::status).reply()
}

/// Whether this person should see the red backup badge (admins, no good backup within 26
/// hours); polled, so it does not keep the session from locking.
#[tauri::command(rename_all = "snake_case")]
pub async fn backup_overdue(d: Desk<'_>) -> Answer<bool> {
    d.poll(tend_core::backup::auto::overdue_for)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn backup_folder_add(d: Desk<'_>, folder: String) -> Reply {
    d.run(|t, s| tend_core::backup::auto::add_destination(t, s, &folder))
        .reply()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn backup_folder_remove(d: Desk<'_>, id: i64) -> Answer<()> {
    d.run(|t, s| tend_core::backup::auto::remove_destination(t, s, id))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn backup_schedule(
    d: Desk<'_>,
    at: String,
    keep_daily: String,
    keep_weekly: String,
    keep_monthly: String,
) -> Reply {
    d.run(|t, s| {
        tend_core::backup::auto::set_schedule(t, s, &at, (&keep_daily, &keep_weekly, &keep_monthly))
    })
    .reply()
}

/// Backs up to every folder now (an admin's "Back up now").
#[tauri::command(rename_all = "snake_case")]
pub async fn backup_run_now(d: Desk<'_>) -> Reply {
    d.run(|t, s| tend_core::backup::auto::run_all(t, Some(s)))
        .reply()
}

/// Where the restore or backup check under way has got (`null` when none is): the page polls
/// it for its progress bar while the restore's own call waits.
#[tauri::command(rename_all = "snake_case")]
pub async fn backup_step(d: Desk<'_>) -> Answer<Option<tend_core::backup::Step>> {
    Ok(d.backup_step())
}

/// The restore drill: restores the backup into a temporary folder, runs every check, and says
/// what it holds. `with` is `passphrase` or `recovery_key`; an admin checking a backup of this
/// clinic needs neither.
#[tauri::command(rename_all = "snake_case")]
pub async fn backup_check(d: Desk<'_>, path: String, with: String, secret: String) -> Reply {
    d.check_backup(&path, &with, &secret).reply()
}

/// Replaces the clinic's database with a backup (admins); everyone signs in again after.
#[tauri::command(rename_all = "snake_case")]
pub async fn backup_restore(d: Desk<'_>, path: String, replaces_desktop: Option<String>) -> Reply {
    d.restore(&path, replaces(replaces_desktop)).reply()
}

/// Sets this computer up from a backup (the first-run screen).
#[tauri::command(rename_all = "snake_case")]
pub async fn app_restore(
    d: Desk<'_>,
    path: String,
    with: String,
    secret: String,
    replaces_desktop: Option<String>,
) -> Reply {
    d.restore_first(&path, &with, &secret, replaces(replaces_desktop))
        .reply()
}

/// The system's folder chooser, for a backup folder; the chosen path comes back to the form,
/// where tend-core checks it like a typed one.
#[tauri::command(rename_all = "snake_case")]
pub async fn pick_folder(app: tauri::AppHandle) -> Answer<Option<String>> {
    use tauri_plugin_dialog::DialogExt;
    Ok(app
        .dialog()
        .file()
        .blocking_pick_folder()
        .and_then(|p| p.into_path().ok())
        .map(|p| p.display().to_string()))
}

/// The system's file chooser, for a backup file to check or restore.
#[tauri::command(rename_all = "snake_case")]
pub async fn pick_backup_file(app: tauri::AppHandle) -> Answer<Option<String>> {
    use tauri_plugin_dialog::DialogExt;
    Ok(app
        .dialog()
        .file()
        .add_filter("Tend backup", &["tendbackup"])
        .blocking_pick_file()
        .and_then(|p| p.into_path().ok())
        .map(|p| p.display().to_string()))
}

// Break-glass.

/// Opens one patient's chart for 30 minutes for someone whose roles do not let them read it,
/// after they give a reason; audited and flagged.
#[tauri::command(rename_all = "snake_case")]
pub async fn chart_break_glass(d: Desk<'_>, mrn: String, reason: String) -> Reply {
    d.run(|t, s| chart::break_glass(t, s, &mrn, &reason))
        .reply()
}

/// Every break-glass opening on this desktop, for admins to review.
#[tauri::command(rename_all = "snake_case")]
pub async fn audit_break_glass(d: Desk<'_>) -> Reply {
    d.run(audit::break_glass_review).reply()
}
