//! ICD-10-CM (April 2026, CDC/NCHS, public domain), shipped in `assets/icd10cm/` and embedded in
//! the binary, searchable by code (`I10`, `e11.9`, `j02`) and by words (`hypert`,
//! `high blood pressure`), every word a prefix, in any order.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::OnceLock;

use serde::Serialize;

use crate::ValidationError;
use crate::text::{fold, tokens};

const DATA: &[u8] = include_bytes!("../../../assets/icd10cm/icd10cm-2026.tsv.gz");
/// Codes a primary-care clinic records most often; ranked first among equal matches.
const COMMON: &str = include_str!("../../../assets/icd10cm/common.tsv");

/// The release this build carries.
pub const RELEASE: &str = "ICD-10-CM April 2026";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IcdCode {
    pub code: String,
    /// A complete code that can be recorded (a leaf), rather than a category.
    pub billable: bool,
    pub description: String,
    /// Words the tabular list gives as included ("high blood pressure" for I10).
    pub terms: String,
}

#[derive(Debug)]
pub struct Catalog {
    /// Sorted by code.
    codes: Vec<IcdCode>,
    /// Folded word → codes (by index) whose description or terms contain it, and whether the
    /// word is in the description (which ranks higher).
    words: BTreeMap<String, Vec<(u32, bool)>>,
    /// Indexes of the common codes.
    common: std::collections::HashSet<u32>,
}

/// The catalog, built on first use (a fraction of a second) and kept.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::parse(DATA))
}

/// `e119` or `E11.9` → `E11.9`; anything that is not code-shaped → `None`.
pub fn normalize_code(s: &str) -> Option<String> {
    let compact: String = s
        .trim()
        .chars()
        .filter(|c| *c != '.')
        .collect::<String>()
        .to_ascii_uppercase();
    let b = compact.as_bytes();
    let shaped = (1..=7).contains(&b.len())
        && b[0].is_ascii_alphabetic()
        && compact.chars().skip(1).all(|c| c.is_ascii_alphanumeric())
        && b.get(1).is_none_or(|c| c.is_ascii_digit());
    if !shaped {
        return None;
    }
    Some(if compact.len() > 3 {
        format!("{}.{}", &compact[..3], &compact[3..])
    } else {
        compact
    })
}

impl Catalog {
    fn parse(gz: &[u8]) -> Catalog {
        let mut text = String::new();
        // The data is part of the binary and checked by a test; a failure here is a build bug.
        if flate2::read::GzDecoder::new(gz)
            .read_to_string(&mut text)
            .is_err()
        {
            return Catalog {
                codes: Vec::new(),
                words: BTreeMap::new(),
                common: Default::default(),
            };
        }
        let mut codes: Vec<IcdCode> = text
            .lines()
            .filter_map(|line| {
                let mut f = line.split('\t');
                Some(IcdCode {
                    code: f.next()?.to_owned(),
                    billable: f.next()? == "1",
                    description: f.next()?.to_owned(),
                    terms: f.next().unwrap_or_default().to_owned(),
                })
            })
            .collect();
        codes.sort_by(|a, b| a.code.cmp(&b.code));
        let mut words: BTreeMap<String, Vec<(u32, bool)>> = BTreeMap::new();
        for (i, c) in codes.iter().enumerate() {
            let i = i as u32;
            for w in tokens(&c.description) {
                words.entry(w).or_default().push((i, true));
            }
            for w in tokens(&c.terms) {
                let list = words.entry(w).or_default();
                if list.last().is_none_or(|(j, _)| *j != i) {
                    list.push((i, false));
                }
            }
        }
        let common = COMMON
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split('\t').next())
            .filter_map(|code| codes.binary_search_by(|c| c.code.as_str().cmp(code)).ok())
            .map(|i| i as u32)
            .collect();
        Catalog {
            codes,
            words,
            common,
        }
    }

    /// The common codes, in the order of the list.
    pub fn common(&self) -> Vec<&IcdCode> {
        COMMON
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split('\t').next())
            .filter_map(|code| self.get(code))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The entry for an exact code (`I10`, `e11.9`).
    pub fn get(&self, code: &str) -> Option<&IcdCode> {
        let code = normalize_code(code)?;
        self.codes
            .binary_search_by(|c| c.code.as_str().cmp(&code))
            .ok()
            .map(|i| &self.codes[i])
    }

    /// A code that can go on a problem list: it exists and is complete.
    pub fn recordable(&self, code: &str) -> Result<&IcdCode, ValidationError> {
        let entry = self.get(code).ok_or_else(|| {
            ValidationError::new(
                "code",
                format!(
                    "\"{}\" is not an ICD-10-CM code; search the list by words to find one",
                    code.trim()
                ),
            )
        })?;
        if !entry.billable {
            let example = self
                .codes
                .iter()
                .find(|c| c.billable && c.code.starts_with(&entry.code))
                .map(|c| format!(" such as {}", c.code))
                .unwrap_or_default();
            return Err(ValidationError::new(
                "code",
                format!(
                    "{} is a category; choose a complete code{example}",
                    entry.code
                ),
            ));
        }
        Ok(entry)
    }

    /// Codes matching `query`, best first, at most `limit`. A code-shaped query matches codes
    /// beginning with it; otherwise every word must begin a word of the description or terms.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&IcdCode> {
        let query = query.trim();
        if query.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut hits = Vec::new();
        if let Some(code) = normalize_code(query) {
            let start = self
                .codes
                .partition_point(|c| c.code.as_str() < code.as_str());
            hits.extend(
                self.codes[start..]
                    .iter()
                    .take_while(|c| c.code.starts_with(&code))
                    .take(limit),
            );
            if !hits.is_empty() {
                return hits;
            }
        }
        self.search_words(query, limit)
    }

    fn search_words(&self, query: &str, limit: usize) -> Vec<&IcdCode> {
        let words = tokens(query);
        if words.is_empty() {
            return Vec::new();
        }
        // For each query word: code → (exact word?, in description?), unioned over the index
        // words it is a prefix of.
        let mut matched: Option<BTreeMap<u32, u32>> = None;
        for w in &words {
            let mut this: BTreeMap<u32, u32> = BTreeMap::new();
            for (word, postings) in self.words.range(w.clone()..) {
                if !word.starts_with(w.as_str()) {
                    break;
                }
                let exact = word == w;
                for (i, in_description) in postings {
                    let points = 1 + u32::from(*in_description) * 2 + u32::from(exact);
                    let e = this.entry(*i).or_default();
                    *e = (*e).max(points);
                }
            }
            matched = Some(match matched {
                None => this,
                Some(prev) => prev
                    .into_iter()
                    .filter_map(|(i, p)| this.get(&i).map(|q| (i, p + q)))
                    .collect(),
            });
        }
        let mut ranked: Vec<(u32, u32)> = matched.unwrap_or_default().into_iter().collect();
        // Common codes first, then the best word matches, then complete codes, then the shortest
        // (most general) description.
        ranked.sort_by_key(|(i, points)| {
            let c = &self.codes[*i as usize];
            (
                !self.common.contains(i),
                std::cmp::Reverse(*points),
                !c.billable,
                c.description.len(),
                c.code.clone(),
            )
        });
        ranked
            .into_iter()
            .take(limit)
            .map(|(i, _)| &self.codes[i as usize])
            .collect()
    }
}

/// Folded text of a code's description, for tests and callers that show matches.
pub fn folded_description(c: &IcdCode) -> String {
    fold(&c.description)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_codes(query: &str, n: usize) -> Vec<String> {
        catalog()
            .search(query, n)
            .into_iter()
            .map(|c| c.code.clone())
            .collect()
    }

    #[test]
    fn the_catalog_is_the_whole_release() {
        let c = catalog();
        assert_eq!(c.len(), 98_147);
        assert_eq!(c.codes.iter().filter(|c| c.billable).count(), 74_714);
        assert_eq!(
            c.get("i10").unwrap().description,
            "Essential (primary) hypertension"
        );
        assert_eq!(c.get("E119").unwrap().code, "E11.9");
        assert!(c.get("Q99.99").is_none());
    }

    #[test]
    fn every_common_code_is_recordable() {
        let listed = COMMON.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(catalog().common().len(), listed);
        for c in catalog().common() {
            assert!(catalog().recordable(&c.code).is_ok(), "{}", c.code);
        }
    }

    #[test]
    fn search_by_code_and_by_words() {
        let cases: [(&str, &str); 7] = [
            ("hypert", "I10"),
            ("high blood pressure", "I10"),
            ("I10", "I10"),
            ("e11.9", "E11.9"),
            ("type 2 diabetes without complications", "E11.9"),
            ("pharyngitis acute", "J02.9"),
            ("sore throat", "J02.9"),
        ];
        for (query, expected) in cases {
            let top = first_codes(query, 5);
            assert!(top.iter().any(|c| c == expected), "{query:?} → {top:?}");
        }
        assert_eq!(first_codes("hypert", 1), ["I10"], "the common code first");
        assert!(first_codes("zzzzqqq", 5).is_empty());
        assert_eq!(catalog().search("J02", 3).len(), 3);
    }

    #[test]
    fn only_complete_codes_go_on_a_problem_list() {
        let c = catalog();
        assert_eq!(c.recordable("I10").unwrap().code, "I10");
        let err = c.recordable("E11").unwrap_err();
        assert_eq!(err.field, "code");
        assert!(
            err.reason
                .contains("E11 is a category; choose a complete code such as E11."),
            "{}",
            err.reason
        );
        assert!(c.recordable("X00.000").is_err());
    }
}
