//! The forms as the UI sends them: owned, deserializable copies of the use cases' borrowed
//! forms. A missing field is empty and an unknown one is refused, so a renamed field in the UI
//! fails loudly in its tests instead of saving blanks.

use serde::Deserialize;
use tend_domain::chart::VitalsForm;
use tend_domain::patients;
use tend_domain::prescriptions::ItemForm;
use tend_domain::schedule::RecurrenceRule;

use crate::billing::fees::{FeeForm, TaxRateForm};
use crate::billing::invoices::LineForm;
use crate::billing::payments::{PaymentForm, RefundForm};
use crate::chart::records::{AllergyForm, ImmunizationForm, MedicationForm, ProblemForm};
use crate::chart::visits::{NoteEdit, TemplateForm};
use crate::clinic::{BillingSettingsForm, InitRequest, LetterheadForm, SettingsForm};
use crate::schedule::{BookRequest, WaitlistForm};
use crate::users::NewUser;

/// Declares an owned form whose fields are text (and flags), and its borrowed view.
macro_rules! owned_form {
    ($(#[$doc:meta])* $owned:ident => $form:ident { $($text:ident),* $(,)? } $(flags { $($flag:ident),* })?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
        #[serde(default, deny_unknown_fields)]
        #[ts(rename = concat!(stringify!($owned), "Form"), optional_fields = nullable)]
        pub struct $owned {
            $(pub $text: String,)*
            $($(pub $flag: bool,)*)?
        }

        impl $owned {
            pub fn form(&self) -> $form<'_> {
                $form { $($text: &self.$text,)* $($($flag: self.$flag,)*)? }
            }
        }
    };
}

owned_form!(
    /// The set-up wizard.
    Setup => InitRequest {
        clinic_name, timezone, currency, device_name, admin_username, admin_display_name,
        admin_password, passphrase, units,
    }
);
owned_form!(Settings => SettingsForm { name, timezone, currency, units });
owned_form!(BillingSettings => BillingSettingsForm { locale, tax_id, invoice_footer });
owned_form!(Letterhead => LetterheadForm { address, phone, registration, paper });
owned_form!(User => NewUser { username, display_name, roles, licence_number, password });
owned_form!(Allergy => AllergyForm { substance, category, reaction, severity, note });
owned_form!(Problem => ProblemForm { code, description, onset, note });
owned_form!(Medication => MedicationForm { drug, dose, route, frequency, started_on, indication });
owned_form!(Immunization => ImmunizationForm { vaccine, given_on, lot, site, given_by });
owned_form!(Template => TemplateForm { name, reason, subjective, objective, assessment, plan });
owned_form!(TaxRate => TaxRateForm { name, percent } flags { inclusive });
owned_form!(Fee => FeeForm { code, name, kind, price, tax });
owned_form!(Payment => PaymentForm { method, amount, reference, note } flags { keep_as_credit });
owned_form!(Refund => RefundForm { method, amount, reason });

fn some(s: &Option<String>) -> Option<&str> {
    s.as_deref()
}

/// The booking form.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "BookingForm", optional_fields = nullable)]
pub struct Booking {
    pub mrn: String,
    pub provider: String,
    pub type_name: String,
    pub at: String,
    pub room: Option<String>,
    pub note: String,
    pub override_conflicts: bool,
    pub repeat: Option<RecurrenceRule>,
}

impl Booking {
    pub fn form(&self) -> BookRequest<'_> {
        BookRequest {
            mrn: &self.mrn,
            provider: &self.provider,
            type_name: &self.type_name,
            at: &self.at,
            room: some(&self.room),
            note: &self.note,
            override_conflicts: self.override_conflicts,
            repeat: self.repeat,
        }
    }
}

/// The waitlist form.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "WaitlistForm", optional_fields = nullable)]
pub struct Waitlist {
    pub mrn: String,
    pub provider: Option<String>,
    pub type_name: String,
    pub prefer: String,
    pub earliest: String,
    pub latest: String,
    pub note: String,
}

impl Waitlist {
    pub fn form(&self) -> WaitlistForm<'_> {
        WaitlistForm {
            mrn: &self.mrn,
            provider: some(&self.provider),
            type_name: &self.type_name,
            prefer: &self.prefer,
            earliest: &self.earliest,
            latest: &self.latest,
            note: &self.note,
        }
    }
}

/// An invoice line.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "LineForm", optional_fields = nullable)]
pub struct Line {
    pub code: Option<String>,
    pub description: Option<String>,
    pub quantity: String,
    pub unit_price: Option<String>,
    pub discount: Option<String>,
    pub tax: Option<String>,
}

impl Line {
    pub fn form(&self) -> LineForm<'_> {
        LineForm {
            code: some(&self.code),
            description: some(&self.description),
            quantity: &self.quantity,
            unit_price: some(&self.unit_price),
            discount: some(&self.discount),
            tax: some(&self.tax),
        }
    }
}

/// The visit note's parts as typed; a part left out stays as it is.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "NoteForm", optional_fields = nullable)]
pub struct Note {
    pub reason: Option<String>,
    pub subjective: Option<String>,
    pub objective: Option<String>,
    pub assessment: Option<String>,
    pub plan: Option<String>,
}

impl Note {
    pub fn form(&self) -> NoteEdit<'_> {
        NoteEdit {
            reason: some(&self.reason),
            subjective: some(&self.subjective),
            objective: some(&self.objective),
            assessment: some(&self.assessment),
            plan: some(&self.plan),
        }
    }
}

/// The registration and edit form of a patient, as typed.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "PatientForm", optional_fields = nullable)]
pub struct Patient {
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: String,
    /// `YYYY-MM-DD`, or `DD/MM/YYYY`, or `DD.MM.YYYY`.
    pub birth_date: String,
    /// For a patient who does not know their birth date: their age in years.
    pub estimated_age_years: String,
    pub sex: String,
    pub gender_identity: String,
    /// `kind:number` or just `number` (mobile), one per entry.
    pub phones: Vec<String>,
    pub email: String,
    pub address: Option<Address>,
    pub emergency_contact: Option<EmergencyContact>,
    pub language: String,
    pub front_desk_note: String,
    pub national_id: String,
    pub insurance: Option<Insurance>,
}

/// A postal address as typed; empty parts are left out.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "AddressForm", optional_fields = nullable)]
pub struct Address {
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
}

/// Who to call for the patient.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "EmergencyContactForm", optional_fields = nullable)]
pub struct EmergencyContact {
    pub name: String,
    pub relationship: String,
    pub phone: String,
}

/// The patient's insurance card.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "InsuranceForm", optional_fields = nullable)]
pub struct Insurance {
    pub payer: String,
    pub member_id: String,
    pub group: String,
}

impl Patient {
    pub fn form(&self) -> patients::PatientForm {
        patients::PatientForm {
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            preferred_name: self.preferred_name.clone(),
            birth_date: self.birth_date.clone(),
            estimated_age_years: self.estimated_age_years.clone(),
            sex: self.sex.clone(),
            gender_identity: self.gender_identity.clone(),
            phones: self.phones.clone(),
            email: self.email.clone(),
            address: self.address.as_ref().map(|a| patients::Address {
                line1: a.line1.clone(),
                line2: a.line2.clone(),
                city: a.city.clone(),
                region: a.region.clone(),
                postal_code: a.postal_code.clone(),
                country: a.country.clone(),
            }),
            emergency_contact: self.emergency_contact.as_ref().map(|c| {
                patients::EmergencyContact {
                    name: c.name.clone(),
                    relationship: c.relationship.clone(),
                    phone: c.phone.clone(),
                }
            }),
            language: self.language.clone(),
            front_desk_note: self.front_desk_note.clone(),
            national_id: self.national_id.clone(),
            insurance: self.insurance.as_ref().map(|i| patients::Insurance {
                payer: i.payer.clone(),
                member_id: i.member_id.clone(),
                group: i.group.clone(),
            }),
        }
    }
}

/// Vital signs as typed, in the clinic's units; a field left empty was not measured.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "VitalsForm", optional_fields = nullable)]
pub struct Vitals {
    /// `120/80`.
    pub blood_pressure: String,
    pub pulse: String,
    pub temperature: String,
    pub respiratory_rate: String,
    pub spo2: String,
    pub weight: String,
    pub height: String,
    pub head_circumference: String,
}

impl Vitals {
    pub fn form(&self) -> VitalsForm {
        VitalsForm {
            blood_pressure: self.blood_pressure.clone(),
            pulse: self.pulse.clone(),
            temperature: self.temperature.clone(),
            respiratory_rate: self.respiratory_rate.clone(),
            spo2: self.spo2.clone(),
            weight: self.weight.clone(),
            height: self.height.clone(),
            head_circumference: self.head_circumference.clone(),
        }
    }
}

/// One prescription item as typed: every field text, checked by tend-core.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "ItemForm", optional_fields = nullable)]
pub struct Item {
    /// A catalog code, a generic or brand name, or (not recommended) free text.
    pub drug: String,
    pub strength: String,
    pub form: String,
    pub dose: String,
    pub route: String,
    pub frequency: String,
    /// Days (`7`, `7 days`, `2 weeks`); empty for ongoing.
    pub duration: String,
    /// `21`, `21 capsules`, `1 inhaler`; empty to work it out from dose, frequency and days.
    pub quantity: String,
    pub refills: String,
    pub instructions: String,
}

impl Item {
    pub fn form(&self) -> ItemForm {
        ItemForm {
            drug: self.drug.clone(),
            strength: self.strength.clone(),
            form: self.form.clone(),
            dose: self.dose.clone(),
            route: self.route.clone(),
            frequency: self.frequency.clone(),
            duration: self.duration.clone(),
            quantity: self.quantity.clone(),
            refills: self.refills.clone(),
            instructions: self.instructions.clone(),
        }
    }

    /// Every item of a prescription as tend-core reads them.
    pub fn forms(items: &[Item]) -> Vec<ItemForm> {
        items.iter().map(Item::form).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_field_is_empty_and_an_unknown_one_is_refused() {
        let a: Allergy = serde_json::from_str(r#"{"substance":"penicillin"}"#).unwrap();
        assert_eq!(a.form().substance, "penicillin");
        assert_eq!(a.form().reaction, "");
        let e = serde_json::from_str::<Allergy>(r#"{"substanse":"penicillin"}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `substanse`"), "{e}");
    }

    #[test]
    fn a_misspelt_field_of_a_patient_vitals_or_item_is_refused() {
        let e = serde_json::from_str::<Patient>(r#"{"given_name":"Ana","adress":{}}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `adress`"), "{e}");
        let e =
            serde_json::from_str::<Patient>(r#"{"address":{"line1":"x","zip":"1"}}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `zip`"), "{e}");
        let e = serde_json::from_str::<Vitals>(r#"{"bp":"120/80"}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `bp`"), "{e}");
        let e = serde_json::from_str::<Item>(r#"{"drug":"amoxicillin","dosage":"1"}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `dosage`"), "{e}");
        let p: Patient =
            serde_json::from_str(r#"{"given_name":"Ana","address":{"line1":"1 Main St"}}"#)
                .unwrap();
        let f = p.form();
        assert_eq!(f.given_name, "Ana");
        assert_eq!(f.address.map(|a| a.line1), Some("1 Main St".to_owned()));
    }

    #[test]
    fn optional_text_stays_absent() {
        let l: Line = serde_json::from_str(r#"{"code":"CONS","quantity":"2"}"#).unwrap();
        let f = l.form();
        assert_eq!(
            (f.code, f.unit_price, f.quantity),
            (Some("CONS"), None, "2")
        );
    }
}

/// The audit viewer's filters as typed: days are the clinic's local dates (`2026-11-24`), the
/// user a username, the action the start of its name; empty means any.
#[derive(Debug, Clone, Default, serde::Deserialize, ts_rs::TS)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSearch {
    pub from: String,
    pub to: String,
    pub user: String,
    pub action: String,
    pub outcome: String,
    pub before: Option<i64>,
    pub limit: usize,
}

/// What joining a clinic by pairing asks for, as the set-up screen sends it.
#[derive(Debug, Clone, serde::Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct JoinForm {
    pub pairing_code: String,
    pub device_name: String,
    pub passphrase: String,
}
