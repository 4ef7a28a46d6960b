//! The permission table: which role may do which action. The only place such a decision is
//! written down; tend-core asks [`Roles::can`] before touching the store.

use std::fmt;

use crate::role::{Role, Roles};

/// Everything a signed-in person can ask Tend to do that is not open to every role alike.
/// Later features add their actions here and a row to [`TABLE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the list of users, their roles and whether they are locked or disabled.
    UserList,
    /// Add users, change their roles, disable and re-enable them, unlock them, reset passwords.
    UserManage,
    /// Change one's own password.
    OwnPasswordChange,
    /// Read the clinic's settings (name, time zone, currency).
    ClinicSettingsView,
    /// Change the clinic's settings and letterhead.
    ClinicSettingsEdit,
    /// Read the audit log and verify its chain.
    AuditReview,
    /// Write an encrypted backup of the database.
    BackupCreate,
    /// Replace the database with a backup.
    BackupRestore,
    /// Change the clinic passphrase that unlocks the database.
    PassphraseChange,
    /// Find patients by name, phone, record number or birth date.
    PatientSearch,
    /// See a patient's demographics and banner (name, age, sex, MRN, allergies).
    PatientView,
    /// Register a new patient.
    PatientRegister,
    /// Edit demographics.
    PatientEdit,
    /// Merge a duplicate record into another, or undo a merge.
    PatientMerge,
    /// Read the clinical chart: problems, medications, vitals, immunizations, visit list.
    ChartRead,
    /// Read visit notes and addenda.
    NoteRead,
    /// Open one patient's chart without the role to read charts, after giving a reason: the
    /// access lasts a set time, is audited and flagged, and admins review it.
    BreakGlass,
    /// Start visits and write their draft notes.
    NoteWrite,
    /// Sign one's own notes.
    NoteSign,
    /// Add an addendum to a signed note.
    NoteAddendum,
    /// Create and edit the clinic's note templates.
    NoteTemplateEdit,
    /// Record allergies, "no known allergies", and their corrections.
    AllergyWrite,
    /// Add and resolve problems (diagnoses).
    ProblemWrite,
    /// Start, change and stop medications.
    MedicationWrite,
    /// Record vital signs.
    VitalsWrite,
    /// Record immunizations.
    ImmunizationWrite,
    /// See the schedule: days, weeks, free slots, the check-in queue, the waitlist.
    ScheduleView,
    /// Book, move, cancel, check in, start and complete appointments; the waitlist; reminders.
    ScheduleBook,
    /// Rooms, appointment types, working hours, days off and the reminder message.
    ScheduleSetup,
    /// Write, edit and see draft prescriptions.
    PrescriptionWrite,
    /// Sign a prescription (the prescriber also needs a licence number).
    PrescriptionSign,
    /// Cancel a signed prescription.
    PrescriptionCancel,
    /// Find and see signed prescriptions.
    PrescriptionView,
    /// Print a signed prescription.
    PrescriptionPrint,
    /// Add the clinic's own drugs and brand names to the catalog.
    DrugCatalogEdit,
    /// See the fee schedule, invoices, payments, balances, statements and the unpaid list;
    /// print invoices, receipts and statements.
    BillingView,
    /// Set the fee schedule, its tax rates and how invoices print.
    FeeScheduleEdit,
    /// Record the billable services done in a visit.
    VisitServiceWrite,
    /// Create, edit and delete draft invoices, and issue them.
    InvoiceWrite,
    /// Take payments on issued invoices.
    PaymentTake,
    /// Give money back: refund a payment, or hand back a patient's credit.
    PaymentRefund,
    /// Void an issued invoice nothing was paid on.
    InvoiceVoid,
    /// Correct an issued invoice with a credit note.
    CreditNoteIssue,
    /// The daily close-out: what was taken, by method, for a day and a user or everyone.
    CloseOut,
    /// Connect this desktop to a sync server, pair desktops, see and revoke devices.
    SyncManage,
    /// See sync's status and the list of conflicting edits; sync now.
    SyncView,
    /// Pick the value of a field two desktops changed at once (not on the safety list).
    ConflictResolve,
    /// Pick the value of a safety-list field (date of birth, sex, identifiers, clinical
    /// events) that two desktops changed at once.
    SafetyConflictResolve,
}

impl Action {
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::UserList => "user.list",
            Action::UserManage => "user.manage",
            Action::OwnPasswordChange => "user.own_password",
            Action::ClinicSettingsView => "clinic.view",
            Action::ClinicSettingsEdit => "clinic.edit",
            Action::AuditReview => "audit.review",
            Action::BackupCreate => "backup.create",
            Action::BackupRestore => "backup.restore",
            Action::BreakGlass => "chart.break_glass",
            Action::PassphraseChange => "passphrase.change",
            Action::PatientSearch => "patient.search",
            Action::PatientView => "patient.view",
            Action::PatientRegister => "patient.register",
            Action::PatientEdit => "patient.edit",
            Action::PatientMerge => "patient.merge",
            Action::ChartRead => "chart.read",
            Action::NoteRead => "note.read",
            Action::NoteWrite => "note.write",
            Action::NoteSign => "note.sign",
            Action::NoteAddendum => "note.addendum",
            Action::NoteTemplateEdit => "note_template.edit",
            Action::AllergyWrite => "allergy.write",
            Action::ProblemWrite => "problem.write",
            Action::MedicationWrite => "medication.write",
            Action::VitalsWrite => "vitals.write",
            Action::ImmunizationWrite => "immunization.write",
            Action::ScheduleView => "schedule.view",
            Action::ScheduleBook => "schedule.book",
            Action::ScheduleSetup => "schedule.setup",
            Action::PrescriptionWrite => "rx.write",
            Action::PrescriptionSign => "rx.sign",
            Action::PrescriptionCancel => "rx.cancel",
            Action::PrescriptionView => "rx.view",
            Action::PrescriptionPrint => "rx.print",
            Action::DrugCatalogEdit => "drug_catalog.edit",
            Action::BillingView => "billing.view",
            Action::FeeScheduleEdit => "fee_schedule.edit",
            Action::VisitServiceWrite => "visit_service.write",
            Action::InvoiceWrite => "invoice.write",
            Action::PaymentTake => "payment.take",
            Action::PaymentRefund => "payment.refund",
            Action::InvoiceVoid => "invoice.void",
            Action::CreditNoteIssue => "credit_note.issue",
            Action::CloseOut => "closeout.view",
            Action::SyncManage => "sync.manage",
            Action::SyncView => "sync.view",
            Action::ConflictResolve => "conflict.resolve",
            Action::SafetyConflictResolve => "conflict.resolve_safety",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

use Role::{Admin, Doctor, Nurse, Receptionist};

const EVERYONE: &[Role] = &[Admin, Doctor, Nurse, Receptionist];
const FRONT_DESK_AND_CLINICAL: &[Role] = &[Doctor, Nurse, Receptionist];
const CLINICAL: &[Role] = &[Doctor, Nurse];

/// Role × action. An action missing from this table is allowed to nobody.
pub const TABLE: &[(Action, &[Role])] = &[
    (Action::UserList, &[Admin]),
    (Action::UserManage, &[Admin]),
    (Action::OwnPasswordChange, EVERYONE),
    (Action::ClinicSettingsView, EVERYONE),
    (Action::ClinicSettingsEdit, &[Admin]),
    (Action::AuditReview, &[Admin]),
    (Action::BackupCreate, &[Admin]),
    (Action::BackupRestore, &[Admin]),
    (Action::PassphraseChange, &[Admin]),
    // Patients: everyone finds and sees who a patient is (an admin, to merge duplicates);
    // the front desk and clinicians register and edit them.
    (Action::PatientSearch, EVERYONE),
    (Action::PatientView, EVERYONE),
    (Action::PatientRegister, FRONT_DESK_AND_CLINICAL),
    (Action::PatientEdit, FRONT_DESK_AND_CLINICAL),
    (Action::PatientMerge, &[Admin]),
    // The clinical record: receptionists see none of it; nurses read it and record vitals,
    // allergies and immunizations; doctors do everything clinical and sign.
    (Action::ChartRead, CLINICAL),
    (Action::NoteRead, CLINICAL),
    // Break-glass: who cannot read charts may open one in an emergency, with a reason (an
    // admin who is not a clinician, a receptionist); clinicians read charts anyway.
    (Action::BreakGlass, &[Admin, Receptionist]),
    (Action::NoteWrite, &[Doctor]),
    (Action::NoteSign, &[Doctor]),
    (Action::NoteAddendum, &[Doctor]),
    (Action::NoteTemplateEdit, &[Admin, Doctor]),
    (Action::AllergyWrite, CLINICAL),
    (Action::ProblemWrite, &[Doctor]),
    (Action::MedicationWrite, &[Doctor]),
    (Action::VitalsWrite, CLINICAL),
    (Action::ImmunizationWrite, CLINICAL),
    // The schedule: the front desk does all of it, clinicians book and move their own day too,
    // and the admin sets the clinic up alongside the front desk.
    (Action::ScheduleView, EVERYONE),
    (Action::ScheduleBook, FRONT_DESK_AND_CLINICAL),
    (Action::ScheduleSetup, &[Admin, Receptionist]),
    (Action::PrescriptionWrite, &[Doctor]),
    (Action::PrescriptionSign, &[Doctor]),
    (Action::PrescriptionCancel, &[Doctor]),
    (Action::PrescriptionView, FRONT_DESK_AND_CLINICAL),
    (Action::PrescriptionPrint, FRONT_DESK_AND_CLINICAL),
    (Action::DrugCatalogEdit, &[Admin, Doctor]),
    // Billing: the front desk invoices and takes money; clinicians record what they did and
    // may look; money going back out, voids and credit notes are the admin's alone.
    (Action::BillingView, &[Admin, Doctor, Receptionist]),
    (Action::FeeScheduleEdit, &[Admin]),
    (Action::VisitServiceWrite, CLINICAL),
    (Action::InvoiceWrite, &[Admin, Receptionist]),
    (Action::PaymentTake, &[Admin, Receptionist]),
    (Action::PaymentRefund, &[Admin]),
    (Action::InvoiceVoid, &[Admin]),
    (Action::CreditNoteIssue, &[Admin]),
    (Action::CloseOut, &[Admin, Receptionist]),
    // Sync: the admin connects and pairs desktops; everyone sees the badge; the front desk and
    // clinicians settle everyday conflicts, and only a clinician settles one on the safety list.
    (Action::SyncManage, &[Admin]),
    (Action::SyncView, EVERYONE),
    (Action::ConflictResolve, EVERYONE),
    (Action::SafetyConflictResolve, CLINICAL),
];

/// Whether one role may perform `action`.
pub fn role_can(role: Role, action: Action) -> bool {
    TABLE
        .iter()
        .find(|(a, _)| *a == action)
        .is_some_and(|(_, roles)| roles.contains(&role))
}

impl Roles {
    /// Whether any of these roles may perform `action`.
    pub fn can(self, action: Action) -> bool {
        self.iter().any(|role| role_can(role, action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected table, written out as a person would read it. Every cell is checked, and
    /// every action must appear, so adding an action without deciding its row fails here.
    const EXPECTED: &str = "
        action              admin doctor nurse receptionist
        user.list           yes   no     no    no
        user.manage         yes   no     no    no
        user.own_password   yes   yes    yes   yes
        clinic.view         yes   yes    yes   yes
        clinic.edit         yes   no     no    no
        audit.review        yes   no     no    no
        backup.create       yes   no     no    no
        backup.restore      yes   no     no    no
        passphrase.change   yes   no     no    no
        patient.search      yes   yes    yes   yes
        patient.view        yes   yes    yes   yes
        patient.register    no    yes    yes   yes
        patient.edit        no    yes    yes   yes
        patient.merge       yes   no     no    no
        chart.read          no    yes    yes   no
        note.read           no    yes    yes   no
        chart.break_glass   yes   no     no    yes
        note.write          no    yes    no    no
        note.sign           no    yes    no    no
        note.addendum       no    yes    no    no
        note_template.edit  yes   yes    no    no
        allergy.write       no    yes    yes   no
        problem.write       no    yes    no    no
        medication.write    no    yes    no    no
        vitals.write        no    yes    yes   no
        immunization.write  no    yes    yes   no
        schedule.view       yes   yes    yes   yes
        schedule.book       no    yes    yes   yes
        schedule.setup      yes   no     no    yes
        rx.write            no    yes    no    no
        rx.sign             no    yes    no    no
        rx.cancel           no    yes    no    no
        rx.view             no    yes    yes   yes
        rx.print            no    yes    yes   yes
        drug_catalog.edit   yes   yes    no    no
        billing.view        yes   yes    no    yes
        fee_schedule.edit   yes   no     no    no
        visit_service.write no    yes    yes   no
        invoice.write       yes   no     no    yes
        payment.take        yes   no     no    yes
        payment.refund      yes   no     no    no
        invoice.void        yes   no     no    no
        credit_note.issue   yes   no     no    no
        closeout.view       yes   no     no    yes
        sync.manage         yes   no     no    no
        sync.view           yes   yes    yes   yes
        conflict.resolve    yes   yes    yes   yes
        conflict.resolve_safety no yes   yes   no
    ";

    #[test]
    fn every_cell_of_the_permission_table() {
        let mut lines = EXPECTED.lines().map(str::trim).filter(|l| !l.is_empty());
        let header: Vec<Role> = lines
            .next()
            .unwrap()
            .split_whitespace()
            .skip(1)
            .map(|r| r.parse().unwrap())
            .collect();
        let mut seen = Vec::new();
        for line in lines {
            let mut cells = line.split_whitespace();
            let name = cells.next().unwrap();
            let action = TABLE
                .iter()
                .map(|(a, _)| *a)
                .find(|a| a.as_str() == name)
                .unwrap_or_else(|| panic!("{name} is not in the permission table"));
            for (role, cell) in header.iter().zip(cells) {
                let expected = match cell {
                    "yes" => true,
                    "no" => false,
                    other => panic!("cell {other:?} must be yes or no"),
                };
                assert_eq!(role_can(*role, action), expected, "{role} × {name}");
                assert_eq!(Roles::empty().with(*role).can(action), expected);
            }
            seen.push(action);
        }
        assert_eq!(
            seen.len(),
            TABLE.len(),
            "every action has a row in EXPECTED"
        );
    }

    #[test]
    fn several_roles_add_up_and_no_role_can_nothing() {
        let doctor_admin = Roles::empty().with(Doctor).with(Admin);
        assert!(doctor_admin.can(Action::UserManage));
        for (action, _) in TABLE {
            assert!(!Roles::empty().can(*action), "{action}");
        }
    }
}
