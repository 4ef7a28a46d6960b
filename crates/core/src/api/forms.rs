//! The forms as the UI sends them: owned, deserializable copies of the use cases' borrowed
//! forms. A missing field is empty and an unknown one is refused, so a renamed field in the UI
//! fails loudly in its tests instead of saving blanks.

use serde::Deserialize;
use tend_domain::schedule::RecurrenceRule;

use crate::billing::fees::{FeeForm, TaxRateForm};
use crate::billing::invoices::LineForm;
use crate::billing::payments::{PaymentForm, RefundForm};
use crate::clinic::{BillingSettingsForm, InitRequest, LetterheadForm, SettingsForm};
use crate::clinical::{AllergyForm, ImmunizationForm, MedicationForm, ProblemForm};
use crate::schedule::{BookRequest, WaitlistForm};
use crate::users::NewUser;
use crate::visits::{NoteEdit, TemplateForm};

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
    fn optional_text_stays_absent() {
        let l: Line = serde_json::from_str(r#"{"code":"CONS","quantity":"2"}"#).unwrap();
        let f = l.form();
        assert_eq!(
            (f.code, f.unit_price, f.quantity),
            (Some("CONS"), None, "2")
        );
    }
}
