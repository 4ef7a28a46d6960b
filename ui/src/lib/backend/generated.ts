// Generated from src-tauri/src/commands.rs and the Rust types it names, by
// `cargo test -p tend-desktop generated`. Do not edit: change the Rust and run it.
/* eslint-disable */
import { call } from "./call";

export type AddendumDto = { text: string, recorded_at: string, recorded_by: string, };

export type Address = { line1: string, line2?: string, city: string, region?: string, postal_code?: string, country?: string, };

/**
 * A postal address as typed; empty parts are left out.
 */
export type AddressForm = { line1: string, line2: string, city: string, region: string, postal_code: string, country: string, };

/**
 * The allergy section in any view: not asked, none known, or the active ones.
 */
export type AllergiesDto = { 
/**
 * `not_asked`, `none_known` or `recorded`.
 */
state: string, active: Array<AllergyDto>, };

export type AllergyCategory = "medication" | "food" | "environment" | "other";

export type AllergyDto = { id: string, substance: string, category: AllergyCategory, reaction: string | null, severity: AllergySeverity, note: string | null, status: Status, recorded_at: string, };

export type AllergyForm = { substance: string, category: string, reaction: string, severity: string, note: string, };

export type AllergySeverity = "mild" | "moderate" | "severe";

/**
 * An error as the UI receives it: a stable code to branch on, a message for a person (in
 * English, and as a template with its values for a translation), the field it concerns when
 * there is one, and for a refused booking each conflict (to show inline).
 */
export type ApiError = { code: string, message: string, field?: string, 
/**
 * For a form of several items (a prescription's drugs): the one it concerns, from 1.
 */
item?: number, conflicts?: Array<ConflictDto>, 
/**
 * For a prescription refused at signing: each warning that needs a reason.
 */
warnings?: Array<WarningDto>, 
/**
 * What is wrong in words that go beside the field: the message without the field's name.
 */
reason?: string, template: string, 
/**
 * The reason (the words beside the field) with placeholders, filled from `params`.
 */
reason_template?: string, params: Record<string, string>, };

export type AppointmentDto = { id: string, patient_mrn: string, patient_name: string, patient_phone: string | null, provider_id: string, provider: string, room: string | null, type_name: string, colour: string, starts_at: string, ends_at: string, 
/**
 * Local to the clinic: `2026-11-25 09:00`.
 */
local_start: string, local_end: string, status: AppointmentStatus, series_id: string | null, note: string | null, cancel_reason: string | null, 
/**
 * Conflicts it was booked over on purpose.
 */
overrides: Array<ConflictKind>, checked_in_at: string | null, };

export type AppointmentStatus = "booked" | "checked_in" | "in_progress" | "completed" | "cancelled" | "no_show";

export type AppointmentTypeDto = { id: string, name: string, minutes: number, colour: string, needs_room: boolean, };

/**
 * The first place the audit chain does not hold, in words an auditor can act on.
 */
export type AuditBreakDto = { seq: number, problem: string, };

/**
 * One entry of a record's audit trail, with who did it by name.
 */
export type AuditRowDto = { 
/**
 * The row's place in the chain; the viewer pages back from the smallest shown.
 */
seq: number, at: string, user: string | null, action: string, outcome: string, detail: JsonValue, };

/**
 * The audit viewer's filters as typed: days are the clinic's local dates (`2026-11-24`), the
 * user a username, the action the start of its name; empty means any.
 */
export type AuditSearch = { from: string, to: string, user: string, action: string, outcome: string, before: number | null, limit: number, };

export type AuditVerifyDto = { 
/**
 * Entries whose links verified (all of them when the chain is intact).
 */
verified: number, intact: boolean, first_break: AuditBreakDto | null, };

/**
 * What a backup holds, read from a copy that passed every check a restore runs.
 */
export type BackupCheckDto = { file: BackupFileDto, clinic_name: string, counts: CountsDto, audit_entries: number, 
/**
 * The desktop the backup syncs as, when it is of a desktop that syncs: restoring it on
 * another computer asks whether that computer replaces it.
 */
syncing: SyncingDesktopDto | null, };

/**
 * What a backup file says of itself before it is unlocked: nothing in it is patient data.
 */
export type BackupFileDto = { path: string, bytes: number, taken_at: string, tend_version: string, database_id: DatabaseId, };

export type BackupStatusDto = { 
/**
 * The daily time, `HH:MM` in the clinic's time zone.
 */
at: string, timezone: string, retention: Retention, destinations: Array<DestinationDto>, 
/**
 * The newest good backup at any folder.
 */
last_good: string | null, 
/**
 * No good backup, or the newest is more than 26 hours old: admins see a red badge.
 */
overdue: boolean, running: boolean, };

/**
 * How far a restore or a check of a backup has got, for a progress bar.
 */
export type BackupStepDto = { "step": "copying", done: number, total: number, } | { "step": "checking" } | { "step": "replacing" };

export type BalanceDto = { patient: PatientRefDto, currency: string, 
/**
 * Still owed across all issued invoices.
 */
owed: string, 
/**
 * Kept for the patient from overpayments; pays later invoices.
 */
credit: string, unpaid: Array<UnpaidDto>, };

/**
 * What is always on screen above a chart.
 */
export type BannerDto = { patient_id: string, mrn: string, display_name: string, birth_date: string, age: string, sex: string, allergies: AllergiesDto, 
/**
 * Safety-list fields (date of birth, sex, identifiers) two desktops changed at once: the
 * record is flagged until a clinician chooses.
 */
conflicts: Array<string>, };

/**
 * A visit as the front desk sees it for billing: when, with whom, how many services were
 * recorded, and the invoice already made for it. No clinical content.
 */
export type BillableVisitDto = { id: string, starts_at: string, provider: string, services: number, 
/**
 * The invoice's number, `draft` for a draft, or none yet.
 */
invoice: string | null, };

export type BillingSettingsForm = { locale: string, tax_id: string, invoice_footer: string, };

/**
 * What a booking or move did.
 */
export type BookedDto = { appointments: Array<AppointmentDto>, series_id: string | null, 
/**
 * Conflicts booked over (only with an explicit override).
 */
overridden: Array<ConflictDto>, };

/**
 * The booking form.
 */
export type BookingForm = { mrn: string, provider: string, type_name: string, at: string, room?: string | null, note: string, override_conflicts: boolean, repeat?: RecurrenceRule | null, };

/**
 * A break-glass opening: the chart of `mrn` may be read by this person until `until`.
 */
export type BreakGlassDto = { mrn: string, until: string, };

/**
 * One break-glass opening, as the admins' review list shows it: who, whom, when and why.
 */
export type BreakGlassRowDto = { at: string, until: string, user: string, patient: string, mrn: string, reason: string, };

/**
 * A document's bytes, sent to the page as an `ArrayBuffer` rather than a JSON array.
 */
export type Bytes = ArrayBuffer;

/**
 * Every list of the chart in full, history included (entered-in-error items marked).
 */
export type ChartListsDto = { banner: BannerDto, allergies: Array<AllergyDto>, problems: Array<ProblemDto>, medications: Array<MedicationDto>, vitals: Array<VitalsDto>, immunizations: Array<ImmunizationDto>, };

/**
 * The chart at a glance, in one call.
 */
export type ChartSummaryDto = { banner: BannerDto, problems: Array<ProblemDto>, medications: Array<MedicationDto>, last_visits: Array<VisitSummaryDto>, visit_count: number, latest_vitals: VitalsDto | null, trends: TrendsDto, };

export type ClinicDto = { name: string, timezone: string, currency: string, 
/**
 * `metric` or `us`.
 */
units: string, device_code: string, schema_version: number, 
/**
 * The letterhead printed on documents: address lines joined by newlines.
 */
address: string, phone: string, registration: string, 
/**
 * `a4`, `letter` or `a5`.
 */
paper: string, has_logo: boolean, 
/**
 * How money and dates are written: `es-ES`.
 */
locale: string, 
/**
 * The tax number printed on invoices.
 */
tax_id: string, 
/**
 * Printed at the foot of invoices, receipts and statements.
 */
invoice_footer: string, 
/**
 * Minutes untouched before a desktop locks.
 */
idle_lock_minutes: number, 
/**
 * Minutes a break-glass opening of a chart lasts.
 */
break_glass_minutes: number, 
/**
 * This desktop keeps its database key in the OS keyring.
 */
keyring: boolean, };

export type CloseoutDto = { date: string, 
/**
 * The user it covers, or `None` for everyone.
 */
user: string | null, currency: string, 
/**
 * By method, in a fixed order; methods with nothing are left out.
 */
methods: Array<MethodTotalDto>, 
/**
 * What the cash drawer should hold beyond its float: cash received less cash refunded.
 */
cash_expected: string, 
/**
 * Change handed back with cash payments (already out of `received`).
 */
change_given: string, 
/**
 * Money received by every method that brings money in (not patient credit).
 */
total_received: string, 
/**
 * Money given back by every method that takes money out (not into patient credit).
 */
total_refunded: string, net: string, 
/**
 * Paid from patients' credit (no money changed hands).
 */
paid_from_credit: string, 
/**
 * Overpayments kept as patients' credit.
 */
kept_as_credit: string, invoices_issued: number, invoiced: string, invoices_voided: number, voided: string, credit_notes: number, credited: string, 
/**
 * Every payment and refund, in the order taken.
 */
transactions: Array<PaymentDto>, };

export type ConflictDto = { kind: ConflictKind, message: string, 
/**
 * The occurrence it concerns, local, for a series.
 */
at: string, with: string | null, };

export type ConflictKind = "provider_double_booked" | "room_double_booked" | "outside_hours" | "during_break" | "day_off" | "room_closed" | "no_room_free" | "in_past";

/**
 * One value of a conflicting field, as people read it.
 */
export type ConflictValueDto = { change_id: string, value: string, 
/**
 * Who made the edit and on which desktop, when.
 */
by: string, device: string, at: string, shown: boolean, };

/**
 * How many records a database holds: what a backup holds, and what a check read back.
 */
export type CountsDto = { patients: number, visits: number, invoices: number, prescriptions: number, appointments: number, };

/**
 * A credit note issued, with the invoice as it now stands.
 */
export type CreditIssuedDto = { credit_note: CreditNoteDto, invoice: InvoiceDto, };

export type CreditNoteDto = { id: string, number: string, invoice_number: string, currency: string, amount: string, reason: string, issued_by: string, issued_at: string, };

/**
 * One encrypted database; ties key slots and backups to the database they unlock.
 */
export type DatabaseId = string;

export type DayDto = { date: string, timezone: string, providers: Array<ProviderDayDto>, };

/**
 * What every screen of the desktop needs once someone has signed in: who they are, what they
 * may do (the action names of the permission table), and how the clinic writes dates, numbers
 * and money.
 */
export type DeskDto = { user: SessionDto, can: Array<Permission>, clinic_name: string, timezone: string, currency: string, locale: string, 
/**
 * Whether the locale groups a four-digit amount (`1.234,50 €`) or only five digits and more
 * (`1234,50 €`), as the paper's engine says: the page gives it to `Intl`, whose platform
 * ICU may be older than the paper's CLDR (WebKitGTK on Debian 12 still groups Italian).
 */
groups_four_digits: boolean, units: string, 
/**
 * Today where the clinic is: `2026-11-24`.
 */
today: string, device_code: string, idle_lock_minutes: number, 
/**
 * How long a break-glass opening lasts, for the form that offers one.
 */
break_glass_minutes: number, 
/**
 * What the quick audit check found at open, for an admin to see.
 */
audit_warning?: string, };

/**
 * One folder, as the admin screen shows it.
 */
export type DestinationDto = { id: number, folder: string, last_good: GoodBackupDto | null, 
/**
 * The last attempt, when it failed.
 */
last_error: FailureDto | null, next_due: string, due_now: boolean, 
/**
 * Good backups kept there.
 */
kept: number, recent: Array<RunDto>, };

/**
 * A device's short code, printed in the numbers it issues (`K7-000123`): one letter and one
 * digit, avoiding the look-alikes I, O, 0 and 1.
 */
export type DeviceCode = string;

/**
 * A device of the clinic as the server knows it.
 */
export type DeviceDto = { device_id: string, code: string, name: string | null, registered_at: string, revoked_at: string | null, last_seen_at: string | null, this_desktop: boolean, 
/**
 * May pair desktops, revoke them and change the clinic key.
 */
manager: boolean, };

/**
 * One installation of Tend on one desktop.
 */
export type DeviceId = string;

export type Discount = { "kind": "none" } | { "kind": "percent", "value": string } | { "kind": "amount", "value": string };

/**
 * A printed document held for the preview: its bytes are fetched separately.
 */
export type DocumentDto = { id: number, number: string, file_name: string, pages: number, };

export type DrugDto = { code: string, generic: string, class: string, class_label: string, forms: Array<string>, strengths: Array<string>, routes: Array<string>, usual_adult_dose: string, max_daily: string | null, brands: Array<string>, clinic_added: boolean, };

/**
 * A registered patient that may be the one being registered.
 */
export type DuplicateDto = { patient: PatientSummaryDto, 
/**
 * 0 to 100.
 */
score: number, 
/**
 * In words: "the same birth date".
 */
reasons: Array<string>, };

export type EmergencyContact = { name: string, relationship?: string, phone: string, };

/**
 * Who to call for the patient.
 */
export type EmergencyContactForm = { name: string, relationship: string, phone: string, };

export type EncounterStatus = "draft" | "signed" | "entered_in_error";

export type FailureDto = { at: string, message: string, };

export type FeeDto = { code: string, name: string, kind: string, price: string, currency: string, 
/**
 * The tax rate's name; `None` when not taxed.
 */
tax: string | null, tax_percent: string, tax_inclusive: boolean, archived: boolean, };

export type FeeForm = { code: string, name: string, kind: string, price: string, tax: string, };

export type FlagLevel = "low" | "high" | "critical";

export type Frequency = { "freq": "daily", every: number, } | { "freq": "weekly", every: number, } | { "freq": "monthly_by_day", every: number, } | { "freq": "monthly_by_weekday", every: number, };

export type GoodBackupDto = { at: string, file: string, bytes: number, counts: CountsDto, };

export type IcdDto = { code: string, description: string, billable: boolean, };

export type ImmunizationDto = { id: string, vaccine: string, given_on: string, lot: string | null, site: string | null, given_by: string | null, entered_in_error: boolean, };

export type ImmunizationForm = { vaccine: string, given_on: string, lot: string, site: string, given_by: string, };

export type Insurance = { payer: string, member_id: string, group?: string, };

/**
 * The patient's insurance card.
 */
export type InsuranceForm = { payer: string, member_id: string, group: string, };

export type InvoiceDto = { id: string, 
/**
 * `None` while a draft.
 */
number: string | null, 
/**
 * `draft`, `issued`, `partially_paid`, `paid`, `credited` or `void`.
 */
status: string, patient: PatientRefDto, visit_id: string | null, currency: string, lines: Array<LineDto>, discount: Discount, 
/**
 * Σ quantity × price.
 */
subtotal: string, 
/**
 * Line discounts and the invoice discount together.
 */
discounts: string, invoice_discount: string, tax: string, taxes: Array<TaxTotal>, total: string, paid: string, refunded: string, credited: string, balance: string, 
/**
 * The patient's credit, which can pay this invoice.
 */
patient_credit: string, payments: Array<PaymentDto>, credit_notes: Array<CreditNoteDto>, note: string | null, issued_at: string | null, issued_by: string | null, voided_at: string | null, void_reason: string | null, created_at: string, 
/**
 * Whether this desk can edit it (a draft made here).
 */
editable_here: boolean, };

/**
 * One prescription item as typed: every field text, checked by tend-core.
 */
export type ItemForm = { 
/**
 * A catalog code, a generic or brand name, or (not recommended) free text.
 */
drug: string, strength: string, form: string, dose: string, route: string, frequency: string, 
/**
 * Days (`7`, `7 days`, `2 weeks`); empty for ongoing.
 */
duration: string, 
/**
 * `21`, `21 capsules`, `1 inhaler`; empty to work it out from dose, frequency and days.
 */
quantity: string, refills: string, instructions: string, };

/**
 * What joining a clinic by pairing asks for, as the set-up screen sends it.
 */
export type JoinForm = { pairing_code: string, device_name: string, passphrase: string, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type LetterheadForm = { address: string, phone: string, registration: string, paper: string, };

export type LineDto = { 
/**
 * 1-based, as the desk counts.
 */
line: number, code: string | null, description: string, quantity: string, unit_price: string, discount: Discount, tax_name: string, tax_percent: string, tax_inclusive: boolean, totals: LineTotals, };

/**
 * An invoice line.
 */
export type LineForm = { code?: string | null, description?: string | null, quantity: string, unit_price?: string | null, discount?: string | null, tax?: string | null, };

export type LineTotals = { 
/**
 * Quantity × unit price.
 */
gross: string, line_discount: string, 
/**
 * This line's share of the invoice discount.
 */
invoice_discount: string, 
/**
 * What tax is worked on: gross less both discounts.
 */
taxable: string, 
/**
 * The amount before tax.
 */
base: string, tax: string, 
/**
 * What the patient pays for this line.
 */
total: string, };

export type Measure = "systolic" | "diastolic" | "pulse" | "temperature" | "respiratory_rate" | "spo2" | "weight" | "height" | "head_circumference" | "bmi";

/**
 * One measurement, shown in the clinic's units, with its flag.
 */
export type MeasureDto = { measure: Measure, 
/**
 * In canonical units (mmHg, /min, tenths of °C, %, g, mm, tenths of kg/m²).
 */
canonical: number, 
/**
 * `37.1 °C`.
 */
shown: string, flag?: FlagLevel, };

export type MedicationDto = { id: string, drug: string, dose: string | null, route: string | null, frequency: string | null, started_on: string, stopped_on: string | null, stop_reason: string | null, indication: string | null, status: Status, };

export type MedicationForm = { drug: string, dose: string, route: string, frequency: string, started_on: string, indication: string, };

export type MethodTotalDto = { method: string, payments: number, 
/**
 * Money received: applied to invoices plus kept as credit (for cash, net of change).
 */
received: string, refunds: number, refunded: string, 
/**
 * Received less refunded.
 */
net: string, };

/**
 * The visit note's parts as typed; a part left out stays as it is.
 */
export type NoteForm = { reason?: string | null, subjective?: string | null, objective?: string | null, assessment?: string | null, plan?: string | null, };

/**
 * What to do when the new patient looks like someone already registered.
 */
export type OnDuplicates = "refuse" | "register_anyway";

/**
 * A warning signed over, with the prescriber's reason.
 */
export type OverrideDto = { key: string, kind: WarningKind, severity: Severity, message: string, reason: string, };

/**
 * A one-time pairing code for another desktop of this clinic.
 */
export type PairingCodeDto = { code: string, expires_at: string, };

/**
 * Everything registration holds about a patient.
 */
export type PatientDto = { id: PatientId, mrn: string, display_name: string, given_name: string, family_name: string, preferred_name: string | null, birth_date: string, birth_date_estimated: boolean, age: string, age_years: number, sex: string, gender_identity: string | null, phones: Array<Phone>, email: string | null, address: Address | null, 
/**
 * The address as written on an envelope (`Address::lines`, as the invoice prints it).
 */
address_lines: Array<string>, emergency_contact: EmergencyContact | null, language: string | null, front_desk_note: string | null, national_id: string | null, insurance: Insurance | null, };

/**
 * The registration and edit form of a patient, as typed.
 */
export type PatientForm = { given_name: string, family_name: string, preferred_name: string, 
/**
 * `YYYY-MM-DD`, or `DD/MM/YYYY`, or `DD.MM.YYYY`.
 */
birth_date: string, 
/**
 * For a patient who does not know their birth date: their age in years.
 */
estimated_age_years: string, sex: string, gender_identity: string, 
/**
 * `kind:number` or just `number` (mobile), one per entry.
 */
phones: Array<string>, email: string, address?: AddressForm | null, emergency_contact?: EmergencyContactForm | null, language: string, front_desk_note: string, national_id: string, insurance?: InsuranceForm | null, };

/**
 * A patient.
 */
export type PatientId = string;

export type PatientRefDto = { mrn: string, name: string, };

/**
 * A search hit or a duplicate candidate: enough to tell people apart.
 */
export type PatientSummaryDto = { id: PatientId, mrn: string, display_name: string, given_name: string, family_name: string, birth_date: string, birth_date_estimated: boolean, 
/**
 * `47 y`, `8 mo`, `12 d`.
 */
age: string, sex: string, phone: string | null, 
/**
 * When this record was merged: the MRN of the one it now lives in.
 */
merged_into_mrn?: string, };

export type PaymentDto = { id: string, 
/**
 * The receipt number.
 */
number: string, 
/**
 * `payment` or `refund`.
 */
kind: string, method: string, invoice_number: string | null, patient: PatientRefDto, currency: string, 
/**
 * What the invoice received, or what was given back.
 */
amount: string, 
/**
 * Kept as the patient's credit.
 */
to_credit: string, 
/**
 * For cash: what was handed over, and the change given.
 */
tendered: string | null, change: string, reference: string | null, note: string | null, taken_by: string, taken_at: string, };

export type PaymentForm = { method: string, amount: string, reference: string, note: string, keep_as_credit: boolean, };

/**
 * A payment taken, with the invoice as it now stands.
 */
export type PaymentTakenDto = { payment: PaymentDto, invoice: InvoiceDto, };

/** An action of the permission table, as `DeskDto.can` lists those the person may do. */
export type Permission = "user.list" | "user.manage" | "user.own_password" | "clinic.view" | "clinic.edit" | "audit.review" | "backup.create" | "backup.restore" | "passphrase.change" | "patient.search" | "patient.view" | "patient.register" | "patient.edit" | "patient.merge" | "chart.read" | "note.read" | "chart.break_glass" | "note.write" | "note.sign" | "note.addendum" | "note_template.edit" | "allergy.write" | "problem.write" | "medication.write" | "vitals.write" | "immunization.write" | "schedule.view" | "schedule.book" | "schedule.setup" | "rx.write" | "rx.sign" | "rx.cancel" | "rx.view" | "rx.print" | "drug_catalog.edit" | "billing.view" | "fee_schedule.edit" | "visit_service.write" | "invoice.write" | "payment.take" | "payment.refund" | "invoice.void" | "credit_note.issue" | "closeout.view" | "sync.manage" | "sync.view" | "conflict.resolve" | "conflict.resolve_safety";

export type Phone = { kind: PhoneKind, 
/**
 * As the person wrote it, trimmed.
 */
number: string, };

export type PhoneKind = "mobile" | "home" | "work" | "other";

export type ProblemDto = { id: string, code: string | null, display: string, onset: string | null, resolved_on: string | null, note: string | null, status: Status, };

export type ProblemForm = { code: string, description: string, onset: string, note: string, };

/**
 * One clinician's day.
 */
export type ProviderDayDto = { provider_id: string, provider: string, 
/**
 * What booking and filters take.
 */
username: string, 
/**
 * Working hours, local: `09:00-14:00`.
 */
hours: Array<string>, breaks: Array<string>, day_off: boolean, appointments: Array<AppointmentDto>, };

/**
 * An envelope kept in quarantine, for the admin's list.
 */
export type QuarantinedDto = { cursor: number, change_id: string, 
/**
 * The desktop it came from, as people read it.
 */
device: string, device_seq: number, reason: string, at: string, };

export type QueueEntryDto = { 
/**
 * 1 for the patient who arrived first.
 */
position: number, appointment: AppointmentDto, arrived_at: string, waiting_minutes: number, 
/**
 * Minutes after the booked time they arrived (negative: early).
 */
late_minutes: number, };

export type RecurrenceEnd = { "until": string } | { "count": number };

export type RecurrenceRule = { frequency: Frequency, end: RecurrenceEnd, };

export type RefundForm = { method: string, amount: string, reason: string, };

/**
 * Whether this computer replaces the desktop a backup came from, when that desktop syncs and
 * is not this one. Asked of the admin: a copy must never silently take over another desktop's
 * sync identity (that desktop would stop syncing).
 */
export type Replaces = "ask" | "yes" | "no";

export type RestoreDto = { database_id: DatabaseId, backup_created_at: string, audit_entries: number, counts: CountsDto, 
/**
 * For a backup of a desktop that syncs: `successor` (this computer replaces it) or `copy`
 * (a copy that does not sync).
 */
became: string | null, previous_kept_at: string | null, };

/**
 * How many backups a destination keeps: the newest of each of the last `daily` days, `weekly`
 * weeks and `monthly` months that have one (the newest backup of all is always kept).
 */
export type Retention = { daily: number, weekly: number, monthly: number, };

export type RoomDto = { id: string, name: string, 
/**
 * `mon-fri 08:00-20:00`.
 */
hours: string, breaks: string, };

/**
 * What changing the clinic key did.
 */
export type RotatedDto = { epoch: number, };

export type RunDto = { at: string, good: boolean, file: string | null, bytes: number | null, message: string | null, removed: boolean, };

/**
 * What one folder's automatic backup did.
 */
export type RunReportDto = { folder: string, good: boolean, file: string | null, bytes: number | null, counts: CountsDto | null, 
/**
 * Why it failed, in words.
 */
message: string | null, 
/**
 * Older backups retention removed there after this one was verified.
 */
removed: Array<string>, };

export type RxDto = { id: string, number: string | null, status: RxStatus, patient_mrn: string, patient_name: string, prescriber: string, prescriber_licence: string | null, items: Array<RxItemDto>, overrides: Array<OverrideDto>, created_at: string, signed_at: string | null, cancelled_at: string | null, cancel_reason: string | null, renewed_from: string | null, };

export type RxItemDto = { 
/**
 * `amoxicillin 500 mg capsule`.
 */
title: string, drug: string, drug_code: string | null, strength: string, form: string, dose: string, route: string, frequency: string, duration_days: number | null, 
/**
 * The directions in full words.
 */
directions: string, 
/**
 * `21 (twenty-one) capsules`.
 */
quantity: string, refills: string, instructions: string | null, };

export type RxStatus = "draft" | "signed" | "cancelled";

/**
 * Which appointments of a series an edit touches.
 */
export type Scope = "one" | "this_and_following" | "all";

export type SessionDto = { user_id: UserId, username: string, display_name: string, roles: Array<string>, };

/**
 * The clinic just set up, with its recovery sheet ready to print.
 */
export type SetUpDto = { desk: DeskDto, recovery_sheet: DocumentDto, 
/**
 * Whether the OS keyring took the key (otherwise the passphrase is asked at every start).
 */
keyring_saved: boolean, };

export type SettingsForm = { name: string, timezone: string, currency: string, units: string, };

/**
 * The set-up wizard.
 */
export type SetupForm = { clinic_name: string, timezone: string, currency: string, device_name: string, admin_username: string, admin_display_name: string, admin_password: string, passphrase: string, units: string, };

/**
 * How serious a warning is. Everything from `Moderate` up needs a reason to override.
 */
export type Severity = "minor" | "moderate" | "major" | "contraindicated";

export type SlotDto = { provider_id: string, provider: string, room: string | null, starts_at: string, ends_at: string, local_start: string, };

/**
 * The four parts of a visit note.
 */
export type Soap = { subjective: string, objective: string, assessment: string, plan: string, };

/**
 * Where the desktop stands, for the first screen it shows.
 */
export type StartDto = { 
/**
 * `setup`, `unlock` or `sign_in`.
 */
stage: "setup" | "unlock" | "sign_in", 
/**
 * Why the passphrase is asked for (no keyring, or its key does not fit).
 */
reason?: string, 
/**
 * The clinic's name once it is open.
 */
clinic_name?: string, };

/**
 * Whether an item is in the current list.
 */
export type Status = "active" | "inactive" | "refuted" | "entered_in_error";

/**
 * What the background sync is doing, for the status badge and the progress of a large pull.
 */
export type SyncActivityDto = { running: boolean, 
/**
 * Changes pulled so far in the round running, and how many the server holds in all.
 */
pulled: number, cursor: number, head: number, };

export type SyncConflictDto = { id: string, entity: string, record_id: string, 
/**
 * The patient the record belongs to, when it is about one, so the list can name them.
 */
patient_id: string | null, patient: string | null, mrn: string | null, field: string, safety: boolean, 
/**
 * Whether the person asking may choose the value (the permission to write the field and
 * to read it); the list says who can otherwise.
 */
can_settle: boolean, values: Array<ConflictValueDto>, };

/**
 * Something wrong with sync that a finished round does not show: changes that did not open,
 * changes the server has not sent, another desktop's clock far ahead.
 */
export type SyncProblemDto = { 
/**
 * `missing`, `quarantine` or `clock_ahead`.
 */
kind: string, 
/**
 * Shown as an error (changes may be missing here) rather than a warning.
 */
serious: boolean, message: string, };

/**
 * Where this desktop's sync stands, for the status badge and the sync screen.
 */
export type SyncStatusDto = { 
/**
 * Whether a server is configured at all.
 */
configured: boolean, server: string | null, device_code: string, 
/**
 * RFC 3339 of the last round that finished.
 */
last_ok: string | null, 
/**
 * What stopped the last round, if it failed after the last success.
 */
last_error: string | null, 
/**
 * This desktop's changes the server has not acknowledged.
 */
pending: number, cursor: number, conflicts: number, safety_conflicts: number, 
/**
 * What is wrong with sync though rounds finish, in words, most serious first.
 */
problems: Array<SyncProblemDto>, 
/**
 * Plain http to a server on the clinic's network, as an admin allowed: the badge says so.
 */
insecure: boolean, 
/**
 * The desktop trusts only the clinic's own server certificate (its pin).
 */
pinned: boolean, };

/**
 * A desktop that syncs, as a backup of it names it.
 */
export type SyncingDesktopDto = { device_id: DeviceId, code: DeviceCode, name: string, };

export type TaxRateDto = { id: string, name: string, percent: string, 
/**
 * Prices already include it.
 */
inclusive: boolean, archived: boolean, };

/**
 * Tax by rate, as an invoice shows it.
 */
export type TaxTotal = { name: string, percent: string, inclusive: boolean, base: string, tax: string, };

export type TemplateDto = { id: string, name: string, reason: string | null, note: Soap, archived: boolean, };

/**
 * One point of a trend line.
 */
export type TrendPointDto = { taken_at: string, values: Array<number>, };

export type TrendsDto = { 
/**
 * `[systolic, diastolic]`, oldest first.
 */
blood_pressure: Array<TrendPointDto>, 
/**
 * `[grams]`, oldest first.
 */
weight: Array<TrendPointDto>, };

/**
 * Which secret opens the clinic's key where the keyring cannot: the clinic passphrase or the
 * recovery key printed at set-up.
 */
export type UnlockWith = "passphrase" | "recovery_key";

export type UnpaidDto = { number: string, patient: PatientRefDto, issued_at: string, 
/**
 * Days since it was issued, in the clinic's calendar.
 */
days: number, currency: string, total: string, balance: string, };

export type UserDto = { id: UserId, username: string, display_name: string, roles: Array<string>, licence_number: string | null, disabled: boolean, locked: boolean, };

export type UserForm = { username: string, display_name: string, roles: string, licence_number: string, password: string, };

/**
 * A person who signs in to Tend.
 */
export type UserId = string;

export type VisitDto = { id: string, patient_mrn: string, starts_at: string, provider: string, reason: string | null, note: Soap, status: EncounterStatus, signed_at: string | null, signed_by: string | null, content_hash: string | null, 
/**
 * False when a signed note no longer matches its hash (changed behind the app's back).
 */
hash_holds: boolean, error_reason: string | null, addenda: Array<AddendumDto>, };

export type VisitServiceDto = { id: string, code: string, name: string, quantity: string, };

export type VisitSummaryDto = { id: string, starts_at: string, provider: string, reason: string | null, status: EncounterStatus, };

export type VitalsDto = { id: string, taken_at: string, measures: Array<MeasureDto>, entered_in_error: boolean, };

/**
 * Vital signs as typed, in the clinic's units; a field left empty was not measured.
 */
export type VitalsForm = { 
/**
 * `120/80`.
 */
blood_pressure: string, pulse: string, temperature: string, respiratory_rate: string, spo2: string, weight: string, height: string, head_circumference: string, };

export type WaitlistDto = { id: string, patient_mrn: string, patient_name: string, patient_phone: string | null, provider: string | null, type_name: string, 
/**
 * In words: `mon,wed 09:00-12:00 from 2026-11-25`.
 */
preference: string, note: string | null, since: string, waiting_days: number, };

/**
 * The waitlist form.
 */
export type WaitlistForm = { mrn: string, provider?: string | null, type_name: string, prefer: string, earliest: string, latest: string, note: string, };

/**
 * A finding of the safety checks, for a person to read and, from moderate up, sign over with a
 * reason.
 */
export type WarningDto = { kind: WarningKind, severity: Severity, 
/**
 * Stable for the same finding: the reason given at signing is matched by it.
 */
key: string, 
/**
 * The prescribed drug it concerns (generic name).
 */
drug: string, 
/**
 * The other drug or the allergy, when there is one.
 */
other: string | null, 
/**
 * Why, for a person: what was found and what it means.
 */
message: string, };

export type WarningKind = "allergies_not_asked" | "allergy" | "cross_reactivity" | "interaction" | "duplicate_therapy" | "same_drug" | "max_dose" | "child_dose" | "no_recent_weight" | "not_in_catalog";

/** Every command of the desktop shell, as a typed function. */
export const commands = {
  appStart: () => call<StartDto>("app_start"),
  appSetUp: (form: SetupForm) => call<SetUpDto>("app_set_up", { form }),
  appUnlock: (passphrase: string) => call<StartDto>("app_unlock", { passphrase }),
  signIn: (username: string, password: string) => call<DeskDto>("sign_in", { username, password }),
  unlockAdmin: (username: string, with_: UnlockWith, secret: string) => call<null>("unlock_admin", { username, with: with_, secret }),
  signOut: () => call<null>("sign_out"),
  desk: () => call<DeskDto>("desk"),
  documentBytes: (id: number) => call<Bytes>("document_bytes", { id }),
  /** Asks where to save in the system's own dialog, opened here so the page never names a path; false when the person cancelled it. */
  documentSave: (id: number) => call<boolean>("document_save", { id }),
  documentClose: (id: number) => call<null>("document_close", { id }),
  patientSearch: (query: string, limit: number) => call<Array<PatientSummaryDto>>("patient_search", { query, limit }),
  patientDuplicates: (form: PatientForm) => call<Array<DuplicateDto>>("patient_duplicates", { form }),
  patientRegister: (form: PatientForm, on_duplicates: OnDuplicates) => call<PatientDto>("patient_register", { form, on_duplicates }),
  patientGet: (mrn: string) => call<PatientDto>("patient_get", { mrn }),
  patientEdit: (mrn: string, form: PatientForm) => call<PatientDto>("patient_edit", { mrn, form }),
  chartBanner: (mrn: string) => call<BannerDto>("chart_banner", { mrn }),
  chartSummary: (mrn: string) => call<ChartSummaryDto>("chart_summary", { mrn }),
  chartLists: (mrn: string) => call<ChartListsDto>("chart_lists", { mrn }),
  allergyRecord: (mrn: string, form: AllergyForm) => call<string>("allergy_record", { mrn, form }),
  allergyNoneKnown: (mrn: string) => call<null>("allergy_none_known", { mrn }),
  allergyEnd: (id: string, refuted: boolean, why: string) => call<string>("allergy_end", { id, refuted, why }),
  problemAdd: (mrn: string, form: ProblemForm) => call<string>("problem_add", { mrn, form }),
  problemResolve: (id: string, resolved_on: string) => call<string>("problem_resolve", { id, resolved_on }),
  medicationStart: (mrn: string, form: MedicationForm) => call<string>("medication_start", { mrn, form }),
  medicationStop: (id: string, stopped_on: string, reason: string) => call<string>("medication_stop", { id, stopped_on, reason }),
  vitalsRecord: (mrn: string, form: VitalsForm) => call<VitalsDto>("vitals_record", { mrn, form }),
  immunizationRecord: (mrn: string, form: ImmunizationForm) => call<string>("immunization_record", { mrn, form }),
  enteredInError: (id: string, reason: string) => call<null>("entered_in_error", { id, reason }),
  icdSearch: (query: string, limit: number) => call<Array<IcdDto>>("icd_search", { query, limit }),
  visitStart: (mrn: string, reason: string, template: string | null) => call<VisitDto>("visit_start", { mrn, reason, template }),
  visitGet: (id: string) => call<VisitDto>("visit_get", { id }),
  visitList: (mrn: string, limit: number, offset: number) => call<Array<VisitSummaryDto>>("visit_list", { mrn, limit, offset }),
  noteEdit: (id: string, note: NoteForm) => call<VisitDto>("note_edit", { id, note }),
  visitSign: (id: string) => call<VisitDto>("visit_sign", { id }),
  visitAddendum: (id: string, text: string) => call<VisitDto>("visit_addendum", { id, text }),
  noteTemplates: () => call<Array<TemplateDto>>("note_templates"),
  drugSearch: (query: string, limit: number) => call<Array<DrugDto>>("drug_search", { query, limit }),
  drugAddStrength: (drug: string, strength: string) => call<DrugDto>("drug_add_strength", { drug, strength }),
  rxCreate: (mrn: string, items: Array<ItemForm>) => call<RxDto>("rx_create", { mrn, items }),
  rxEdit: (id: string, items: Array<ItemForm>) => call<RxDto>("rx_edit", { id, items }),
  rxCheck: (id: string) => call<Array<WarningDto>>("rx_check", { id }),
  rxSign: (id: string, reasons: Array<[string, string]>) => call<RxDto>("rx_sign", { id, reasons }),
  rxCancel: (id: string, reason: string) => call<RxDto>("rx_cancel", { id, reason }),
  rxRenew: (id: string) => call<RxDto>("rx_renew", { id }),
  rxList: (mrn: string) => call<Array<RxDto>>("rx_list", { mrn }),
  rxPrint: (id: string) => call<DocumentDto>("rx_print", { id }),
  scheduleDay: (date: string, provider: string | null) => call<DayDto>("schedule_day", { date, provider }),
  scheduleWeek: (date: string, provider: string | null) => call<Array<DayDto>>("schedule_week", { date, provider }),
  /** Makes the rows of recurring series up to `through`, before the page shows days up to it. */
  scheduleExtend: (through: string) => call<number>("schedule_extend", { through }),
  scheduleSetup: () => call<[Array<AppointmentTypeDto>, Array<RoomDto>]>("schedule_setup"),
  appointmentBook: (form: BookingForm) => call<BookedDto>("appointment_book", { form }),
  appointmentMove: (id: string, at: string | null, provider: string | null, room: string | null, scope: Scope, override_conflicts: boolean) => call<BookedDto>("appointment_move", { id, at, provider, room, scope, override_conflicts }),
  appointmentCancel: (id: string, reason: string, scope: Scope) => call<Array<AppointmentDto>>("appointment_cancel", { id, reason, scope }),
  appointmentCheckIn: (id: string) => call<AppointmentDto>("appointment_check_in", { id }),
  appointmentUndoCheckIn: (id: string) => call<AppointmentDto>("appointment_undo_check_in", { id }),
  appointmentStart: (id: string) => call<AppointmentDto>("appointment_start", { id }),
  appointmentComplete: (id: string) => call<AppointmentDto>("appointment_complete", { id }),
  appointmentNoShow: (id: string) => call<AppointmentDto>("appointment_no_show", { id }),
  scheduleQueue: (date: string | null) => call<Array<QueueEntryDto>>("schedule_queue", { date }),
  scheduleFreeSlots: (provider: string | null, type_name: string, from: string, limit: number) => call<Array<SlotDto>>("schedule_free_slots", { provider, type_name, from, limit }),
  waitlist: () => call<Array<WaitlistDto>>("waitlist"),
  waitlistAdd: (form: WaitlistForm) => call<WaitlistDto>("waitlist_add", { form }),
  waitlistRemove: (id: string) => call<null>("waitlist_remove", { id }),
  waitlistBook: (id: string, at: string, provider: string | null, override_conflicts: boolean) => call<BookedDto>("waitlist_book", { id, at, provider, override_conflicts }),
  feeSchedule: (all: boolean) => call<Array<FeeDto>>("fee_schedule", { all }),
  feeSave: (form: FeeForm) => call<FeeDto>("fee_save", { form }),
  feeArchive: (code: string) => call<null>("fee_archive", { code }),
  taxRates: () => call<Array<TaxRateDto>>("tax_rates"),
  visitServices: (visit: string) => call<Array<VisitServiceDto>>("visit_services", { visit }),
  visitServiceAdd: (visit: string, code: string, quantity: string) => call<Array<VisitServiceDto>>("visit_service_add", { visit, code, quantity }),
  billableVisits: (mrn: string) => call<Array<BillableVisitDto>>("billable_visits", { mrn }),
  invoiceCreate: (mrn: string, visit: string | null) => call<InvoiceDto>("invoice_create", { mrn, visit }),
  invoiceGet: (id: string) => call<InvoiceDto>("invoice_get", { id }),
  invoiceList: (mrn: string) => call<Array<InvoiceDto>>("invoice_list", { mrn }),
  invoiceAddLine: (id: string, line: LineForm) => call<InvoiceDto>("invoice_add_line", { id, line }),
  invoiceRemoveLine: (id: string, n: number) => call<InvoiceDto>("invoice_remove_line", { id, n }),
  invoiceDiscount: (id: string, discount: string) => call<InvoiceDto>("invoice_discount", { id, discount }),
  invoiceDelete: (id: string) => call<null>("invoice_delete", { id }),
  invoiceIssue: (id: string) => call<InvoiceDto>("invoice_issue", { id }),
  invoiceVoid: (id: string, reason: string) => call<InvoiceDto>("invoice_void", { id, reason }),
  paymentRefund: (invoice: string, form: RefundForm) => call<PaymentTakenDto>("payment_refund", { invoice, form }),
  /** `amount` empty credits all that is left on the invoice. */
  creditNoteIssue: (invoice: string, amount: string, reason: string) => call<CreditIssuedDto>("credit_note_issue", { invoice, amount, reason }),
  paymentTake: (invoice: string, form: PaymentForm) => call<PaymentTakenDto>("payment_take", { invoice, form }),
  accountBalance: (mrn: string) => call<BalanceDto>("account_balance", { mrn }),
  unpaidInvoices: (mrn: string | null) => call<Array<UnpaidDto>>("unpaid_invoices", { mrn }),
  closeout: (date: string, user: string | null) => call<CloseoutDto>("closeout", { date, user }),
  invoicePrint: (id: string) => call<DocumentDto>("invoice_print", { id }),
  receiptPrint: (number: string) => call<DocumentDto>("receipt_print", { number }),
  statementPrint: (mrn: string, from: string, to: string) => call<DocumentDto>("statement_print", { mrn, from, to }),
  closeoutPrint: (date: string, user: string | null) => call<DocumentDto>("closeout_print", { date, user }),
  userList: () => call<Array<UserDto>>("user_list"),
  userAdd: (form: UserForm) => call<UserDto>("user_add", { form }),
  userSetRoles: (username: string, roles: string) => call<UserDto>("user_set_roles", { username, roles }),
  userSetDisabled: (username: string, disabled: boolean) => call<UserDto>("user_set_disabled", { username, disabled }),
  userUnlock: (username: string) => call<UserDto>("user_unlock", { username }),
  userResetPassword: (username: string, password: string) => call<UserDto>("user_reset_password", { username, password }),
  clinicSettings: () => call<ClinicDto>("clinic_settings"),
  clinicUpdate: (form: SettingsForm) => call<ClinicDto>("clinic_update", { form }),
  clinicLetterhead: (form: LetterheadForm) => call<ClinicDto>("clinic_letterhead", { form }),
  clinicBilling: (form: BillingSettingsForm) => call<ClinicDto>("clinic_billing", { form }),
  /** The logo as the image file's bytes (PNG or JPEG), or none to remove it. */
  clinicLogo: (image: Array<number> | null) => call<ClinicDto>("clinic_logo", { image }),
  clinicIdleLock: (minutes: string) => call<ClinicDto>("clinic_idle_lock", { minutes }),
  clinicBreakGlass: (minutes: string) => call<ClinicDto>("clinic_break_glass", { minutes }),
  clinicKeyring: (keep: boolean) => call<ClinicDto>("clinic_keyring", { keep }),
  auditVerify: () => call<AuditVerifyDto>("audit_verify"),
  auditSearch: (filter: AuditSearch) => call<Array<AuditRowDto>>("audit_search", { filter }),
  appJoin: (form: JoinForm) => call<DocumentDto>("app_join", { form }),
  syncActivity: () => call<SyncActivityDto>("sync_activity"),
  syncStatus: () => call<SyncStatusDto>("sync_status"),
  /** Starts a round in the background and returns at once; the badge follows its progress. */
  syncNow: () => call<null>("sync_now"),
  syncConnect: (server: string, enrol_token: string, pin: string | null, insecure_http: boolean) => call<SyncStatusDto>("sync_connect", { server, enrol_token, pin, insecure_http }),
  syncPairingCode: () => call<PairingCodeDto>("sync_pairing_code"),
  syncConflicts: () => call<Array<SyncConflictDto>>("sync_conflicts"),
  syncResolve: (conflict: string, value: string) => call<null>("sync_resolve", { conflict, value }),
  syncDevices: () => call<Array<DeviceDto>>("sync_devices"),
  syncRevoke: (device: string) => call<null>("sync_revoke", { device }),
  syncQuarantine: () => call<Array<QuarantinedDto>>("sync_quarantine"),
  syncPullAgain: () => call<null>("sync_pull_again"),
  syncRotateKey: () => call<RotatedDto>("sync_rotate_key"),
  syncAllowManaging: (device: string) => call<null>("sync_allow_managing", { device }),
  syncAllowInsecureHttp: (allow: boolean) => call<null>("sync_allow_insecure_http", { allow }),
  syncDisconnect: () => call<null>("sync_disconnect"),
  backupStatus: () => call<BackupStatusDto>("backup_status"),
  /** Whether this person should see the red backup badge (admins, no good backup within 26 hours); polled, so it does not keep the session from locking. */
  backupOverdue: () => call<boolean>("backup_overdue"),
  backupFolderAdd: (folder: string) => call<DestinationDto>("backup_folder_add", { folder }),
  backupFolderRemove: (id: number) => call<null>("backup_folder_remove", { id }),
  backupSchedule: (at: string, keep_daily: string, keep_weekly: string, keep_monthly: string) => call<BackupStatusDto>("backup_schedule", { at, keep_daily, keep_weekly, keep_monthly }),
  /** Backs up to every folder now (an admin's "Back up now"). */
  backupRunNow: () => call<Array<RunReportDto>>("backup_run_now"),
  /** Where the restore or backup check under way has got (`null` when none is): the page polls it for its progress bar while the restore's own call waits. */
  backupStep: () => call<BackupStepDto | null>("backup_step"),
  /** The restore drill: restores the backup into a temporary folder, runs every check, and says what it holds. `with` is `passphrase` or `recovery_key`; an admin checking a backup of this clinic needs neither. */
  backupCheck: (path: string, with_: UnlockWith, secret: string) => call<BackupCheckDto>("backup_check", { path, with: with_, secret }),
  /** Replaces the clinic's database with a backup (admins); everyone signs in again after. */
  backupRestore: (path: string, replaces_desktop: Replaces | null) => call<RestoreDto>("backup_restore", { path, replaces_desktop }),
  /** Sets this computer up from a backup (the first-run screen). */
  appRestore: (path: string, with_: UnlockWith, secret: string, replaces_desktop: Replaces | null) => call<RestoreDto>("app_restore", { path, with: with_, secret, replaces_desktop }),
  /** The system's folder chooser, for a backup folder; the chosen path comes back to the form, where tend-core checks it like a typed one. */
  pickFolder: () => call<string | null>("pick_folder"),
  /** The system's file chooser, for a backup file to check or restore. */
  pickBackupFile: () => call<string | null>("pick_backup_file"),
  /** Opens one patient's chart for 30 minutes for someone whose roles do not let them read it, after they give a reason; audited and flagged. */
  chartBreakGlass: (mrn: string, reason: string) => call<BreakGlassDto>("chart_break_glass", { mrn, reason }),
  /** Every break-glass opening on this desktop, for admins to review. */
  auditBreakGlass: () => call<Array<BreakGlassRowDto>>("audit_break_glass"),
};
