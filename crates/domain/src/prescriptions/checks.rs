//! The safety checks run on a prescription before it is signed, as one pure function of the
//! items, the patient's allergies, current medications, age and latest weight, and the catalog.
//!
//! Each warning carries a stable key: signing over a warning that needs a reason means giving
//! a reason for its key, and the reasons are recorded with the prescription.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Severity;
use super::catalog::{Catalog, Drug, Side};
use super::prescription::Item;
use super::sig::{Amount, Strength};
use crate::chart::{AllergyList, AllergyView, MedicationView};
use crate::text::fold;

/// A weight older than this is not used for a child's dose.
pub const RECENT_WEIGHT_DAYS: i64 = 90;
/// Under this age (in years) the weight-based limits apply.
pub const CHILD_UNDER_YEARS: u32 = 18;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    AllergiesNotAsked,
    Allergy,
    CrossReactivity,
    Interaction,
    DuplicateTherapy,
    SameDrug,
    MaxDose,
    ChildDose,
    NoRecentWeight,
    NotInCatalog,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub kind: WarningKind,
    pub severity: Severity,
    /// Stable for the same finding, so an override given for it can be matched at signing.
    pub key: String,
    /// The prescribed drug it concerns (generic name).
    pub drug: String,
    /// The other drug or the allergy, when there is one.
    pub other: Option<String>,
    /// Why, for a person: what was found and what it means.
    pub message: String,
}

#[derive(Debug, Clone, Copy)]
pub struct CheckInput<'a> {
    pub catalog: &'a Catalog,
    pub items: &'a [Item],
    pub allergies: &'a AllergyList,
    /// The patient's active medications.
    pub medications: &'a [MedicationView],
    pub birth_date: NaiveDate,
    /// Grams, and the day it was measured.
    pub latest_weight: Option<(u32, NaiveDate)>,
    pub today: NaiveDate,
}

/// A key a person can type in a shell unquoted: letters, digits and `:._+-`; spaces become `_`,
/// the `|` between two drugs becomes `+`.
fn typeable(key: &str) -> String {
    key.chars()
        .map(|c| match c {
            '|' => '+',
            c if c.is_ascii_alphanumeric() || ":._+-".contains(c) => c,
            _ => '_',
        })
        .collect()
}

/// Every warning for the prescription, most severe first.
pub fn check(input: &CheckInput<'_>) -> Vec<Warning> {
    let catalog = input.catalog;
    let drugs: Vec<Option<&Drug>> = input
        .items
        .iter()
        .map(|item| item.drug_code.as_deref().and_then(|c| catalog.get(c)))
        .collect();
    let mut out: Vec<Warning> = Vec::new();
    let mut push = |mut w: Warning| {
        w.key = typeable(&w.key);
        if !out.iter().any(|o| o.key == w.key) {
            out.push(w);
        }
    };

    // Allergies.
    match input.allergies {
        AllergyList::NotAsked => push(Warning {
            kind: WarningKind::AllergiesNotAsked,
            severity: Severity::Moderate,
            key: "allergies-not-asked".into(),
            drug: String::new(),
            other: None,
            message: "Allergies have not been asked about: record them (or \"no known allergies\") before prescribing.".into(),
        }),
        AllergyList::NoneKnown { .. } => {}
        AllergyList::Recorded { .. } => {
            for allergy in input.allergies.active() {
                for (item, drug) in input.items.iter().zip(&drugs) {
                    if let Some(w) = allergy_warning(catalog, allergy, item, *drug) {
                        push(w);
                    }
                }
            }
        }
    }

    // Items not in the catalog cannot be checked.
    for (item, drug) in input.items.iter().zip(&drugs) {
        if drug.is_none() {
            push(Warning {
                kind: WarningKind::NotInCatalog,
                severity: Severity::Moderate,
                key: format!("not-in-catalog:{}", fold(&item.drug)),
                drug: item.drug.clone(),
                other: None,
                message: format!(
                    "{} is not in the drug catalog: no allergy, interaction or dose checks could be run for it.",
                    item.drug
                ),
            });
        }
    }

    // Pairs: item with item, and item with current medication.
    let current: Vec<Taking<'_>> = input
        .medications
        .iter()
        .filter_map(|m| {
            m.drug_code
                .as_deref()
                .and_then(|c| catalog.get(c))
                .or_else(|| catalog.resolve(&m.drug))
                .map(|drug| Taking {
                    drug,
                    daily: recorded_daily(m),
                })
        })
        .collect();
    let prescribed: Vec<Option<Taking<'_>>> = input
        .items
        .iter()
        .zip(&drugs)
        .map(|(item, drug)| {
            drug.map(|drug| Taking {
                drug,
                daily: daily_amount(item).map_or(Daily::Unknown, |(_, daily)| Daily::Known(daily)),
            })
        })
        .collect();
    for (i, a) in prescribed.iter().enumerate() {
        let Some(a) = a else { continue };
        for b in prescribed.iter().skip(i + 1).flatten() {
            if a.drug.code == b.drug.code {
                push(Warning {
                    kind: WarningKind::SameDrug,
                    severity: Severity::Moderate,
                    key: format!("same-drug:{}", a.drug.code),
                    drug: a.drug.generic.clone(),
                    other: None,
                    message: format!(
                        "{} is prescribed twice on this prescription.",
                        a.drug.generic
                    ),
                });
                continue;
            }
            pair_warnings(catalog, a, b, false, &mut push);
        }
        for b in &current {
            // The same drug as a current medication is a continuation, not a duplicate.
            if a.drug.code != b.drug.code {
                pair_warnings(catalog, a, b, true, &mut push);
            }
        }
    }

    // Doses.
    let age = years_between(input.birth_date, input.today);
    for (item, drug) in input.items.iter().zip(&drugs) {
        let Some(drug) = drug else { continue };
        let daily = daily_amount(item).map(|(per_dose, daily)| (per_dose, daily.value));
        let weekly = Decimal::ONE / Decimal::from(7);
        if catalog.is(drug, "weekly_dosing")
            && item
                .frequency
                .per_day
                .is_some_and(|n| n > weekly + Decimal::new(1, 3))
        {
            push(Warning {
                kind: WarningKind::MaxDose,
                severity: Severity::Major,
                key: format!("weekly-only:{}:{}", drug.code, item.frequency.code),
                drug: drug.generic.clone(),
                other: None,
                message: format!(
                    "{} is usually taken once a week; taking it {} has caused fatal overdoses.",
                    drug.generic, item.frequency.words
                ),
            });
        }
        if let (Some(max), Some((per_dose, daily))) = (drug.max_daily, daily) {
            let daily_amount = Amount {
                value: daily,
                unit: per_dose.unit,
            };
            if daily_amount.in_unit_of(max).is_some_and(|d| d > max.value) {
                push(Warning {
                    kind: WarningKind::MaxDose,
                    severity: Severity::Major,
                    key: format!("max-dose:{}:{}", drug.code, daily.normalize()),
                    drug: drug.generic.clone(),
                    other: None,
                    message: format!(
                        "{} {} {} is {} a day, above the usual adult maximum of {} a day.",
                        drug.generic,
                        item.dose.words(),
                        item.frequency.words,
                        round(daily_amount),
                        max
                    ),
                });
            }
        }
        if age < CHILD_UNDER_YEARS
            && let Some(limit) = drug.child_max_mg_per_kg_day
        {
            let recent = input
                .latest_weight
                .filter(|(_, on)| (input.today - *on).num_days() <= RECENT_WEIGHT_DAYS);
            match (recent, daily) {
                (None, _) => push(Warning {
                    kind: WarningKind::NoRecentWeight,
                    severity: Severity::Moderate,
                    key: format!("no-recent-weight:{}", drug.code),
                    drug: drug.generic.clone(),
                    other: None,
                    message: format!(
                        "No weight recorded in the last {RECENT_WEIGHT_DAYS} days: the dose of {} for a child of {age} cannot be checked against {} mg/kg a day.",
                        drug.generic,
                        limit.normalize()
                    ),
                }),
                (Some((grams, _)), Some((per_dose, daily))) => {
                    let mg = Amount {
                        value: daily,
                        unit: per_dose.unit,
                    }
                    .mg();
                    let kg = Decimal::from(grams) / Decimal::from(1000);
                    if let Some(mg) = mg.filter(|_| kg > Decimal::ZERO) {
                        let per_kg = mg / kg;
                        if per_kg > limit {
                            push(Warning {
                                kind: WarningKind::ChildDose,
                                severity: Severity::Major,
                                key: format!("child-dose:{}:{}", drug.code, daily.normalize()),
                                drug: drug.generic.clone(),
                                other: None,
                                message: format!(
                                    "{} mg a day is {} mg/kg a day for this child of {} kg, above the usual maximum of {} mg/kg a day.",
                                    mg.round_dp(1).normalize(),
                                    per_kg.round_dp(1).normalize(),
                                    kg.round_dp(1).normalize(),
                                    limit.normalize()
                                ),
                            });
                        }
                    }
                }
                (Some(_), None) => {}
            }
        }
    }

    out.sort_by_key(|w| std::cmp::Reverse(w.severity));
    out
}

fn round(a: Amount) -> String {
    Amount {
        value: a.value.round_dp(2),
        unit: a.unit,
    }
    .to_string()
}

fn years_between(birth: NaiveDate, today: NaiveDate) -> u32 {
    today.years_since(birth).unwrap_or(0)
}

/// A drug the patient would take, and how much of it a day when that can be known.
struct Taking<'a> {
    drug: &'a Drug,
    daily: Daily,
}

#[derive(Debug, Clone, Copy)]
enum Daily {
    Known(Amount),
    /// At least this much (a medication recorded with a dose and no frequency).
    AtLeast(Amount),
    Unknown,
}

/// An item's amount of drug per dose and per day, when the dose, strength and frequency say.
fn daily_amount(item: &Item) -> Option<(Amount, Amount)> {
    let per_dose = item.dose.amount_of_drug(Strength::parse(&item.strength))?;
    let per_day = item.frequency.per_day?;
    Some((
        per_dose,
        Amount {
            value: per_dose.value * per_day,
            unit: per_dose.unit,
        },
    ))
}

/// What a medication on the list amounts to a day, from its dose and frequency as recorded
/// ("20 mg 1 tablet", "once a day"): the strength times the count, times the doses a day. With
/// no frequency recorded it is at least one dose a day.
fn recorded_daily(m: &MedicationView) -> Daily {
    let Some(dose) = m.dose.as_deref() else {
        return Daily::Unknown;
    };
    let words: Vec<&str> = dose.split_whitespace().collect();
    let mut amount: Option<Amount> = None;
    let mut count = Decimal::ONE;
    for pair in words.windows(2) {
        let both = format!("{} {}", pair[0], pair[1]);
        if amount.is_none()
            && let Some(a) = Amount::parse(&both)
        {
            amount = Some(a);
        } else if let (Ok(n), Some(unit)) = (
            pair[0].parse::<Decimal>(),
            super::notation::UnitName::lookup(pair[1]),
        ) && unit.kind == super::notation::Kind::Count
        {
            count = n;
        }
    }
    let Some(per_dose) = amount else {
        return Daily::Unknown;
    };
    let times = |n: Decimal| Amount {
        value: per_dose.value * count * n,
        unit: per_dose.unit,
    };
    match m.frequency.as_deref() {
        None => Daily::AtLeast(times(Decimal::ONE)),
        Some(f) => match f.parse::<super::Frequency>().ok().and_then(|f| f.per_day) {
            Some(n) => Daily::Known(times(n)),
            None => Daily::Unknown,
        },
    }
}

/// The interaction between two drugs: the most serious rule they meet (one warning a pair),
/// and duplicate therapy. A rule with a label's dose limit is silent while the limited drug's
/// daily dose is within it.
fn pair_warnings(
    catalog: &Catalog,
    a: &Taking<'_>,
    b: &Taking<'_>,
    b_is_current: bool,
    push: &mut impl FnMut(Warning),
) {
    let (first, second) = if a.drug.code <= b.drug.code {
        (a.drug, b.drug)
    } else {
        (b.drug, a.drug)
    };
    let taking = if b_is_current {
        format!(" (already taking {})", b.drug.generic)
    } else {
        String::new()
    };
    let mut worst: Option<(Severity, String)> = None;
    for rule in &catalog.interactions {
        let forward = catalog.is(a.drug, &rule.a) && catalog.is(b.drug, &rule.b);
        let backward = catalog.is(a.drug, &rule.b) && catalog.is(b.drug, &rule.a);
        if !forward && !backward {
            continue;
        }
        let pair = format!("{} with {}{taking}", a.drug.generic, b.drug.generic);
        let message = match rule.limit {
            None => format!("{pair}: {}", rule.note),
            Some(limit) => {
                let limited = match (limit.side, forward) {
                    (Side::A, true) | (Side::B, false) => a,
                    _ => b,
                };
                let other = if std::ptr::eq(limited, a) { b } else { a };
                let max = limit.max_daily;
                let over = |d: Amount| d.in_unit_of(max).map(|v| (d, v > max.value));
                match limited.daily {
                    // Within the label's limit: the combination is as the label allows.
                    Daily::Known(d) if over(d).is_some_and(|(_, over)| !over) => continue,
                    Daily::Known(daily) | Daily::AtLeast(daily)
                        if over(daily).is_some_and(|(_, over)| over) =>
                    {
                        format!(
                            "{pair}: {} of {} a day is above the label's limit of {max} a day with {}. {}",
                            round(daily),
                            limited.drug.generic,
                            other.drug.generic,
                            rule.note
                        )
                    }
                    _ => format!(
                        "{pair}: the label's limit for {} with {} is {max} a day; the daily dose of {} is not known here, so check it. {}",
                        limited.drug.generic, other.drug.generic, limited.drug.generic, rule.note
                    ),
                }
            }
        };
        if worst.as_ref().is_none_or(|(s, _)| rule.severity > *s) {
            worst = Some((rule.severity, message));
        }
    }
    if let Some((severity, message)) = worst {
        push(Warning {
            kind: WarningKind::Interaction,
            severity,
            key: format!("interaction:{}|{}", first.code, second.code),
            drug: a.drug.generic.clone(),
            other: Some(b.drug.generic.clone()),
            message,
        });
    }
    if a.drug.class == b.drug.class
        && let Some(class) = catalog.class(&a.drug.class).filter(|c| c.duplicate_warning)
    {
        push(Warning {
            kind: WarningKind::DuplicateTherapy,
            severity: Severity::Moderate,
            key: format!("duplicate:{}|{}", first.code, second.code),
            drug: a.drug.generic.clone(),
            other: Some(b.drug.generic.clone()),
            message: format!(
                "Duplicate therapy: {} and {}{taking} are both a {}.",
                a.drug.generic, b.drug.generic, class.label
            ),
        });
    }
}

fn allergy_warning(
    catalog: &Catalog,
    allergy: &AllergyView,
    item: &Item,
    drug: Option<&Drug>,
) -> Option<Warning> {
    let substance = &allergy.substance;
    let folded = fold(substance);
    let allergen = allergy
        .substance_code
        .as_deref()
        .and_then(|c| catalog.get(c))
        .or_else(|| catalog.resolve(substance));
    let reaction = match &allergy.reaction {
        Some(r) => format!("{r}, {}", severity_word(allergy)),
        None => severity_word(allergy).to_owned(),
    };
    let key = |kind: &str| {
        format!(
            "{kind}:{}:{}",
            item.drug_code.as_deref().unwrap_or(&item.drug),
            allergy.id
        )
    };
    let Some(drug) = drug else {
        // Not in the catalog: compare names.
        let name = fold(&item.drug);
        return (!folded.is_empty() && name.contains(&folded)).then(|| Warning {
            kind: WarningKind::Allergy,
            severity: Severity::Contraindicated,
            key: key("allergy"),
            drug: item.drug.clone(),
            other: Some(substance.clone()),
            message: format!(
                "Allergy recorded to {substance} ({reaction}); {} appears to contain it.",
                item.drug
            ),
        });
    };
    // An ingredient named by the allergy (`sulfamethoxazole` in co-trimoxazole).
    let ingredient = allergen.is_none() && drug.tags.iter().any(|t| fold(t) == folded);
    if ingredient {
        return Some(Warning {
            kind: WarningKind::Allergy,
            severity: Severity::Contraindicated,
            key: key("allergy"),
            drug: drug.generic.clone(),
            other: Some(substance.clone()),
            message: format!(
                "Allergy recorded to {substance} ({reaction}); {} contains it.",
                drug.generic
            ),
        });
    }
    if let Some(allergen) = allergen
        && (allergen.code == drug.code || catalog.is(drug, &allergen.code))
    {
        return Some(Warning {
            kind: WarningKind::Allergy,
            severity: Severity::Contraindicated,
            key: key("allergy"),
            drug: drug.generic.clone(),
            other: Some(substance.clone()),
            message: format!(
                "Allergy recorded to {substance} ({reaction}); {} {}.",
                drug.generic,
                if allergen.code == drug.code {
                    "is that drug"
                } else {
                    "contains it"
                }
            ),
        });
    }
    let groups: Vec<_> = catalog
        .allergy_groups
        .iter()
        .filter(|g| {
            g.names.contains(&folded) || allergen.is_some_and(|a| catalog.is(a, &g.members))
        })
        .collect();
    if let Some(g) = groups.iter().find(|g| catalog.is(drug, &g.members)) {
        return Some(Warning {
            kind: WarningKind::Allergy,
            severity: Severity::Major,
            key: key("allergy-class"),
            drug: drug.generic.clone(),
            other: Some(substance.clone()),
            message: format!(
                "Allergy recorded to {substance} ({reaction}); {} belongs to the same group ({}).",
                drug.generic, g.label
            ),
        });
    }
    for g in &groups {
        if let Some(cross) = catalog
            .cross_reactions
            .iter()
            .find(|c| c.allergy_group == g.id && catalog.is(drug, &c.drug_group))
        {
            return Some(Warning {
                kind: WarningKind::CrossReactivity,
                severity: cross.severity,
                key: key("cross"),
                drug: drug.generic.clone(),
                other: Some(substance.clone()),
                message: format!(
                    "Allergy recorded to {substance} ({reaction}); possible cross-reactivity with {}: {}",
                    drug.generic, cross.note
                ),
            });
        }
    }
    None
}

fn severity_word(a: &AllergyView) -> &'static str {
    match a.severity {
        crate::chart::Severity::Mild => "mild",
        crate::chart::Severity::Moderate => "moderate",
        crate::chart::Severity::Severe => "severe",
    }
}
