// The shapes tend-core sends (tend_core::api and the DTOs beside the use cases). Amounts are
// decimal strings; instants are UTC ISO strings; local dates are `YYYY-MM-DD`.

export interface ApiError {
  code: string;
  message: string;
  field?: string;
  conflicts?: Conflict[];
  warnings?: RxWarning[];
}

export interface Start { stage: "setup" | "unlock" | "sign_in"; reason?: string; clinic_name?: string }
export interface SessionUser { user_id: string; username: string; display_name: string; roles: string[] }
export interface Desk {
  user: SessionUser; can: string[]; clinic_name: string; timezone: string; currency: string;
  locale: string; units: string; today: string; device_code: string; idle_lock_minutes: number; break_glass_minutes: number;
  audit_warning?: string;
}
export interface DocumentRef { id: number; number: string; file_name: string; pages: number }
export interface SetUp { desk: Desk; recovery_sheet: DocumentRef; keyring_saved: boolean }

export interface PatientSummary {
  id: string; mrn: string; display_name: string; given_name: string; family_name: string;
  birth_date: string; birth_date_estimated: boolean; age: string; sex: string; phone?: string | null;
  merged_into_mrn?: string | null;
}
export interface Duplicate { patient: PatientSummary; score: number; reasons: string[] }
export interface Phone { kind: string; number: string }
export interface Address { line1: string; line2?: string; city: string; region?: string; postal_code?: string; country?: string }
export interface Patient extends PatientSummary {
  preferred_name?: string | null; age_years: number; gender_identity?: string | null; phones: Phone[];
  email?: string | null; address?: Address | null; language?: string | null; front_desk_note?: string | null;
  national_id?: string | null;
}
export interface PatientForm {
  given_name: string; family_name: string; preferred_name: string; birth_date: string;
  estimated_age_years: string; sex: string; gender_identity: string; phones: string[]; email: string;
  address: Address | null; language: string; front_desk_note: string; national_id: string;
}

export interface Allergy {
  id: string; substance: string; category: string; reaction?: string | null; severity: string;
  note?: string | null; status: string; recorded_at: string;
}
export interface Banner {
  patient_id: string; mrn: string; display_name: string; birth_date: string; age: string; sex: string;
  allergies: { state: "not_asked" | "none_known" | "recorded"; active: Allergy[] };
  /** Safety-list fields two desktops changed at once, until a clinician chooses. */
  conflicts: string[];
}
export interface Problem { id: string; code?: string | null; display: string; onset?: string | null; resolved_on?: string | null; note?: string | null; status: string }
export interface Medication { id: string; drug: string; dose?: string | null; route?: string | null; frequency?: string | null; started_on: string; stopped_on?: string | null; stop_reason?: string | null; indication?: string | null; status: string }
export interface Measure { measure: string; canonical: number; shown: string; flag?: "low" | "high" | "critical" | null }
export interface Vitals { id: string; taken_at: string; measures: Measure[]; entered_in_error: boolean }
export interface Immunization { id: string; vaccine: string; given_on: string; lot?: string | null; site?: string | null; given_by?: string | null; entered_in_error: boolean }
export interface VisitSummary { id: string; starts_at: string; provider: string; reason?: string | null; status: string }
export interface TrendPoint { taken_at: string; values: number[] }
export interface ChartSummary {
  banner: Banner; problems: Problem[]; medications: Medication[]; last_visits: VisitSummary[];
  visit_count: number; latest_vitals?: Vitals | null; trends: { blood_pressure: TrendPoint[]; weight: TrendPoint[] };
}
export interface ChartLists {
  banner: Banner; allergies: Allergy[]; problems: Problem[]; medications: Medication[]; vitals: Vitals[];
  immunizations: Immunization[];
}
export interface Soap { subjective: string; objective: string; assessment: string; plan: string }
export interface Visit {
  id: string; patient_mrn: string; starts_at: string; provider: string; reason?: string | null; note: Soap;
  status: string; signed_at?: string | null; signed_by?: string | null; hash_holds: boolean;
  error_reason?: string | null; addenda: { text: string; recorded_at: string; recorded_by: string }[];
}
export interface Template { id: string; name: string; reason?: string | null; note: Soap; archived: boolean }
export interface Icd { code: string; description: string; billable: boolean }

export interface Drug {
  code: string; generic: string; class: string; class_label: string; forms: string[]; strengths: string[];
  routes: string[]; usual_adult_dose: string; max_daily?: string | null; brands: string[];
}
export interface RxWarning { kind: string; severity: "minor" | "moderate" | "major" | "contraindicated"; key: string; drug: string; other?: string | null; message: string }
export interface RxItemForm {
  drug: string; strength: string; form: string; dose: string; route: string; frequency: string;
  duration: string; quantity: string; refills: string; instructions: string;
}
export interface RxItem { title: string; drug: string; strength: string; form: string; dose: string; route: string; frequency: string; duration_days?: number | null; directions: string; quantity: string; refills: string; instructions?: string | null }
export interface Rx {
  id: string; number?: string | null; status: "draft" | "signed" | "cancelled"; patient_mrn: string;
  patient_name: string; prescriber: string; items: RxItem[]; overrides: { key: string; severity: string; message: string; reason: string }[];
  created_at: string; signed_at?: string | null;
}

export interface Conflict { kind: string; message: string; at: string; with?: string | null }
export interface Appointment {
  id: string; patient_mrn: string; patient_name: string; patient_phone?: string | null; provider_id: string;
  provider: string; room?: string | null; type_name: string; colour: string; starts_at: string; ends_at: string;
  local_start: string; local_end: string; status: string; series_id?: string | null; note?: string | null;
  checked_in_at?: string | null;
}
export interface ProviderDay { provider_id: string; provider: string; username: string; hours: string[]; breaks: string[]; day_off: boolean; appointments: Appointment[] }
export interface Day { date: string; timezone: string; providers: ProviderDay[] }
export interface Booked { appointments: Appointment[]; series_id?: string | null; overridden: Conflict[] }
export interface QueueEntry { position: number; appointment: Appointment; arrived_at: string; waiting_minutes: number; late_minutes: number }
export interface AppointmentType { id: string; name: string; minutes: number; colour: string; needs_room: boolean }
export interface Room { id: string; name: string; hours: string; breaks: string }
export interface Slot { provider_id: string; provider: string; room?: string | null; starts_at: string; local_start: string }
export interface WaitlistEntry { id: string; patient_mrn: string; patient_name: string; provider?: string | null; type_name: string; preference: string; note?: string | null; since: string; waiting_days: number }
export interface Booking {
  mrn: string; provider: string; type_name: string; at: string; room: string | null; note: string;
  override_conflicts: boolean; repeat: null | { frequency: unknown; end: unknown };
}

export interface PatientRef { mrn: string; name: string }
export interface InvoiceLine { line: number; code?: string | null; description: string; quantity: string; unit_price: string; tax_name: string; tax_percent: string; totals: { net: string; tax: string; gross: string; discount?: string } & Record<string, string> }
export interface Payment {
  id: string; number: string; kind: string; method: string; invoice_number?: string | null; patient: PatientRef;
  currency: string; amount: string; to_credit: string; tendered?: string | null; change: string; taken_by: string; taken_at: string;
}
export interface Invoice {
  id: string; number?: string | null; status: string; patient: PatientRef; visit_id?: string | null; currency: string;
  lines: InvoiceLine[]; subtotal: string; discounts: string; tax: string; total: string; paid: string; balance: string;
  patient_credit: string; payments: Payment[]; issued_at?: string | null; created_at: string; editable_here: boolean;
  refunded: string; credited: string; credit_notes: CreditNote[]; voided_at?: string | null; void_reason?: string | null;
}
export interface CreditNote { id: string; number: string; invoice_number: string; currency: string; amount: string; reason: string; issued_by: string; issued_at: string }
export interface CreditIssued { credit_note: CreditNote; invoice: Invoice }
export interface PaymentTaken { payment: Payment; invoice: Invoice }
export interface Unpaid { number: string; patient: PatientRef; issued_at: string; days: number; currency: string; total: string; balance: string }
export interface Fee { code: string; name: string; kind: string; price: string; currency: string; tax?: string | null; tax_percent: string; archived: boolean }
export interface Closeout {
  date: string; currency: string; methods: { method: string; payments: number; received: string; refunds: number; refunded: string; net: string }[];
  cash_expected: string; change_given: string; total_received: string; total_refunded: string; net: string;
  invoices_issued: number; invoiced: string; transactions: Payment[];
}
export interface User { id: string; username: string; display_name: string; roles: string[]; licence_number?: string | null; disabled: boolean; locked: boolean }
export interface Clinic {
  name: string; timezone: string; currency: string; units: string; device_code: string; address: string; phone: string;
  registration: string; paper: string; has_logo: boolean; locale: string; tax_id: string; invoice_footer: string;
  idle_lock_minutes: number;
  /** How long a break-glass opening of a chart lasts. */
  break_glass_minutes: number;
  /** This desktop keeps its database key in the OS keyring. */
  keyring: boolean;
}
export interface BillableVisit { id: string; starts_at: string; provider: string; services: number; invoice?: string | null }
export interface AuditRow { seq: number; at: string; user?: string | null; action: string; outcome: string; detail: unknown }
export interface AuditSearch { from: string; to: string; user: string; action: string; outcome: string; before: number | null; limit: number }

// Sync.
export interface SyncStatus {
  configured: boolean;
  server: string | null;
  device_code: string;
  last_ok: string | null;
  last_error: string | null;
  pending: number;
  cursor: number;
  conflicts: number;
  safety_conflicts: number;
  /** What is wrong though rounds finish, in words, most serious first. */
  problems: SyncProblem[];
  /** Plain http to a server on the clinic's network, as an admin allowed. */
  insecure: boolean;
  /** Trusts only the clinic's own server certificate. */
  pinned: boolean;
}
export interface SyncProblem { kind: "missing" | "quarantine" | "clock_ahead" | "key_change" | "plain_http"; serious: boolean; message: string }
export interface Quarantined { cursor: number; change_id: string; device: string; device_seq: number; reason: string; at: string }
export interface SyncActivity { running: boolean; pulled: number; cursor: number; head: number }
export interface ConflictValue { change_id: string; value: string; by: string; device: string; at: string; shown: boolean }
export interface SyncConflict {
  id: string; entity: string; record_id: string; patient_id: string | null; patient: string | null;
  mrn: string | null; field: string; safety: boolean; can_settle: boolean; values: ConflictValue[];
}
export interface SyncDevice {
  device_id: string; code: string; name: string | null; registered_at: string;
  revoked_at: string | null; last_seen_at: string | null; this_desktop: boolean;
  /** May pair desktops, revoke them and change the clinic key. */
  manager: boolean;
}
export interface PairingCode { code: string; expires_at: string }

export interface BackupCounts { patients: number; visits: number; invoices: number; prescriptions: number; appointments: number }
export interface BackupGood { at: string; file: string; bytes: number; counts: BackupCounts }
export interface BackupRun { at: string; good: boolean; file?: string | null; bytes?: number | null; message?: string | null; removed: boolean }
export interface BackupFolder {
  id: number; folder: string; last_good?: BackupGood | null; last_error?: { at: string; message: string } | null;
  next_due: string; due_now: boolean; kept: number; recent: BackupRun[];
}
export interface BackupStatus {
  at: string; timezone: string; retention: { daily: number; weekly: number; monthly: number };
  destinations: BackupFolder[]; last_good?: string | null; overdue: boolean; running: boolean;
}
export interface BackupRunReport {
  folder: string; good: boolean; file?: string | null; bytes?: number | null; counts?: BackupCounts | null;
  message?: string | null; removed: string[];
}
export interface SyncingDesktop { device_id: string; code: string; name: string }
export interface BackupCheck {
  file: { path: string; bytes: number; taken_at: string; tend_version: string; database_id: string };
  clinic_name: string; counts: BackupCounts; audit_entries: number; syncing?: SyncingDesktop | null;
}
/** Where a restore or a check of a backup has got (tend_store::backup::Step). */
export type BackupStep =
  | { step: "copying"; done: number; total: number }
  | { step: "checking" }
  | { step: "replacing" };
export interface Restored {
  backup_created_at: string; audit_entries: number; counts: BackupCounts; became?: "successor" | "copy" | null;
  previous_kept_at?: string | null;
}

export interface BreakGlass { mrn: string; until: string }
export interface BreakGlassRow { at: string; until: string; user: string; patient: string; mrn: string; reason: string }
