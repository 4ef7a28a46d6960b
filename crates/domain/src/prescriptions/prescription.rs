//! A prescription: one or more items, written as a draft, signed once (then frozen, with a
//! content hash), and afterwards only cancelled (with a reason) or renewed as a new draft.

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Severity;
use super::catalog::{Catalog, Drug};
use super::checks::WarningKind;
use super::notation::{self, DecimalMark, Measure};
use super::sig::{self, Dose, Frequency, figures_and_words, parse_route, route_words, verb};
use crate::ValidationError;
use crate::ids::UserId;
use crate::patients::PatientId;
use crate::{Words, words};

/// Most refills a prescription may carry.
pub const MAX_REFILLS: u8 = 11;
/// Most items on one prescription.
pub const MAX_ITEMS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum RxStatus {
    Draft,
    Signed,
    Cancelled,
}

impl RxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RxStatus::Draft => "draft",
            RxStatus::Signed => "signed",
            RxStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<RxStatus> {
        match s {
            "draft" => Some(RxStatus::Draft),
            "signed" => Some(RxStatus::Signed),
            "cancelled" => Some(RxStatus::Cancelled),
            _ => None,
        }
    }
}

/// One item as typed: every field text, checked by [`ItemForm::validate`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ItemForm {
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

/// One checked item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// The catalog code; `None` for a drug typed as free text.
    pub drug_code: Option<String>,
    /// The generic name (or the free text).
    pub drug: String,
    pub strength: String,
    pub form: String,
    pub dose: Dose,
    pub route: String,
    pub frequency: Frequency,
    pub duration_days: Option<u32>,
    pub quantity: Decimal,
    pub quantity_unit: String,
    pub refills: u8,
    pub instructions: Option<String>,
}

fn choose(
    field: &'static str,
    given: &str,
    options: &[String],
    what: &str,
) -> Result<String, ValidationError> {
    let given = given.trim();
    if !given.is_empty() {
        return Ok(options
            .iter()
            .find(|o| {
                o.eq_ignore_ascii_case(given)
                    || o.replace(' ', "")
                        .eq_ignore_ascii_case(&given.replace(' ', ""))
            })
            .cloned()
            .unwrap_or_else(|| given.to_owned()));
    }
    match options {
        [only] => Ok(only.clone()),
        [] => Err(ValidationError::new(
            field,
            words!("write the {what}", what = what),
        )),
        many => Err(ValidationError::new(
            field,
            words!("choose one of {many}", many = many.join(", ")),
        )),
    }
}

/// The strength as the drug comes in it: what was typed, read in the clinic's notation and
/// compared by quantity with each strength the drug is known in (`0.4 mg/spray` is
/// `400 mcg/spray`), written as the catalog writes it. A drug typed as free text has no list:
/// its strength is written in safe notation and nothing more.
fn strength_of(
    typed: &str,
    drug: Option<&Drug>,
    mark: DecimalMark,
) -> Result<String, ValidationError> {
    let known = drug.map_or(&[][..], |d| d.strengths.as_slice());
    if typed.trim().is_empty() {
        return choose("strength", "", known, "strength, such as 500 mg");
    }
    let measure = Measure::parse(typed, mark).map_err(|e| ValidationError::new("strength", e.0))?;
    let Some(drug) = drug else {
        return Ok(measure.to_string());
    };
    known
        .iter()
        .find(|k| Measure::parse(k, DecimalMark::Point).is_ok_and(|k| k.same_as(&measure)))
        .cloned()
        .ok_or_else(|| {
            ValidationError::new(
                "strength",
                words!("{generic} comes in {known}; {measure} is not one of them. To prescribe {measure}, add it to {generic}'s strengths first", generic = drug.generic, known = known.join(", "), measure = measure),
            )
        })
}

impl ItemForm {
    /// Checks an item typed in a clinic that writes decimals with `mark`, and writes every
    /// amount in safe notation.
    pub fn validate(&self, catalog: &Catalog, mark: DecimalMark) -> Result<Item, ValidationError> {
        let typed = self.drug.trim();
        if typed.is_empty() {
            return Err(ValidationError::new("drug", "is required"));
        }
        if typed.chars().count() > 200 || typed.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "drug",
                "must be a drug name of at most 200 characters",
            ));
        }
        let found = catalog.get(typed).or_else(|| catalog.resolve(typed));
        let (drug_code, drug, forms, routes) = match found {
            Some(d) => (
                Some(d.code.clone()),
                d.generic.clone(),
                d.forms.clone(),
                d.routes.clone(),
            ),
            // Printed as typed: it must be printable.
            None => (
                None,
                notation::checked("drug", typed, mark)?,
                Vec::new(),
                Vec::new(),
            ),
        };
        let strength = strength_of(&self.strength, found, mark)?;
        let mut form = choose("form", &self.form, &forms, "form, such as tablet")?;
        if !forms.contains(&form) {
            // Typed by hand, and printed in the item's title.
            form = notation::checked("form", &form, mark)?;
        }
        let dose = Dose::read(&self.dose, mark)?;
        let route = if self.route.trim().is_empty() {
            match routes.as_slice() {
                [only] => parse_route(only)?,
                [] => return Err(ValidationError::new("route", "is required, such as oral")),
                many => {
                    return Err(ValidationError::new(
                        "route",
                        words!("choose one of {many}", many = many.join(", ")),
                    ));
                }
            }
        } else {
            parse_route(&self.route)?
        }
        .to_owned();
        if self.frequency.trim().is_empty() {
            return Err(ValidationError::new(
                "frequency",
                "is required, such as BID or q8h",
            ));
        }
        let frequency: Frequency = self.frequency.parse()?;
        let duration_days = parse_duration(&self.duration)?;
        let (quantity, quantity_unit) = parse_quantity(
            &self.quantity,
            &dose,
            &frequency,
            duration_days,
            &form,
            mark,
        )?;
        let refills = match self.refills.trim() {
            "" => 0,
            s => s
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= MAX_REFILLS)
                .ok_or_else(|| {
                    ValidationError::new(
                        "refills",
                        words!(
                            "must be a whole number from 0 to {max_refills}",
                            max_refills = MAX_REFILLS
                        ),
                    )
                })?,
        };
        let instructions = crate::chart::optional("instructions", &self.instructions, 1000)?
            .map(|text| notation::checked("instructions", &text, mark))
            .transpose()?;
        Ok(Item {
            drug_code,
            drug,
            strength,
            form,
            dose,
            route,
            frequency,
            duration_days,
            quantity,
            quantity_unit,
            refills,
            instructions,
        })
    }
}

fn parse_duration(s: &str) -> Result<Option<u32>, ValidationError> {
    let s = s.trim().to_ascii_lowercase();
    if s.is_empty() || s == "ongoing" {
        return Ok(None);
    }
    let bad = || {
        ValidationError::new(
            "duration",
            "write a number of days (7, 7 days, 2 weeks), or leave it empty for ongoing",
        )
    };
    let (number, unit) = match s.split_once(' ') {
        Some((n, u)) => (n, u.trim()),
        None => {
            let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
            (&s[..split], s[split..].trim())
        }
    };
    let n: u32 = number.parse().map_err(|_| bad())?;
    // Checked: "4294967295 weeks" is refused, not wrapped round to a short course.
    let days = match unit {
        "" | "d" | "day" | "days" => Some(n),
        "w" | "wk" | "week" | "weeks" => n.checked_mul(7),
        "m" | "month" | "months" => n.checked_mul(30),
        _ => return Err(bad()),
    }
    .unwrap_or(u32::MAX);
    if days == 0 || days > 365 {
        return Err(ValidationError::new(
            "duration",
            "must be from 1 day to a year",
        ));
    }
    Ok(Some(days))
}

fn parse_quantity(
    s: &str,
    dose: &Dose,
    frequency: &Frequency,
    days: Option<u32>,
    form: &str,
    mark: DecimalMark,
) -> Result<(Decimal, String), ValidationError> {
    let s = s.trim();
    let counted = sig::parse_count_unit(&dose.unit);
    if s.is_empty() {
        // Worked out for counted forms with a known frequency and duration.
        return match (counted, frequency.per_day, days) {
            (Some(unit), Some(per_day), Some(days)) => {
                let n = (dose.amount * per_day * Decimal::from(days)).ceil();
                Ok((n, sig::plural(unit, n)))
            }
            _ => Err(ValidationError::new(
                "quantity",
                "is required: how much to dispense, such as 21 or 1 inhaler",
            )),
        };
    }
    if s.chars().count() > 60 {
        return Err(ValidationError::new(
            "quantity",
            "write a number and what it counts, such as 21 or 1 inhaler",
        ));
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(s.len());
    let n = notation::parse_number(&s[..split], mark)
        .ok()
        .filter(|n| *n <= Decimal::from(10_000))
        .ok_or_else(|| {
            ValidationError::new(
                "quantity",
                match notation::parse_number(&s[..split], mark) {
                    Err(e) if split > 0 => e.0,
                    _ => "must be a number more than 0, such as 21 or 1 inhaler".into(),
                },
            )
        })?;
    let unit = s[split..].trim();
    let unit = if unit.is_empty() {
        match counted {
            Some(one) => sig::plural(one, n),
            None => sig::plural(form, n),
        }
    } else {
        match notation::UnitName::lookup(unit) {
            Some(u) => u.for_value(Some(n)).to_owned(),
            None => notation::checked("quantity", &unit.to_lowercase(), mark)?,
        }
    };
    Ok((n, unit))
}

impl Item {
    /// `amoxicillin 500 mg capsule`, the strength in safe notation whenever it was written.
    pub fn title(&self) -> String {
        format!(
            "{} {} {}",
            notation::printable(&self.drug),
            notation::shown(&self.strength),
            self.form
        )
        .trim()
        .to_owned()
    }

    /// The item with every amount in safe notation, for a draft written before these rules or
    /// by an older desktop: what a person sees and signs is what is stored.
    pub fn normalized(&self) -> Item {
        Item {
            strength: notation::shown(&self.strength),
            quantity_unit: notation::printable(&self.quantity_unit),
            instructions: self.instructions.as_deref().map(notation::printable),
            dose: Dose {
                amount: self.dose.amount.normalize(),
                unit: notation::UnitName::lookup(&self.dose.unit)
                    .map_or_else(|| self.dose.unit.clone(), |u| u.canonical.to_owned()),
            },
            quantity: self.quantity.normalize(),
            ..self.clone()
        }
    }

    /// The patient's instructions as printed.
    pub fn printed_instructions(&self) -> Option<String> {
        self.instructions.as_deref().map(notation::printable)
    }

    /// The directions in full words: `Take 1 capsule by mouth three times a day for 7 days.`
    pub fn directions(&self) -> String {
        let mut s = format!(
            "{} {} {} {}",
            verb(&self.route),
            self.dose.words(),
            route_words(&self.route),
            self.frequency.words
        );
        match self.duration_days {
            Some(1) => s.push_str(" for 1 day"),
            Some(d) if d % 7 == 0 && d >= 14 => s.push_str(&format!(" for {} weeks", d / 7)),
            Some(d) => s.push_str(&format!(" for {d} days")),
            None => {}
        }
        s.push('.');
        s
    }

    /// `21 (twenty-one) capsules`.
    pub fn quantity_words(&self) -> String {
        format!(
            "{} {}",
            figures_and_words(self.quantity),
            notation::printable(&self.quantity_unit)
        )
    }

    /// `No refills`, `2 (two) refills`.
    pub fn refills_words(&self) -> String {
        match self.refills {
            0 => "No refills".to_owned(),
            1 => "1 (one) refill".to_owned(),
            n => format!("{n} ({}) refills", sig::words(u64::from(n))),
        }
    }
}

/// A warning signed over, with the prescriber's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub key: String,
    pub kind: WarningKind,
    pub severity: Severity,
    pub message: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prescription {
    pub id: Uuid,
    /// Given at signing from the device's series: `K7-RX-000045`.
    pub number: Option<String>,
    pub patient_id: PatientId,
    pub prescriber_id: UserId,
    pub status: RxStatus,
    pub items: Vec<Item>,
    pub overrides: Vec<Override>,
    pub created_at: DateTime<Utc>,
    pub signed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub renewed_from: Option<Uuid>,
    pub content_hash: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxRefusal {
    NotDraft,
    NotSigned,
    Empty,
    TooMany,
}

impl RxRefusal {
    /// A stable name for the reason, for the page to branch on.
    pub fn code(self) -> &'static str {
        match self {
            RxRefusal::NotDraft => "prescription_signed",
            RxRefusal::NotSigned => "prescription_not_signed",
            RxRefusal::Empty => "prescription_empty",
            RxRefusal::TooMany => "prescription_too_many_items",
        }
    }

    pub fn words(self) -> Words {
        match self {
            RxRefusal::NotDraft => "This prescription is signed and can no longer be changed; cancel it or renew it as a new draft.".into(),
            RxRefusal::NotSigned => "Only a signed prescription can be cancelled; a draft can simply be deleted.".into(),
            RxRefusal::Empty => "A prescription needs at least one item.".into(),
            RxRefusal::TooMany => {
                words!("A prescription holds at most {max_items} items.", max_items = MAX_ITEMS)
            }
        }
    }
}

impl Prescription {
    pub fn check_edit(&self) -> Result<(), RxRefusal> {
        if self.status == RxStatus::Draft {
            Ok(())
        } else {
            Err(RxRefusal::NotDraft)
        }
    }

    pub fn check_sign(&self) -> Result<(), RxRefusal> {
        self.check_edit()?;
        match self.items.len() {
            0 => Err(RxRefusal::Empty),
            n if n > MAX_ITEMS => Err(RxRefusal::TooMany),
            _ => Ok(()),
        }
    }

    pub fn check_cancel(&self) -> Result<(), RxRefusal> {
        if self.status == RxStatus::Signed {
            Ok(())
        } else {
            Err(RxRefusal::NotSigned)
        }
    }

    /// Whether the stored hash still matches the signed content.
    pub fn hash_holds(&self) -> bool {
        self.hash_holds_as(&[])
    }

    /// Whether the signed content matches its hash, for a prescription that a merge may have
    /// moved here from one of `merged` (the records merged into this patient): it was signed for
    /// that record, and the hash says so.
    pub fn hash_holds_as(&self, merged: &[PatientId]) -> bool {
        match &self.content_hash {
            Some(h) => {
                *h == content_hash(self)
                    || merged.iter().any(|&patient_id| {
                        *h == content_hash(&Prescription {
                            patient_id,
                            ..self.clone()
                        })
                    })
            }
            None => self.status == RxStatus::Draft,
        }
    }
}

/// A hash of everything signed: who, for whom, when, the number, every item and every override.
pub fn content_hash(p: &Prescription) -> String {
    let mut h = Sha256::new();
    let mut part = |s: &str| {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    };
    part("tend-rx-v1");
    part(&p.id.to_string());
    part(&p.patient_id.to_string());
    part(&p.prescriber_id.to_string());
    part(p.number.as_deref().unwrap_or_default());
    part(
        &p.signed_at
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
            .unwrap_or_default(),
    );
    for i in &p.items {
        for s in [
            i.drug_code.as_deref().unwrap_or_default(),
            &i.drug,
            &i.strength,
            &i.form,
            &i.dose.amount.normalize().to_string(),
            &i.dose.unit,
            &i.route,
            &i.frequency.code,
            &i.duration_days.map(|d| d.to_string()).unwrap_or_default(),
            &i.quantity.normalize().to_string(),
            &i.quantity_unit,
            &i.refills.to_string(),
            i.instructions.as_deref().unwrap_or_default(),
        ] {
            part(s);
        }
    }
    for o in &p.overrides {
        part(&o.key);
        part(&o.reason);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
