//! The commands the UI invokes, each defined once: its name, its arguments, its answer and its
//! one call into tend-core through the [`Desktop`](tend_core::desktop::Desktop), with no SQL,
//! rules or formatting here. `registry.rs` turns this list into the Tauri handlers, the handler
//! list, the names granted to the window (via `build.rs`) and the UI's typed client and types
//! (`ui/src/lib/backend/generated.ts`). Arguments are snake_case as the page sends them.

desk_commands! {
    preamble {
        use crate::registry::Bytes;
        use tend_core::api::{
            ApiError, AppointmentDto, AppointmentTypeDto, AuditRowDto, AuditVerifyDto, BalanceDto,
            BannerDto, BackupCheckDto, BackupStatusDto, BillableVisitDto, BookedDto,
            BreakGlassRowDto, ChartSummaryDto, ClinicDto, CloseoutDto, CreditIssuedDto, DayDto,
            DeskDto, DestinationDto, DeviceDto, DrugDto, DuplicateDto, FeeDto, IcdDto, InvoiceDto,
            PairingCodeDto, PatientDto, PatientSummaryDto, PaymentTakenDto, QuarantinedDto,
            QueueEntryDto, RestoreDto, RoomDto, RotatedDto, RxDto, SlotDto, SyncConflictDto,
            SyncStatusDto, TaxRateDto, TemplateDto, UnlockWith, UnpaidDto, UserDto, VisitDto,
            VisitServiceDto, VisitSummaryDto, VitalsDto, WaitlistDto, WarningDto, forms,
        };
        use tend_core::api::forms::{AuditSearch, JoinForm};
        use tend_core::api::{
            BackupStepDto, BreakGlassDto, ChartListsDto, DocumentDto, RunReportDto, SetUpDto,
            StartDto, SyncActivityDto,
        };
        use tend_core::backup::{Replaces, auto};
        use tend_core::billing::{fees, invoices, payments, printing, reports};
        use tend_core::chart::{records, visits};
        use tend_core::desktop::Desktop;
        use tend_core::patients::OnDuplicates;
        use tend_core::schedule::{self, Scope};
        use tend_core::{audit, chart, clinic, patients, prescriptions as rx, sync, users};
        use uuid::Uuid;
    }

    // The desktop's stages.

    app_start() -> StartDto = |_app, d| d.start();

    app_set_up(form: forms::Setup) -> SetUpDto = |_app, d| d.set_up(&form);

    app_unlock(passphrase: String) -> StartDto = |_app, d| d.unlock(&passphrase);

    sign_in(username: String, password: String) -> DeskDto
        = |_app, d| d.sign_in(&username, &password);

    unlock_admin(username: String, with: UnlockWith, secret: String) -> ()
        = |_app, d| d.unlock_admin(&username, with, &secret);

    sign_out() -> () = |_app, d| d.sign_out();

    desk() -> DeskDto = |_app, d| d.run(clinic::desk);

    // Documents printed for preview.

    document_bytes(id: u64) -> Bytes = |_app, d| d.document(id).map(Bytes);

    /// Asks where to save in the system's own dialog, opened here so the page never names a path;
    /// false when the person cancelled it.
    document_save(id: u64) -> bool = |app, d| {
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
    };

    document_close(id: u64) -> () = |_app, d| {
        d.close_document(id);
        Ok(())
    };

    // Patients.

    patient_search(query: String, limit: usize) -> Vec<PatientSummaryDto>
        = |_app, d| d.run(|t, s| patients::search(t, s, &query, limit));

    patient_duplicates(form: forms::Patient) -> Vec<DuplicateDto>
        = |_app, d| d.run(|t, s| patients::check_duplicates(t, s, &form.form()));

    patient_register(form: forms::Patient, on_duplicates: OnDuplicates) -> PatientDto
        = |_app, d| d.run(|t, s| patients::register(t, s, &form.form(), on_duplicates));

    patient_get(mrn: String) -> PatientDto = |_app, d| d.run(|t, s| patients::get(t, s, &mrn));

    patient_edit(mrn: String, form: forms::Patient) -> PatientDto
        = |_app, d| d.run(|t, s| patients::edit(t, s, &mrn, &form.form()));

    // The chart.

    chart_banner(mrn: String) -> BannerDto = |_app, d| d.run(|t, s| chart::banner_of(t, s, &mrn));

    chart_summary(mrn: String) -> ChartSummaryDto
        = |_app, d| d.run(|t, s| chart::summary(t, s, &mrn));

    chart_lists(mrn: String) -> ChartListsDto = |_app, d| d.run(|t, s| chart::lists(t, s, &mrn));

    allergy_record(mrn: String, form: forms::Allergy) -> Uuid
        = |_app, d| d.run(|t, s| records::record_allergy(t, s, &mrn, &form.form()));

    allergy_none_known(mrn: String) -> ()
        = |_app, d| d.run(|t, s| records::no_known_allergies(t, s, &mrn));

    allergy_end(id: String, refuted: bool, why: String) -> Uuid
        = |_app, d| d.run(|t, s| records::end_allergy(t, s, &id, refuted, &why));

    problem_add(mrn: String, form: forms::Problem) -> Uuid
        = |_app, d| d.run(|t, s| records::add_problem(t, s, &mrn, &form.form()));

    problem_resolve(id: String, resolved_on: String) -> Uuid
        = |_app, d| d.run(|t, s| records::resolve_problem(t, s, &id, &resolved_on));

    medication_start(mrn: String, form: forms::Medication) -> Uuid
        = |_app, d| d.run(|t, s| records::start_medication(t, s, &mrn, &form.form()));

    medication_stop(id: String, stopped_on: String, reason: String) -> Uuid
        = |_app, d| d.run(|t, s| records::stop_medication(t, s, &id, &stopped_on, &reason));

    vitals_record(mrn: String, form: forms::Vitals) -> VitalsDto
        = |_app, d| d.run(|t, s| records::record_vitals(t, s, &mrn, &form.form(), None));

    immunization_record(mrn: String, form: forms::Immunization) -> Uuid
        = |_app, d| d.run(|t, s| records::record_immunization(t, s, &mrn, &form.form()));

    entered_in_error(id: String, reason: String) -> ()
        = |_app, d| d.run(|t, s| records::mark_entered_in_error(t, s, &id, &reason));

    icd_search(query: String, limit: usize) -> Vec<IcdDto>
        = |_app, d| d.run(|_, _| records::icd_search(&query, limit));

    // Visits and notes.

    visit_start(mrn: String, reason: String, template: Option<String>) -> VisitDto
        = |_app, d| d.run(|t, s| visits::start(t, s, &mrn, &reason, None, template.as_deref()));

    visit_get(id: String) -> VisitDto = |_app, d| d.run(|t, s| visits::get(t, s, &id));

    visit_list(mrn: String, limit: usize, offset: usize) -> Vec<VisitSummaryDto>
        = |_app, d| d.run(|t, s| visits::list(t, s, &mrn, limit, offset));

    note_edit(id: String, note: forms::Note) -> VisitDto
        = |_app, d| d.run(|t, s| visits::edit_note(t, s, &id, &note.form()));

    visit_sign(id: String) -> VisitDto = |_app, d| d.run(|t, s| visits::sign(t, s, &id));

    visit_addendum(id: String, text: String) -> VisitDto
        = |_app, d| d.run(|t, s| visits::add_addendum(t, s, &id, &text));

    note_templates() -> Vec<TemplateDto> = |_app, d| d.run(visits::templates);

    // Prescriptions.

    drug_search(query: String, limit: usize) -> Vec<DrugDto>
        = |_app, d| d.run(|t, s| rx::search_drugs(t, s, &query, limit));

    drug_add_strength(drug: String, strength: String) -> DrugDto
        = |_app, d| d.run(|t, s| rx::add_strength(t, s, &drug, &strength));

    rx_create(mrn: String, items: Vec<forms::Item>) -> RxDto
        = |_app, d| d.run(|t, s| rx::create_draft(t, s, &mrn, &forms::Item::forms(&items)));

    rx_edit(id: String, items: Vec<forms::Item>) -> RxDto
        = |_app, d| d.run(|t, s| rx::edit_draft(t, s, &id, &forms::Item::forms(&items)));

    rx_check(id: String) -> Vec<WarningDto> = |_app, d| d.run(|t, s| rx::check_draft(t, s, &id));

    rx_sign(id: String, reasons: Vec<(String, String)>) -> RxDto
        = |_app, d| d.run(|t, s| rx::sign(t, s, &id, &reasons));

    rx_cancel(id: String, reason: String) -> RxDto
        = |_app, d| d.run(|t, s| rx::cancel(t, s, &id, &reason));

    rx_renew(id: String) -> RxDto = |_app, d| d.run(|t, s| rx::renew(t, s, &id));

    rx_list(mrn: String) -> Vec<RxDto> = |_app, d| d.run(|t, s| rx::list(t, s, &mrn));

    rx_print(id: String) -> DocumentDto = |_app, d| d.print(|t, s| rx::print(t, s, &id));

    // The schedule.

    schedule_day(date: String, provider: Option<String>) -> DayDto
        = |_app, d| d.run(|t, s| schedule::day(t, s, &date, provider.as_deref()));

    schedule_week(date: String, provider: Option<String>) -> Vec<DayDto>
        = |_app, d| d.run(|t, s| schedule::week(t, s, &date, provider.as_deref()));

    /// Makes the rows of recurring series up to `through`, before the page shows days up to it.
    schedule_extend(through: String) -> usize
        = |_app, d| d.run(|t, s| schedule::extend_through(t, s, &through));

    schedule_setup() -> (Vec<AppointmentTypeDto>, Vec<RoomDto>)
        = |_app, d| d.run(|t, s| Ok((schedule::appointment_types(t, s)?, schedule::rooms(t, s)?)));

    appointment_book(form: forms::Booking) -> BookedDto
        = |_app, d| d.run(|t, s| schedule::book(t, s, &form.form()));

    appointment_move(
        id: String,
        at: Option<String>,
        provider: Option<String>,
        room: Option<String>,
        scope: Scope,
        override_conflicts: bool,
    ) -> BookedDto
        = |_app, d| {
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
    };

    appointment_cancel(id: String, reason: String, scope: Scope) -> Vec<AppointmentDto>
        = |_app, d| d.run(|t, s| schedule::cancel(t, s, &id, &reason, scope));

    appointment_check_in(id: String) -> AppointmentDto
        = |_app, d| d.run(|t, s| schedule::check_in(t, s, &id));

    appointment_undo_check_in(id: String) -> AppointmentDto
        = |_app, d| d.run(|t, s| schedule::undo_check_in(t, s, &id));

    appointment_start(id: String) -> AppointmentDto
        = |_app, d| d.run(|t, s| schedule::start(t, s, &id));

    appointment_complete(id: String) -> AppointmentDto
        = |_app, d| d.run(|t, s| schedule::complete(t, s, &id));

    appointment_no_show(id: String) -> AppointmentDto
        = |_app, d| d.run(|t, s| schedule::mark_no_show(t, s, &id));

    schedule_queue(date: Option<String>) -> Vec<QueueEntryDto>
        = |_app, d| d.run(|t, s| schedule::queue(t, s, date.as_deref()));

    schedule_free_slots(
        provider: Option<String>,
        type_name: String,
        from: String,
        limit: usize,
    ) -> Vec<SlotDto>
        = |_app, d| d.run(|t, s| {
            schedule::free_slots(t, s, provider.as_deref(), &type_name, &from, limit)
        });

    waitlist() -> Vec<WaitlistDto> = |_app, d| d.run(schedule::waitlist);

    waitlist_add(form: forms::Waitlist) -> WaitlistDto
        = |_app, d| d.run(|t, s| schedule::waitlist_add(t, s, &form.form()));

    waitlist_remove(id: String) -> ()
        = |_app, d| d.run(|t, s| schedule::waitlist_remove(t, s, &id));

    waitlist_book(
        id: String,
        at: String,
        provider: Option<String>,
        override_conflicts: bool,
    ) -> BookedDto
        = |_app, d| d.run(|t, s| {
            let provider = provider.as_deref();
            schedule::waitlist_book(t, s, &id, &at, provider, override_conflicts)
        });

    // Billing.

    fee_schedule(all: bool) -> Vec<FeeDto> = |_app, d| d.run(|t, s| fees::schedule(t, s, all));

    fee_save(form: forms::Fee) -> FeeDto
        = |_app, d| d.run(|t, s| fees::save_fee(t, s, &form.form()));

    fee_archive(code: String) -> () = |_app, d| d.run(|t, s| fees::archive_fee(t, s, &code));

    tax_rates() -> Vec<TaxRateDto> = |_app, d| d.run(fees::tax_rates);

    visit_services(visit: String) -> Vec<VisitServiceDto>
        = |_app, d| d.run(|t, s| fees::visit_services(t, s, &visit));

    visit_service_add(visit: String, code: String, quantity: String) -> Vec<VisitServiceDto>
        = |_app, d| d.run(|t, s| fees::add_visit_service(t, s, &visit, &code, &quantity));

    billable_visits(mrn: String) -> Vec<BillableVisitDto>
        = |_app, d| d.run(|t, s| invoices::billable_visits(t, s, &mrn));

    invoice_create(mrn: String, visit: Option<String>) -> InvoiceDto
        = |_app, d| d.run(|t, s| invoices::create(t, s, &mrn, visit.as_deref()));

    invoice_get(id: String) -> InvoiceDto = |_app, d| d.run(|t, s| invoices::get(t, s, &id));

    invoice_list(mrn: String) -> Vec<InvoiceDto>
        = |_app, d| d.run(|t, s| invoices::list(t, s, &mrn));

    invoice_add_line(id: String, line: forms::Line) -> InvoiceDto
        = |_app, d| d.run(|t, s| invoices::add_line(t, s, &id, &line.form()));

    invoice_remove_line(id: String, n: usize) -> InvoiceDto
        = |_app, d| d.run(|t, s| invoices::remove_line(t, s, &id, n));

    invoice_discount(id: String, discount: String) -> InvoiceDto
        = |_app, d| d.run(|t, s| invoices::set_discount(t, s, &id, &discount));

    invoice_delete(id: String) -> () = |_app, d| d.run(|t, s| invoices::delete_draft(t, s, &id));

    invoice_issue(id: String) -> InvoiceDto = |_app, d| d.run(|t, s| invoices::issue(t, s, &id));

    invoice_void(id: String, reason: String) -> InvoiceDto
        = |_app, d| d.run(|t, s| payments::void(t, s, &id, &reason));

    payment_refund(invoice: String, form: forms::Refund) -> PaymentTakenDto
        = |_app, d| d.run(|t, s| payments::refund(t, s, &invoice, &form.form()));

    /// `amount` empty credits all that is left on the invoice.
    credit_note_issue(invoice: String, amount: String, reason: String) -> CreditIssuedDto
        = |_app, d| d.run(|t, s| payments::credit_note(t, s, &invoice, &amount, &reason));

    payment_take(invoice: String, form: forms::Payment) -> PaymentTakenDto
        = |_app, d| d.run(|t, s| payments::pay(t, s, &invoice, &form.form()));

    account_balance(mrn: String) -> BalanceDto
        = |_app, d| d.run(|t, s| reports::balance(t, s, &mrn));

    unpaid_invoices(mrn: Option<String>) -> Vec<UnpaidDto>
        = |_app, d| d.run(|t, s| reports::unpaid(t, s, mrn.as_deref()));

    closeout(date: String, user: Option<String>) -> CloseoutDto
        = |_app, d| d.run(|t, s| reports::closeout(t, s, &date, user.as_deref()));

    invoice_print(id: String) -> DocumentDto
        = |_app, d| d.print(|t, s| printing::print_invoice(t, s, &id));

    receipt_print(number: String) -> DocumentDto
        = |_app, d| d.print(|t, s| printing::print_receipt(t, s, &number));

    statement_print(mrn: String, from: String, to: String) -> DocumentDto
        = |_app, d| d.print(|t, s| printing::print_statement(t, s, &mrn, &from, &to));

    closeout_print(date: String, user: Option<String>) -> DocumentDto
        = |_app, d| d.print(|t, s| printing::print_closeout(t, s, &date, user.as_deref()));

    // Administration.

    user_list() -> Vec<UserDto> = |_app, d| d.run(users::list);

    user_add(form: forms::User) -> UserDto = |_app, d| d.run(|t, s| users::add(t, s, &form.form()));

    user_set_roles(username: String, roles: String) -> UserDto
        = |_app, d| d.run(|t, s| users::set_roles(t, s, &username, &roles));

    user_set_disabled(username: String, disabled: bool) -> UserDto
        = |_app, d| d.run(|t, s| users::set_disabled(t, s, &username, disabled));

    user_unlock(username: String) -> UserDto
        = |_app, d| d.run(|t, s| users::unlock(t, s, &username));

    user_reset_password(username: String, password: String) -> UserDto
        = |_app, d| d.run(|t, s| users::reset_password(t, s, &username, &password));

    clinic_settings() -> ClinicDto = |_app, d| d.run(clinic::settings);

    clinic_update(form: forms::Settings) -> ClinicDto
        = |_app, d| d.run(|t, s| clinic::update_settings(t, s, &form.form()));

    clinic_letterhead(form: forms::Letterhead) -> ClinicDto
        = |_app, d| d.run(|t, s| clinic::update_letterhead(t, s, &form.form()));

    clinic_billing(form: forms::BillingSettings) -> ClinicDto
        = |_app, d| d.run(|t, s| clinic::update_billing_settings(t, s, &form.form()));

    /// The logo as the image file's bytes (PNG or JPEG), or none to remove it.
    clinic_logo(image: Option<Vec<u8>>) -> ClinicDto
        = |_app, d| d.run(|t, s| clinic::set_logo(t, s, image.as_deref()));

    clinic_idle_lock(minutes: String) -> ClinicDto
        = |_app, d| d.run(|t, s| clinic::set_idle_lock(t, s, &minutes));

    clinic_break_glass(minutes: String) -> ClinicDto
        = |_app, d| d.run(|t, s| clinic::set_break_glass(t, s, &minutes));

    clinic_keyring(keep: bool) -> ClinicDto
        = |_app, d| d.run(|t, s| clinic::set_keyring(t, s, keep));

    audit_verify() -> AuditVerifyDto = |_app, d| d.run(audit::verify);

    audit_search(filter: AuditSearch) -> Vec<AuditRowDto>
        = |_app, d| d.run(|t, s| audit::search(t, s, &filter));

    // Sync.

    app_join(form: JoinForm) -> DocumentDto = |_app, d| d.join(&form);

    sync_activity() -> SyncActivityDto = |_app, d| Ok(d.sync_activity());

    sync_status() -> SyncStatusDto = |_app, d| d.poll(sync::status);

    /// Starts a round in the background and returns at once; the badge follows its progress.
    sync_now() -> () = |app, _d| {
        std::thread::spawn(move || {
            use tauri::Manager;
            app.state::<Desktop>().sync_tick();
        });
        Ok(())
    };

    sync_connect(
        server: String,
        enrol_token: String,
        pin: Option<String>,
        insecure_http: bool,
    ) -> SyncStatusDto
        = |_app, d| {
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
    };

    sync_pairing_code() -> PairingCodeDto = |_app, d| d.run(sync::pairing_code);

    sync_conflicts() -> Vec<SyncConflictDto> = |_app, d| d.run(sync::conflicts);

    sync_resolve(conflict: String, value: String) -> ()
        = |_app, d| d.run(|t, s| sync::resolve(t, s, &conflict, &value));

    sync_devices() -> Vec<DeviceDto> = |_app, d| d.run(sync::devices);

    sync_revoke(device: String) -> () = |_app, d| d.run(|t, s| sync::revoke(t, s, &device));

    sync_quarantine() -> Vec<QuarantinedDto> = |_app, d| d.run(sync::quarantine);

    sync_pull_again() -> () = |_app, d| d.run(sync::pull_everything_again);

    sync_rotate_key() -> RotatedDto = |_app, d| d.run(sync::rotate_key);

    sync_allow_managing(device: String) -> ()
        = |_app, d| d.run(|t, s| sync::allow_managing(t, s, &device));

    sync_allow_insecure_http(allow: bool) -> ()
        = |_app, d| d.run(|t, s| sync::allow_insecure_http(t, s, allow));

    sync_disconnect() -> () = |_app, d| d.run(sync::disconnect);

    // Backups: the automatic ones (admins), the restore drill, and restores.

    backup_status() -> BackupStatusDto = |_app, d| d.run(auto::status);

    /// Whether this person should see the red backup badge (admins, no good backup within 26
    /// hours); polled, so it does not keep the session from locking.
    backup_overdue() -> bool = |_app, d| d.poll(auto::overdue_for);

    backup_folder_add(folder: String) -> DestinationDto
        = |_app, d| d.run(|t, s| auto::add_destination(t, s, &folder));

    backup_folder_remove(id: i64) -> ()
        = |_app, d| d.run(|t, s| auto::remove_destination(t, s, id));

    backup_schedule(
        at: String,
        keep_daily: String,
        keep_weekly: String,
        keep_monthly: String,
    ) -> BackupStatusDto
        = |_app, d| d.run(|t, s| {
            auto::set_schedule(t, s, &at, (&keep_daily, &keep_weekly, &keep_monthly))
        });

    /// Backs up to every folder now (an admin's "Back up now").
    backup_run_now() -> Vec<RunReportDto> = |_app, d| d.run(|t, s| auto::run_all(t, Some(s)));

    /// Where the restore or backup check under way has got (`null` when none is): the page polls
    /// it for its progress bar while the restore's own call waits.
    backup_step() -> Option<BackupStepDto> = |_app, d| Ok(d.backup_step());

    /// The restore drill: restores the backup into a temporary folder, runs every check, and says
    /// what it holds. `with` is `passphrase` or `recovery_key`; an admin checking a backup of this
    /// clinic needs neither.
    backup_check(path: String, with: UnlockWith, secret: String) -> BackupCheckDto
        = |_app, d| d.check_backup(&path, with, &secret);

    /// Replaces the clinic's database with a backup (admins); everyone signs in again after.
    backup_restore(path: String, replaces_desktop: Option<Replaces>) -> RestoreDto
        = |_app, d| d.restore(&path, replaces_desktop.unwrap_or_default());

    /// Sets this computer up from a backup (the first-run screen).
    app_restore(
        path: String,
        with: UnlockWith,
        secret: String,
        replaces_desktop: Option<Replaces>,
    ) -> RestoreDto
        = |_app, d| d.restore_first(&path, with, &secret, replaces_desktop.unwrap_or_default());

    /// The system's folder chooser, for a backup folder; the chosen path comes back to the form,
    /// where tend-core checks it like a typed one.
    pick_folder() -> Option<String> = |app, _d| {
        use tauri_plugin_dialog::DialogExt;
        Ok(app
            .dialog()
            .file()
            .blocking_pick_folder()
            .and_then(|p| p.into_path().ok())
            .map(|p| p.display().to_string()))
    };

    /// The system's file chooser, for a backup file to check or restore.
    pick_backup_file() -> Option<String> = |app, _d| {
        use tauri_plugin_dialog::DialogExt;
        Ok(app
            .dialog()
            .file()
            .add_filter("Tend backup", &["tendbackup"])
            .blocking_pick_file()
            .and_then(|p| p.into_path().ok())
            .map(|p| p.display().to_string()))
    };

    // Break-glass.

    /// Opens one patient's chart for 30 minutes for someone whose roles do not let them read it,
    /// after they give a reason; audited and flagged.
    chart_break_glass(mrn: String, reason: String) -> BreakGlassDto
        = |_app, d| d.run(|t, s| chart::break_glass(t, s, &mrn, &reason));

    /// Every break-glass opening on this desktop, for admins to review.
    audit_break_glass() -> Vec<BreakGlassRowDto> = |_app, d| d.run(audit::break_glass_review);
}
