//! Who may see, and who may settle, a field two desktops changed at once: the same permission as
//! reading and writing that field outside sync. A sync conflict is no way round the permission
//! table (a receptionist does not read a draft note because two desktops edited it offline, and
//! only an admin settles a user's roles).

use crate::change::Entity;
use crate::permission::Action;
use crate::record::on_safety_list;
use crate::role::Roles;

/// What a conflict's values need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConflictAccess {
    /// The permission to see the conflicting values; `None` when they are never shown (a
    /// password hash: "changed on both desktops" is all anyone learns).
    pub see: Option<Action>,
    /// The permission to choose the value that stands.
    pub settle: Action,
}

impl ConflictAccess {
    /// Whether `roles` may see the values (never, for a password hash).
    pub fn can_see(self, roles: Roles) -> bool {
        self.see.is_some_and(|a| roles.can(a))
    }

    /// Whether `roles` may settle it: the permission to write the field, and to see what they
    /// are choosing between (nobody chooses blind, except between two password hashes).
    pub fn can_settle(self, roles: Roles) -> bool {
        roles.can(self.settle) && self.see.is_none_or(|a| roles.can(a))
    }
}

const fn access(see: Action, settle: Action) -> ConflictAccess {
    ConflictAccess {
        see: Some(see),
        settle,
    }
}

/// The access a conflict on `entity`'s `field` needs.
pub fn conflict_access(entity: Entity, field: &str) -> ConflictAccess {
    use Action as A;
    if on_safety_list(entity, field) {
        let see = if entity == Entity::ClinicalEvent {
            A::ChartRead
        } else {
            A::PatientView
        };
        return access(see, A::SafetyConflictResolve);
    }
    match entity {
        Entity::Clinic if field == "reminder_template" => {
            access(A::ClinicSettingsView, A::ScheduleSetup)
        }
        Entity::Clinic => access(A::ClinicSettingsView, A::ClinicSettingsEdit),
        Entity::Device => access(A::SyncView, A::SyncManage),
        Entity::User if field == "password_hash" => ConflictAccess {
            see: None,
            settle: A::UserManage,
        },
        Entity::User => access(A::UserList, A::UserManage),
        Entity::Patient if field == "merged_into" => access(A::PatientView, A::PatientMerge),
        Entity::Patient => access(A::PatientView, A::PatientEdit),
        Entity::Encounter => access(A::NoteRead, A::NoteWrite),
        // Every clinical event is on the safety list (above); kept for completeness.
        Entity::ClinicalEvent => access(A::ChartRead, A::SafetyConflictResolve),
        Entity::NoteTemplate => access(A::NoteTemplateEdit, A::NoteTemplateEdit),
        Entity::Room
        | Entity::AppointmentType
        | Entity::ProviderHours
        | Entity::ScheduleException => access(A::ScheduleView, A::ScheduleSetup),
        Entity::Appointment | Entity::AppointmentSeries | Entity::WaitlistEntry => {
            access(A::ScheduleView, A::ScheduleBook)
        }
        Entity::Prescription => access(A::PrescriptionWrite, A::PrescriptionWrite),
        Entity::ClinicDrug | Entity::DrugBrand | Entity::DrugStrength => {
            access(A::PrescriptionWrite, A::DrugCatalogEdit)
        }
        Entity::TaxRate | Entity::FeeItem => access(A::BillingView, A::FeeScheduleEdit),
        Entity::VisitService => access(A::BillingView, A::VisitServiceWrite),
        Entity::Invoice => access(A::BillingView, A::InvoiceWrite),
        Entity::Payment => access(A::BillingView, A::PaymentTake),
        Entity::CreditNote => access(A::BillingView, A::CreditNoteIssue),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::Role;

    /// Every role against a conflict on every entity: what it sees (S: the values, h: that
    /// there is a conflict but not the values, -: "changed on both desktops") and whether it
    /// may settle it (yes/no), written out as a person would read it.
    const EXPECTED: &str = "
        entity              field              admin   doctor  nurse   receptionist
        clinic              name               S yes   S no    S no    S no
        clinic              reminder_template  S yes   S no    S no    S yes
        device              name               S yes   S no    S no    S no
        user                roles              S yes   h no    h no    h no
        user                locked             S yes   h no    h no    h no
        user                password_hash      - yes   - no    - no    - no
        patient             phone              S no    S yes   S yes   S yes
        patient             birth_date         S no    S yes   S yes   S no
        patient             sex                S no    S yes   S yes   S no
        patient             merged_into        S yes   S no    S no    S no
        encounter           subjective         h no    S yes   S no    h no
        encounter           status             h no    S yes   S no    h no
        clinical_event      data               h no    S yes   S yes   h no
        note_template       subjective         S yes   S yes   h no    h no
        room                name               S yes   S no    S no    S yes
        appointment_type    minutes            S yes   S no    S no    S yes
        provider_hours      hours              S yes   S no    S no    S yes
        schedule_exception  removed            S yes   S no    S no    S yes
        appointment         starts_at          S no    S yes   S yes   S yes
        appointment_series  rule               S no    S yes   S yes   S yes
        waitlist_entry      status             S no    S yes   S yes   S yes
        prescription        items              h no    S yes   h no    h no
        clinic_drug         strengths          h no    S yes   h no    h no
        drug_brand          brand              h no    S yes   h no    h no
        drug_strength       strength           h no    S yes   h no    h no
        tax_rate            percent            S yes   S no    h no    S no
        fee_item            price              S yes   S no    h no    S no
        visit_service       fee_id             S no    S yes   h no    S no
        invoice             lines              S yes   S no    h no    S yes
        payment             amount             S yes   S no    h no    S yes
        credit_note         amount             S yes   S no    h no    S no
    ";

    #[test]
    fn every_role_against_a_conflict_on_every_entity() {
        let mut lines = EXPECTED.trim().lines();
        let header: Vec<Role> = lines
            .next()
            .unwrap()
            .split_whitespace()
            .skip(2)
            .map(|r| r.parse().unwrap())
            .collect();
        let mut entities = Vec::new();
        for line in lines {
            let cells: Vec<&str> = line.split_whitespace().collect();
            let entity: Entity = cells[0].parse().unwrap();
            let field = cells[1];
            let a = conflict_access(entity, field);
            for (i, role) in header.iter().enumerate() {
                let (see, settle) = (cells[2 + 2 * i], cells[3 + 2 * i]);
                let roles = Roles::empty().with(*role);
                let sees = match a.see {
                    None => "-",
                    Some(_) if a.can_see(roles) => "S",
                    Some(_) => "h",
                };
                assert_eq!(sees, see, "{role} seeing {entity}.{field}");
                assert_eq!(
                    a.can_settle(roles),
                    settle == "yes",
                    "{role} settling {entity}.{field}"
                );
            }
            entities.push(entity);
        }
        for entity in Entity::ALL {
            assert!(entities.contains(&entity), "{entity} has no row");
        }
    }

    #[test]
    fn a_conflict_is_never_easier_to_read_or_settle_than_the_field_itself() {
        // The safety list stays a clinician's, whatever else changes.
        for field in ["birth_date", "sex", "mrn", "national_id"] {
            assert_eq!(
                conflict_access(Entity::Patient, field).settle,
                Action::SafetyConflictResolve
            );
        }
        assert_eq!(
            conflict_access(Entity::ClinicalEvent, "anything").settle,
            Action::SafetyConflictResolve
        );
        assert_eq!(conflict_access(Entity::User, "password_hash").see, None);
    }
}
