// The one place that talks to the Tauri shell. Everything else calls these typed functions;
// a failure arrives as a thrown `ApiError` ({code, message, field?}), never a bare string.
import { invoke } from "@tauri-apps/api/core";
import type * as T from "./types";

export type * from "./types";

/** Whether a thrown value is an error from tend-core. */
export function isApiError(e: unknown): e is T.ApiError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

let sessionLost: ((e: T.ApiError) => void) | null = null;

/** Who to tell when tend-core ends the session by itself (the idle lock, an account disabled). */
export function onSessionLost(f: ((e: T.ApiError) => void) | null) {
  sessionLost = f;
}

async function call<R>(command: string, args: Record<string, unknown> = {}): Promise<R> {
  try {
    return await invoke<R>(command, args);
  } catch (e) {
    if (isApiError(e)) {
      if (e.code === "session_locked" || e.code === "session_ended") sessionLost?.(e);
      throw e;
    }
    // The shell refused before tend-core ran (an argument the UI got wrong): still an ApiError.
    throw { code: "internal", message: String(e) } satisfies T.ApiError;
  }
}

export const api = {
  start: () => call<T.Start>("app_start"),
  setUp: (form: Record<string, string>) => call<T.SetUp>("app_set_up", { form }),
  unlock: (passphrase: string) => call<T.Start>("app_unlock", { passphrase }),
  signIn: (username: string, password: string) => call<T.Desk>("sign_in", { username, password }),
  signOut: () => call<void>("sign_out"),
  unlockAdmin: (username: string, withWhat: "passphrase" | "recovery_key", secret: string) =>
    call<void>("unlock_admin", { username, with: withWhat, secret }),
  desk: () => call<T.Desk>("desk"),

  documentBytes: async (id: number) => new Uint8Array(await call<ArrayBuffer>("document_bytes", { id })),
  /** Asks where to save (the shell opens the dialog) and saves; false when the person cancelled. */
  documentSave: (doc: T.DocumentRef) => call<boolean>("document_save", { id: doc.id }),
  /** The preview was closed: a recovery sheet is dropped then. */
  documentClose: (doc: T.DocumentRef) => call<void>("document_close", { id: doc.id }),

  patientSearch: (query: string, limit = 12) => call<T.PatientSummary[]>("patient_search", { query, limit }),
  patientDuplicates: (form: T.PatientForm) => call<T.Duplicate[]>("patient_duplicates", { form }),
  patientRegister: (form: T.PatientForm, anyway: boolean) =>
    call<T.Patient>("patient_register", { form, on_duplicates: anyway ? "register_anyway" : "refuse" }),
  patientGet: (mrn: string) => call<T.Patient>("patient_get", { mrn }),
  patientEdit: (mrn: string, form: T.PatientForm) => call<T.Patient>("patient_edit", { mrn, form }),

  banner: (mrn: string) => call<T.Banner>("chart_banner", { mrn }),
  summary: (mrn: string) => call<T.ChartSummary>("chart_summary", { mrn }),
  lists: (mrn: string) => call<T.ChartLists>("chart_lists", { mrn }),
  allergyRecord: (mrn: string, form: Record<string, string>) => call<string>("allergy_record", { mrn, form }),
  allergyNoneKnown: (mrn: string) => call<void>("allergy_none_known", { mrn }),
  allergyEnd: (id: string, refuted: boolean, why: string) => call<string>("allergy_end", { id, refuted, why }),
  problemAdd: (mrn: string, form: Record<string, string>) => call<string>("problem_add", { mrn, form }),
  problemResolve: (id: string, resolved_on: string) => call<string>("problem_resolve", { id, resolved_on }),
  medicationStart: (mrn: string, form: Record<string, string>) => call<string>("medication_start", { mrn, form }),
  medicationStop: (id: string, stopped_on: string, reason: string) =>
    call<string>("medication_stop", { id, stopped_on, reason }),
  vitalsRecord: (mrn: string, form: Record<string, string>) => call<T.Vitals>("vitals_record", { mrn, form }),
  immunizationRecord: (mrn: string, form: Record<string, string>) =>
    call<string>("immunization_record", { mrn, form }),
  enteredInError: (id: string, reason: string) => call<void>("entered_in_error", { id, reason }),
  icdSearch: (query: string, limit = 10) => call<T.Icd[]>("icd_search", { query, limit }),

  visitStart: (mrn: string, reason: string, template: string | null) =>
    call<T.Visit>("visit_start", { mrn, reason, template }),
  visitGet: (id: string) => call<T.Visit>("visit_get", { id }),
  visitList: (mrn: string, limit = 50, offset = 0) => call<T.VisitSummary[]>("visit_list", { mrn, limit, offset }),
  noteEdit: (id: string, note: Partial<T.Soap> & { reason?: string }) => call<T.Visit>("note_edit", { id, note }),
  visitSign: (id: string) => call<T.Visit>("visit_sign", { id }),
  visitAddendum: (id: string, text: string) => call<T.Visit>("visit_addendum", { id, text }),
  templates: () => call<T.Template[]>("note_templates"),

  drugSearch: (query: string, limit = 10) => call<T.Drug[]>("drug_search", { query, limit }),
  drugAddStrength: (drug: string, strength: string) => call<T.Drug>("drug_add_strength", { drug, strength }),
  rxCreate: (mrn: string, items: T.RxItemForm[]) => call<T.Rx>("rx_create", { mrn, items }),
  rxEdit: (id: string, items: T.RxItemForm[]) => call<T.Rx>("rx_edit", { id, items }),
  rxCheck: (id: string) => call<T.RxWarning[]>("rx_check", { id }),
  rxSign: (id: string, reasons: [string, string][]) => call<T.Rx>("rx_sign", { id, reasons }),
  rxCancel: (id: string, reason: string) => call<T.Rx>("rx_cancel", { id, reason }),
  rxRenew: (id: string) => call<T.Rx>("rx_renew", { id }),
  rxList: (mrn: string) => call<T.Rx[]>("rx_list", { mrn }),
  rxPrint: (id: string) => call<T.DocumentRef>("rx_print", { id }),

  day: (date: string, provider: string | null = null) => call<T.Day>("schedule_day", { date, provider }),
  week: (date: string, provider: string | null = null) => call<T.Day[]>("schedule_week", { date, provider }),
  /** Makes recurring series' rows up to `through` (a write; the day and week views only read). */
  scheduleExtend: (through: string) => call<number>("schedule_extend", { through }),
  scheduleSetup: () => call<[T.AppointmentType[], T.Room[]]>("schedule_setup"),
  book: (form: T.Booking) => call<T.Booked>("appointment_book", { form }),
  /** `null` keeps what the appointment has (its time, clinician or room). */
  move: (id: string, at: string | null, provider: string | null, room: string | null, override_conflicts: boolean) =>
    call<T.Booked>("appointment_move", { id, at, provider, room, scope: "one", override_conflicts }),
  cancel: (id: string, reason: string) => call<T.Appointment[]>("appointment_cancel", { id, reason, scope: "one" }),
  checkIn: (id: string) => call<T.Appointment>("appointment_check_in", { id }),
  undoCheckIn: (id: string) => call<T.Appointment>("appointment_undo_check_in", { id }),
  startAppointment: (id: string) => call<T.Appointment>("appointment_start", { id }),
  complete: (id: string) => call<T.Appointment>("appointment_complete", { id }),
  noShow: (id: string) => call<T.Appointment>("appointment_no_show", { id }),
  queue: (date: string | null = null) => call<T.QueueEntry[]>("schedule_queue", { date }),
  freeSlots: (provider: string | null, type_name: string, from: string, limit = 8) =>
    call<T.Slot[]>("schedule_free_slots", { provider, type_name, from, limit }),
  waitlist: () => call<T.WaitlistEntry[]>("waitlist"),
  waitlistAdd: (form: Record<string, string | null>) => call<T.WaitlistEntry>("waitlist_add", { form }),
  waitlistRemove: (id: string) => call<void>("waitlist_remove", { id }),
  waitlistBook: (id: string, at: string, provider: string | null) =>
    call<T.Booked>("waitlist_book", { id, at, provider, override_conflicts: false }),

  fees: (all = false) => call<T.Fee[]>("fee_schedule", { all }),
  feeSave: (form: Record<string, string>) => call<T.Fee>("fee_save", { form }),
  feeArchive: (code: string) => call<void>("fee_archive", { code }),
  billableVisits: (mrn: string) => call<T.BillableVisit[]>("billable_visits", { mrn }),
  invoiceCreate: (mrn: string, visit: string | null) => call<T.Invoice>("invoice_create", { mrn, visit }),
  invoiceGet: (id: string) => call<T.Invoice>("invoice_get", { id }),
  invoiceList: (mrn: string) => call<T.Invoice[]>("invoice_list", { mrn }),
  invoiceAddLine: (id: string, line: Record<string, string | null>) => call<T.Invoice>("invoice_add_line", { id, line }),
  invoiceRemoveLine: (id: string, n: number) => call<T.Invoice>("invoice_remove_line", { id, n }),
  invoiceDiscount: (id: string, discount: string) => call<T.Invoice>("invoice_discount", { id, discount }),
  invoiceDelete: (id: string) => call<void>("invoice_delete", { id }),
  invoiceIssue: (id: string) => call<T.Invoice>("invoice_issue", { id }),
  invoiceVoid: (id: string, reason: string) => call<T.Invoice>("invoice_void", { id, reason }),
  refund: (invoice: string, form: { method: string; amount: string; reason: string }) =>
    call<T.PaymentTaken>("payment_refund", { invoice, form }),
  /** `amount` empty credits all that is left on the invoice. */
  creditNote: (invoice: string, amount: string, reason: string) =>
    call<T.CreditIssued>("credit_note_issue", { invoice, amount, reason }),
  pay: (invoice: string, form: { method: string; amount: string; reference: string; note: string; keep_as_credit: boolean }) =>
    call<T.PaymentTaken>("payment_take", { invoice, form }),
  unpaid: (mrn: string | null = null) => call<T.Unpaid[]>("unpaid_invoices", { mrn }),
  closeout: (date: string, user: string | null = null) => call<T.Closeout>("closeout", { date, user }),
  invoicePrint: (id: string) => call<T.DocumentRef>("invoice_print", { id }),
  receiptPrint: (number: string) => call<T.DocumentRef>("receipt_print", { number }),
  statementPrint: (mrn: string, from: string, to: string) => call<T.DocumentRef>("statement_print", { mrn, from, to }),
  closeoutPrint: (date: string, user: string | null = null) => call<T.DocumentRef>("closeout_print", { date, user }),

  users: () => call<T.User[]>("user_list"),
  userAdd: (form: Record<string, string>) => call<T.User>("user_add", { form }),
  userSetRoles: (username: string, roles: string) => call<T.User>("user_set_roles", { username, roles }),
  userSetDisabled: (username: string, disabled: boolean) => call<T.User>("user_set_disabled", { username, disabled }),
  userUnlock: (username: string) => call<T.User>("user_unlock", { username }),
  userResetPassword: (username: string, password: string) =>
    call<T.User>("user_reset_password", { username, password }),
  clinic: () => call<T.Clinic>("clinic_settings"),
  clinicUpdate: (form: Record<string, string>) => call<T.Clinic>("clinic_update", { form }),
  clinicLetterhead: (form: Record<string, string>) => call<T.Clinic>("clinic_letterhead", { form }),
  clinicBilling: (form: Record<string, string>) => call<T.Clinic>("clinic_billing", { form }),
  clinicLogo: (image: Uint8Array | null) => call<T.Clinic>("clinic_logo", { image: image ? Array.from(image) : null }),
  clinicIdleLock: (minutes: string) => call<T.Clinic>("clinic_idle_lock", { minutes }),
  clinicBreakGlass: (minutes: string) => call<T.Clinic>("clinic_break_glass", { minutes }),
  clinicKeyring: (keep: boolean) => call<T.Clinic>("clinic_keyring", { keep }),
  auditSearch: (filter: T.AuditSearch) => call<T.AuditRow[]>("audit_search", { filter }),
  auditVerify: () => call<{ verified: number; intact: boolean }>("audit_verify"),

  /** Joins an existing clinic by pairing code; answers with this desktop's recovery sheet. */
  join: (form: { pairing_code: string; device_name: string; passphrase: string }) =>
    call<T.DocumentRef>("app_join", { form }),
  syncActivity: () => call<T.SyncActivity>("sync_activity"),
  syncStatus: () => call<T.SyncStatus>("sync_status"),
  syncNow: () => call<void>("sync_now"),
  syncConnect: (server: string, enrol_token: string, pin: string, insecure_http: boolean) =>
    call<T.SyncStatus>("sync_connect", { server, enrol_token, pin: pin.trim() || null, insecure_http }),
  syncPairingCode: () => call<T.PairingCode>("sync_pairing_code"),
  syncConflicts: () => call<T.SyncConflict[]>("sync_conflicts"),
  syncResolve: (conflict: string, value: string) => call<void>("sync_resolve", { conflict, value }),
  syncQuarantine: () => call<T.Quarantined[]>("sync_quarantine"),
  syncPullAgain: () => call<void>("sync_pull_again"),
  syncRotateKey: () => call<{ epoch: number }>("sync_rotate_key"),
  syncAllowManaging: (device: string) => call<void>("sync_allow_managing", { device }),
  syncAllowInsecureHttp: (allow: boolean) => call<void>("sync_allow_insecure_http", { allow }),
  syncDevices: () => call<T.SyncDevice[]>("sync_devices"),
  syncRevoke: (device: string) => call<void>("sync_revoke", { device }),
  syncDisconnect: () => call<void>("sync_disconnect"),

  backupStatus: () => call<T.BackupStatus>("backup_status"),
  backupOverdue: () => call<boolean>("backup_overdue"),
  backupFolderAdd: (folder: string) => call<T.BackupFolder>("backup_folder_add", { folder }),
  backupFolderRemove: (id: number) => call<void>("backup_folder_remove", { id }),
  backupSchedule: (at: string, keep: { daily: string; weekly: string; monthly: string }) =>
    call<T.BackupStatus>("backup_schedule", {
      at, keep_daily: keep.daily, keep_weekly: keep.weekly, keep_monthly: keep.monthly,
    }),
  backupRunNow: () => call<T.BackupRunReport[]>("backup_run_now"),
  /** The restore drill: a copy in a temporary folder, every check, and what it holds. */
  backupCheck: (path: string, withWhat: "passphrase" | "recovery_key", secret: string) =>
    call<T.BackupCheck>("backup_check", { path, with: withWhat, secret }),
  backupStep: () => call<T.BackupStep | null>("backup_step"),
  backupRestore: (path: string, replaces: "yes" | "no" | null) =>
    call<T.Restored>("backup_restore", { path, replaces_desktop: replaces }),
  restoreFirst: (path: string, withWhat: "passphrase" | "recovery_key", secret: string, replaces: "yes" | "no" | null) =>
    call<T.Restored>("app_restore", { path, with: withWhat, secret, replaces_desktop: replaces }),
  pickFolder: () => call<string | null>("pick_folder"),
  pickBackupFile: () => call<string | null>("pick_backup_file"),

  /** Opens one chart for 30 minutes in an emergency, with a reason; audited and reviewed. */
  breakGlass: (mrn: string, reason: string) => call<T.BreakGlass>("chart_break_glass", { mrn, reason }),
  breakGlassReview: () => call<T.BreakGlassRow[]>("audit_break_glass"),
};
