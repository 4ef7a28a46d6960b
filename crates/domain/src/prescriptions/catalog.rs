//! The drug catalog and its safety data, shipped in `assets/drugs/` (sources and licences in
//! `assets/LICENSES.md`) and embedded in the binary, plus the clinic's own drugs and brand names.
//!
//! A drug *is* a group when the group is its code, its class or one of its tags, or when one of
//! its tags is the code of a drug that is (so a combination product is each of its components):
//! `catalog.is(co-trimoxazole, "trimethoprim")` and `catalog.is(ibuprofen, "nsaid_cox1")` hold.
//! Interaction rules, allergy groups and cross-reactions are written in those terms.

use std::collections::HashMap;
use std::sync::OnceLock;

use rust_decimal::Decimal;
use serde::Serialize;

use super::Severity;
use super::notation::{self, DecimalMark};
use super::sig::{Amount, Strength};
use crate::text::{fold, tokens};

const CATALOG: &str = include_str!("../../../../assets/drugs/catalog.csv");
const CLASSES: &str = include_str!("../../../../assets/drugs/classes.csv");
const INTERACTIONS: &str = include_str!("../../../../assets/drugs/interactions.csv");
const ALLERGY_GROUPS: &str = include_str!("../../../../assets/drugs/allergy_groups.csv");
const ALLERGY_CROSS: &str = include_str!("../../../../assets/drugs/allergy_cross.csv");

/// Codes of drugs the clinic adds start with this, so they never meet a shipped code.
pub const CLINIC_PREFIX: &str = "clinic:";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drug {
    /// `amoxicillin`, or `clinic:<uuid>` for the clinic's own.
    pub code: String,
    pub generic: String,
    /// The therapeutic class (`classes.csv`), which duplicate-therapy checks compare.
    pub class: String,
    /// Other groups it belongs to: interaction groups (`qt_high_risk`) and, for combinations,
    /// the codes of its components.
    pub tags: Vec<String>,
    pub forms: Vec<String>,
    pub strengths: Vec<String>,
    pub routes: Vec<String>,
    pub usual_adult_dose: String,
    /// The usual adult maximum per day, where well established.
    pub max_daily: Option<Amount>,
    /// The usual maximum for a child, per kilogram per day, in mg.
    pub child_max_mg_per_kg_day: Option<Decimal>,
    /// Brand names the clinic has added.
    pub brands: Vec<String>,
}

impl Drug {
    pub fn is_clinic_drug(&self) -> bool {
        self.code.starts_with(CLINIC_PREFIX)
    }

    /// The first strength that parses as one, for dose arithmetic when none was chosen.
    pub fn strength(&self, text: &str) -> Option<Strength> {
        Strength::parse(text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrugClass {
    pub id: String,
    pub label: String,
    pub duplicate_warning: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionRule {
    pub a: String,
    pub b: String,
    pub severity: Severity,
    pub note: String,
    /// The entry of the ONC high-priority list (Phansalkar et al., JAMIA 2012) it is, 1 to 15.
    pub onc: Option<u8>,
    /// Where it comes from: the list's entry, the label and its section.
    pub source: String,
    /// A label's dose limit: the warning stands only when the limited drug's daily dose is
    /// above it (or not known).
    pub limit: Option<DoseLimit>,
}

/// The most of one drug of a pair a label allows a day with the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoseLimit {
    /// Which side of the rule the limit is on.
    pub side: Side,
    pub max_daily: Amount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllergyGroup {
    pub id: String,
    pub label: String,
    /// Folded words a recorded allergy may use for the whole group ("penicillin", "sulfa").
    pub names: Vec<String>,
    /// The drug group (class or tag) whose drugs are in it.
    pub members: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossReaction {
    pub allergy_group: String,
    pub drug_group: String,
    pub severity: Severity,
    pub note: String,
}

/// A clinic's own drug, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicDrug {
    pub code: String,
    pub generic: String,
    pub class: String,
    pub forms: Vec<String>,
    pub strengths: Vec<String>,
    pub routes: Vec<String>,
    pub max_daily: Option<Amount>,
}

#[derive(Debug, Clone)]
pub struct Catalog {
    drugs: Vec<Drug>,
    by_code: HashMap<String, usize>,
    /// Folded generic names and brands → drug index.
    by_name: HashMap<String, usize>,
    classes: HashMap<String, DrugClass>,
    pub interactions: Vec<InteractionRule>,
    pub allergy_groups: Vec<AllergyGroup>,
    pub cross_reactions: Vec<CrossReaction>,
}

/// The catalog as shipped, parsed on first use and kept.
pub fn shipped() -> &'static Catalog {
    static SHIPPED: OnceLock<Catalog> = OnceLock::new();
    SHIPPED.get_or_init(|| Catalog::parse().unwrap_or_else(|e| panic!("assets/drugs: {e}")))
}

fn list(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The rows of a CSV file as column → value. Every column in `columns` must be in the header,
/// and the reader refuses rows of another length, so looking them up never fails.
fn rows(name: &str, text: &str, columns: &[&str]) -> Result<Vec<HashMap<String, String>>, String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("{name}: {e}"))?
        .clone();
    if let Some(missing) = columns.iter().find(|c| !headers.iter().any(|h| h == **c)) {
        return Err(format!("{name}: no column {missing}"));
    }
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("{name} line {}: {e}", i + 2))?;
        out.push(
            headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_owned(), v.trim().to_owned()))
                .collect(),
        );
    }
    Ok(out)
}

impl Catalog {
    /// Parses the shipped files; every reference between them is checked, so a typo in an
    /// asset fails the tests rather than silently never warning.
    pub fn parse() -> Result<Catalog, String> {
        let mut classes = HashMap::new();
        for r in rows(
            "classes.csv",
            CLASSES,
            &["class", "label", "duplicate_warning"],
        )? {
            classes.insert(
                r["class"].clone(),
                DrugClass {
                    id: r["class"].clone(),
                    label: r["label"].clone(),
                    duplicate_warning: r["duplicate_warning"] == "yes",
                },
            );
        }
        let mut drugs = Vec::new();
        for (i, r) in rows(
            "catalog.csv",
            CATALOG,
            &[
                "code",
                "generic",
                "class",
                "tags",
                "forms",
                "strengths",
                "routes",
                "usual_adult_dose",
                "max_daily",
                "ped_max_mg_kg_day",
            ],
        )?
        .into_iter()
        .enumerate()
        {
            let line = i + 2;
            if !classes.contains_key(&r["class"]) {
                return Err(format!(
                    "catalog.csv line {line}: unknown class {}",
                    r["class"]
                ));
            }
            let max_daily = match r["max_daily"].as_str() {
                "" => None,
                s => Some(Amount::parse(s).ok_or_else(|| {
                    format!("catalog.csv line {line}: max_daily {s:?} is not an amount")
                })?),
            };
            let child = match r["ped_max_mg_kg_day"].as_str() {
                "" => None,
                s => Some(s.parse::<Decimal>().map_err(|_| {
                    format!("catalog.csv line {line}: ped_max_mg_kg_day {s:?} is not a number")
                })?),
            };
            let strengths = list(&r["strengths"]);
            for strength in &strengths {
                match notation::canonical(strength, DecimalMark::Point) {
                    Ok(c) if c == *strength => {}
                    Ok(c) => {
                        return Err(format!(
                            "catalog.csv line {line}: strength {strength:?} is written {c:?} in safe notation"
                        ));
                    }
                    Err(e) => {
                        return Err(format!(
                            "catalog.csv line {line}: strength {strength:?}: {e}"
                        ));
                    }
                }
            }
            drugs.push(Drug {
                code: r["code"].clone(),
                generic: r["generic"].clone(),
                class: r["class"].clone(),
                tags: list(&r["tags"]),
                forms: list(&r["forms"]),
                strengths,
                routes: list(&r["routes"]),
                usual_adult_dose: r["usual_adult_dose"].clone(),
                max_daily,
                child_max_mg_per_kg_day: child,
                brands: Vec::new(),
            });
        }
        let mut catalog = Catalog {
            drugs: Vec::new(),
            by_code: HashMap::new(),
            by_name: HashMap::new(),
            classes,
            interactions: Vec::new(),
            allergy_groups: Vec::new(),
            cross_reactions: Vec::new(),
        };
        for d in drugs {
            catalog.insert(d)?;
        }
        let groups: std::collections::HashSet<String> = catalog
            .drugs
            .iter()
            .flat_map(|d| {
                [d.code.clone(), d.class.clone()]
                    .into_iter()
                    .chain(d.tags.clone())
            })
            .collect();
        let known = |g: &str| groups.contains(g);
        for (i, r) in rows(
            "interactions.csv",
            INTERACTIONS,
            &[
                "a", "b", "severity", "note", "onc", "source", "limit_of", "limit",
            ],
        )?
        .into_iter()
        .enumerate()
        {
            let line = i + 2;
            for side in ["a", "b"] {
                if !known(&r[side]) {
                    return Err(format!("interactions.csv line {line}: unknown {}", r[side]));
                }
            }
            if r["source"].is_empty() || r["note"].is_empty() {
                return Err(format!(
                    "interactions.csv line {line}: every rule needs a note and its source"
                ));
            }
            let onc = match r["onc"].as_str() {
                "" => None,
                n => Some(
                    n.parse::<u8>()
                        .ok()
                        .filter(|n| (1..=15).contains(n))
                        .ok_or_else(|| {
                            format!("interactions.csv line {line}: onc {n:?} is not 1 to 15")
                        })?,
                ),
            };
            let limit = match (r["limit_of"].as_str(), r["limit"].as_str()) {
                ("", "") => None,
                (side @ ("a" | "b"), amount) => Some(DoseLimit {
                    side: if side == "a" { Side::A } else { Side::B },
                    max_daily: Amount::parse(amount).ok_or_else(|| {
                        format!("interactions.csv line {line}: limit {amount:?} is not an amount")
                    })?,
                }),
                (other, _) => {
                    return Err(format!(
                        "interactions.csv line {line}: limit_of {other:?} must be a or b"
                    ));
                }
            };
            catalog.interactions.push(InteractionRule {
                a: r["a"].clone(),
                b: r["b"].clone(),
                severity: r["severity"].parse()?,
                note: r["note"].clone(),
                onc,
                source: r["source"].clone(),
                limit,
            });
        }
        for (i, r) in rows(
            "allergy_groups.csv",
            ALLERGY_GROUPS,
            &["group", "label", "names", "members"],
        )?
        .into_iter()
        .enumerate()
        {
            if !known(&r["members"]) {
                return Err(format!(
                    "allergy_groups.csv line {}: unknown {}",
                    i + 2,
                    r["members"]
                ));
            }
            catalog.allergy_groups.push(AllergyGroup {
                id: r["group"].clone(),
                label: r["label"].clone(),
                names: list(&r["names"]).iter().map(|n| fold(n)).collect(),
                members: r["members"].clone(),
            });
        }
        for (i, r) in rows(
            "allergy_cross.csv",
            ALLERGY_CROSS,
            &["allergy_group", "drug_group", "severity", "note"],
        )?
        .into_iter()
        .enumerate()
        {
            let line = i + 2;
            if !catalog
                .allergy_groups
                .iter()
                .any(|g| g.id == r["allergy_group"])
            {
                return Err(format!(
                    "allergy_cross.csv line {line}: unknown allergy group"
                ));
            }
            if !known(&r["drug_group"]) {
                return Err(format!("allergy_cross.csv line {line}: unknown drug group"));
            }
            catalog.cross_reactions.push(CrossReaction {
                allergy_group: r["allergy_group"].clone(),
                drug_group: r["drug_group"].clone(),
                severity: r["severity"].parse()?,
                note: r["note"].clone(),
            });
        }
        Ok(catalog)
    }

    fn insert(&mut self, drug: Drug) -> Result<(), String> {
        if self.by_code.contains_key(&drug.code) {
            return Err(format!("drug code {} is used twice", drug.code));
        }
        let index = self.drugs.len();
        self.by_code.insert(drug.code.clone(), index);
        self.by_name.entry(fold(&drug.generic)).or_insert(index);
        // "paracetamol (acetaminophen)": each name alone finds it too.
        for part in drug.generic.split(['(', ')']) {
            let part = fold(part);
            if !part.is_empty() {
                self.by_name.entry(part).or_insert(index);
            }
        }
        self.by_name.entry(fold(&drug.code)).or_insert(index);
        for brand in &drug.brands {
            self.by_name.insert(fold(brand), index);
        }
        self.drugs.push(drug);
        Ok(())
    }

    /// The shipped catalog plus the clinic's own drugs, brand names (brand, drug code) and
    /// strengths added to drugs (drug code, strength). Strengths are written in safe notation
    /// whenever they were stored.
    pub fn with_clinic(
        drugs: Vec<ClinicDrug>,
        brands: &[(String, String)],
        strengths: &[(String, String)],
    ) -> Catalog {
        let mut catalog = shipped().clone();
        for d in drugs {
            let _ = catalog.insert(Drug {
                code: d.code,
                generic: d.generic,
                class: d.class,
                tags: Vec::new(),
                forms: d.forms,
                strengths: d.strengths.iter().map(|s| notation::shown(s)).collect(),
                routes: d.routes,
                usual_adult_dose: String::new(),
                max_daily: d.max_daily,
                child_max_mg_per_kg_day: None,
                brands: Vec::new(),
            });
        }
        for (brand, code) in brands {
            if let Some(&i) = catalog.by_code.get(code) {
                catalog.drugs[i].brands.push(brand.clone());
                catalog.by_name.insert(fold(brand), i);
            }
        }
        for (code, strength) in strengths {
            if let Some(&i) = catalog.by_code.get(code) {
                let strength = notation::shown(strength);
                let known = &mut catalog.drugs[i].strengths;
                if !known.contains(&strength) {
                    known.push(strength);
                    // In order among its kind: 7 mg between 6 mg and 7.5 mg, liquids after.
                    known.sort_by_key(|s| {
                        notation::Measure::parse(s, DecimalMark::Point)
                            .ok()
                            .map(|m| m.order())
                    });
                }
            }
        }
        catalog
    }

    pub fn len(&self) -> usize {
        self.drugs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.drugs.is_empty()
    }

    pub fn drugs(&self) -> &[Drug] {
        &self.drugs
    }

    pub fn get(&self, code: &str) -> Option<&Drug> {
        self.by_code.get(code).map(|&i| &self.drugs[i])
    }

    pub fn class(&self, id: &str) -> Option<&DrugClass> {
        self.classes.get(id)
    }

    pub fn classes(&self) -> impl Iterator<Item = &DrugClass> {
        self.classes.values()
    }

    /// A drug, class or tag of that name exists.
    pub fn group_exists(&self, group: &str) -> bool {
        self.by_code.contains_key(group)
            || self.classes.contains_key(group)
            || self.drugs.iter().any(|d| d.tags.iter().any(|t| t == group))
    }

    /// Whether `drug` belongs to `group` (see the module's documentation).
    pub fn is(&self, drug: &Drug, group: &str) -> bool {
        if drug.code == group || drug.class == group || drug.tags.iter().any(|t| t == group) {
            return true;
        }
        drug.tags.iter().any(|t| {
            self.get(t).is_some_and(|part| {
                part.code != drug.code
                    && (part.class == group || part.tags.iter().any(|g| g == group))
            })
        })
    }

    /// The drug a free-text name (a medication or allergy written by hand) stands for: its
    /// generic name, code or a brand, folded; or failing that the longest run of leading words
    /// that is one ("amoxicillin 500 mg capsules" → amoxicillin).
    pub fn resolve(&self, text: &str) -> Option<&Drug> {
        let words = tokens(text);
        for n in (1..=words.len()).rev() {
            if let Some(&i) = self.by_name.get(&words[..n].join(" ")) {
                return Some(&self.drugs[i]);
            }
        }
        None
    }

    /// Whether a drug combines two or more ingredients: its name joins them with "and", a
    /// tag names another drug of the catalog, or its strength has two amounts of one kind
    /// (`49 mg/51 mg`).
    pub fn is_combination(&self, drug: &Drug) -> bool {
        drug.generic.contains(" and ")
            || drug
                .tags
                .iter()
                .any(|t| t != &drug.code && self.by_code.contains_key(t))
            || drug.strengths.iter().any(|s| {
                notation::Measure::parse(s, DecimalMark::Point).is_ok_and(|m| {
                    m.terms.len() > 1
                        && m.terms[1].value.is_some()
                        && m.terms[0].unit.kind == m.terms[1].unit.kind
                })
            })
    }

    /// Drugs whose generic name, code or brand has every typed word as a word prefix, best
    /// first: a name that is what was typed, then single-ingredient drugs before combinations
    /// (typing "paracetamol" never puts "paracetamol and codeine", an opioid, first), then
    /// names that start with the query, then shorter names.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Drug> {
        let typed = tokens(query);
        if typed.is_empty() {
            return Vec::new();
        }
        let whole = typed.join(" ");
        // (not what was typed, a combination, not starting with it, length): lowest first.
        type Rank = (bool, bool, bool, usize);
        let mut hits: Vec<(Rank, &Drug)> = Vec::new();
        for d in &self.drugs {
            let mut names = vec![fold(&d.generic)];
            names.extend(d.brands.iter().map(|b| fold(b)));
            let best = names.iter().find(|name| {
                let words: Vec<&str> = name.split(' ').collect();
                typed
                    .iter()
                    .all(|t| words.iter().any(|w| w.starts_with(t.as_str())))
            });
            if let Some(name) = best {
                // "paracetamol (acetaminophen)" is each of its names.
                let exact = names.contains(&whole)
                    || d.generic.split(['(', ')']).any(|part| fold(part) == whole);
                let key = (
                    !exact,
                    self.is_combination(d),
                    !name.starts_with(typed[0].as_str()),
                    d.generic.len(),
                );
                hits.push((key, d));
            }
        }
        hits.sort_by(|a, b| (a.0, &a.1.generic).cmp(&(b.0, &b.1.generic)));
        hits.into_iter().take(limit).map(|(_, d)| d).collect()
    }
}
