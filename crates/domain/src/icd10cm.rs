//! ICD-10-CM (April 2026, CDC/NCHS, public domain), shipped in `assets/icd10cm/` and embedded in
//! the binary, searchable by code (`I10`, `e11.9`, `j02`) and by words (`hypert`,
//! `high blood pressure`), every word a prefix, in any order.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::OnceLock;

use serde::Serialize;

use crate::ValidationError;
use crate::text::{fold, tokens};
use crate::words;

/// The release as shipped; `build.rs` indexes it, and the tests compare the index with it.
#[cfg(test)]
const DATA: &[u8] = include_bytes!("../../../assets/icd10cm/icd10cm-2026.tsv.gz");
/// Codes a primary-care clinic records most often; ranked first among equal matches.
const COMMON: &str = include_str!("../../../assets/icd10cm/common.tsv");

/// The release this build carries.
pub const RELEASE: &str = "ICD-10-CM April 2026";

/// Codes per compressed block of descriptions (as in `build.rs`).
const BLOCK: usize = 256;

/// The index `build.rs` made of the release; its layout is described there.
macro_rules! built {
    ($name:literal) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/", $name))
    };
}
const ENTRIES: &[u8] = built!("icd10cm_entries.bin");
const BLOCKS: &[u8] = built!("icd10cm_blocks.bin");
const BLOCK_ENDS: &[u8] = built!("icd10cm_block_ends.bin");
const WORDS: &[u8] = built!("icd10cm_words.bin");
const WORD_ENDS: &[u8] = built!("icd10cm_word_ends.bin");
const POSTINGS: &[u8] = built!("icd10cm_postings.bin");
const ENTRY_LEN: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IcdCode {
    pub code: String,
    /// A complete code that can be recorded (a leaf), rather than a category.
    pub billable: bool,
    pub description: String,
    /// Words the tabular list gives as included ("high blood pressure" for I10).
    pub terms: String,
}

/// The n-th little-endian u32 of `bytes` (0 past the end, which the tests rule out).
fn u32_at(bytes: &[u8], n: usize) -> u32 {
    bytes
        .get(n * 4..n * 4 + 4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

/// The first index in `0..len` for which `before` is false, `before` being true and then false
/// over the range (as [`slice::partition_point`]).
fn partition(len: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) { lo = mid + 1 } else { hi = mid }
    }
    lo
}

/// The whole release, searched where it lies in the binary: the codes, a word index, and the
/// descriptions deflated in blocks and inflated only for the codes a caller is shown. Nothing of
/// it is copied to the heap but the common codes' indexes.
#[derive(Debug)]
pub struct Catalog {
    /// Indexes of the common codes.
    common: HashSet<u32>,
}

/// The catalog (the list of common codes looked up on first use, then kept).
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut catalog = Catalog {
            common: HashSet::new(),
        };
        catalog.common = catalog.common_indexes().map(|i| i as u32).collect();
        catalog
    })
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

/// One line of the data file: code, 1 when billable, description, terms.
#[cfg(test)]
fn fields(line: &str) -> Option<(&str, bool, &str, &str)> {
    let mut f = line.split('\t');
    let code = f.next()?;
    let billable = f.next()? == "1";
    let description = f.next()?;
    Some((code, billable, description, f.next().unwrap_or_default()))
}

impl Catalog {
    fn entry(&self, i: usize) -> &'static [u8] {
        ENTRIES
            .get(i * ENTRY_LEN..(i + 1) * ENTRY_LEN)
            .unwrap_or(&[0; ENTRY_LEN])
    }

    fn code_at(&self, i: usize) -> &'static str {
        let code = &self.entry(i)[..8];
        let len = code.iter().position(|b| *b == 0).unwrap_or(8);
        std::str::from_utf8(&code[..len]).unwrap_or_default()
    }

    fn billable_at(&self, i: usize) -> bool {
        self.entry(i)[10] == 1
    }

    fn description_len_at(&self, i: usize) -> u16 {
        u16::from_le_bytes([self.entry(i)[8], self.entry(i)[9]])
    }

    fn word_count(&self) -> usize {
        WORD_ENDS.len() / 8
    }

    /// The n-th word of the index and the range of its postings.
    fn word(&self, n: usize) -> (&'static str, std::ops::Range<usize>) {
        let (start, first) = match n {
            0 => (0, 0),
            _ => (u32_at(WORD_ENDS, 2 * n - 2), u32_at(WORD_ENDS, 2 * n - 1)),
        };
        let (end, last) = (u32_at(WORD_ENDS, 2 * n), u32_at(WORD_ENDS, 2 * n + 1));
        let text = WORDS
            .get(start as usize..end as usize)
            .and_then(|w| std::str::from_utf8(w).ok())
            .unwrap_or_default();
        (text, first as usize..last as usize)
    }

    fn index_of(&self, normalized: &str) -> Option<usize> {
        let i = partition(self.len(), |i| self.code_at(i) < normalized);
        (i < self.len() && self.code_at(i) == normalized).then_some(i)
    }

    fn common_indexes(&self) -> impl Iterator<Item = usize> + '_ {
        COMMON
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split('\t').next())
            .filter_map(|code| self.index_of(&normalize_code(code)?))
    }

    /// The codes at these indexes, in the same order, with their words inflated from their blocks
    /// (each block once).
    fn codes(&self, indexes: &[usize]) -> Vec<IcdCode> {
        let mut inflated: HashMap<usize, String> = HashMap::new();
        indexes
            .iter()
            .filter(|i| **i < self.len())
            .filter_map(|i| {
                let text = inflated.entry(i / BLOCK).or_insert_with(|| {
                    let n = i / BLOCK;
                    let start = if n == 0 {
                        0
                    } else {
                        u32_at(BLOCK_ENDS, n - 1) as usize
                    };
                    let end = u32_at(BLOCK_ENDS, n) as usize;
                    let mut text = String::new();
                    if let Some(block) = BLOCKS.get(start..end) {
                        let _ = flate2::read::DeflateDecoder::new(block).read_to_string(&mut text);
                    }
                    text
                });
                let (description, terms) = text.lines().nth(i % BLOCK)?.split_once('\t')?;
                Some(IcdCode {
                    code: self.code_at(*i).to_owned(),
                    billable: self.billable_at(*i),
                    description: description.to_owned(),
                    terms: terms.to_owned(),
                })
            })
            .collect()
    }

    /// The common codes, in the order of the list.
    pub fn common(&self) -> Vec<IcdCode> {
        self.codes(&self.common_indexes().collect::<Vec<_>>())
    }

    pub fn len(&self) -> usize {
        ENTRIES.len() / ENTRY_LEN
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry for an exact code (`I10`, `e11.9`).
    pub fn get(&self, code: &str) -> Option<IcdCode> {
        let i = self.index_of(&normalize_code(code)?)?;
        self.codes(&[i]).pop()
    }

    /// A code that can go on a problem list: it exists and is complete.
    pub fn recordable(&self, code: &str) -> Result<IcdCode, ValidationError> {
        let entry = self.get(code).ok_or_else(|| {
            ValidationError::new(
                "code",
                words!(
                    "\"{code}\" is not an ICD-10-CM code; search the list by words to find one",
                    code = code.trim()
                ),
            )
        })?;
        if !entry.billable {
            let start = partition(self.len(), |i| self.code_at(i) < entry.code.as_str());
            let example = (start..self.len())
                .take_while(|i| self.code_at(*i).starts_with(&entry.code))
                .find(|i| self.billable_at(*i))
                .map(|i| format!(" such as {}", self.code_at(i)))
                .unwrap_or_default();
            return Err(ValidationError::new(
                "code",
                words!(
                    "{code} is a category; choose a complete code{example}",
                    code = entry.code,
                    example = example
                ),
            ));
        }
        Ok(entry)
    }

    /// Codes matching `query`, best first, at most `limit`. A code-shaped query matches codes
    /// beginning with it; otherwise every word must begin a word of the description or terms.
    pub fn search(&self, query: &str, limit: usize) -> Vec<IcdCode> {
        let query = query.trim();
        if query.is_empty() || limit == 0 {
            return Vec::new();
        }
        if let Some(code) = normalize_code(query) {
            let start = partition(self.len(), |i| self.code_at(i) < code.as_str());
            let hits: Vec<usize> = (start..self.len())
                .take_while(|i| self.code_at(*i).starts_with(&code))
                .take(limit)
                .collect();
            if !hits.is_empty() {
                return self.codes(&hits);
            }
        }
        self.search_words(query, limit)
    }

    fn search_words(&self, query: &str, limit: usize) -> Vec<IcdCode> {
        let words = tokens(query);
        if words.is_empty() {
            return Vec::new();
        }
        // For each query word: (code, points), the points the best of the index words it is a
        // prefix of gives (exact word?, in description?); then summed over the query words a code
        // has all of. Kept sorted by code, so the words intersect by merging.
        let mut matched: Option<Vec<(u32, u32)>> = None;
        for w in &words {
            let mut this: Vec<(u32, u32)> = Vec::new();
            let first = partition(self.word_count(), |n| self.word(n).0 < w.as_str());
            for (word, postings) in (first..self.word_count()).map(|n| self.word(n)) {
                if !word.starts_with(w.as_str()) {
                    break;
                }
                let exact = word == w;
                this.extend(postings.map(|n| {
                    let posting = u32_at(POSTINGS, n);
                    (posting >> 1, 1 + (posting & 1) * 2 + u32::from(exact))
                }));
            }
            // By code, the best points first; then one per code.
            this.sort_unstable_by_key(|(i, points)| (*i, std::cmp::Reverse(*points)));
            this.dedup_by_key(|(i, _)| *i);
            matched = Some(match matched {
                None => this,
                Some(prev) => {
                    let mut both = Vec::with_capacity(prev.len().min(this.len()));
                    let mut theirs = this.iter().peekable();
                    for (i, p) in prev {
                        while theirs.next_if(|(j, _)| *j < i).is_some() {}
                        if let Some((_, q)) = theirs.next_if(|(j, _)| *j == i) {
                            both.push((i, p + q));
                        }
                    }
                    both
                }
            });
        }
        // Common codes first, then the best word matches, then complete codes, then the shortest
        // (most general) description; only the best `limit` are put in order.
        let mut ranked: Vec<_> = matched
            .unwrap_or_default()
            .into_iter()
            .map(|(i, points)| {
                let i = i as usize;
                (
                    !self.common.contains(&(i as u32)),
                    std::cmp::Reverse(points),
                    !self.billable_at(i),
                    self.description_len_at(i),
                    self.code_at(i),
                    i,
                )
            })
            .collect();
        if ranked.len() > limit {
            ranked.select_nth_unstable(limit - 1);
            ranked.truncate(limit);
        }
        ranked.sort_unstable();
        let top: Vec<usize> = ranked.into_iter().map(|r| r.5).collect();
        self.codes(&top)
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
        assert_eq!((0..c.len()).filter(|i| c.billable_at(*i)).count(), 74_714);
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

    /// The compact catalog holds every line of the file, and its index finds and ranks what a
    /// plain scan of the file does, for words and prefixes drawn from the data.
    #[test]
    fn the_index_agrees_with_a_plain_scan() {
        let mut text = String::new();
        flate2::read::GzDecoder::new(DATA)
            .read_to_string(&mut text)
            .unwrap();
        let mut rows: Vec<_> = text
            .lines()
            .filter_map(fields)
            .map(|(code, billable, description, terms)| {
                let words = (tokens(description), tokens(terms));
                (code, billable, description, terms, words)
            })
            .collect();
        rows.sort_by_key(|r| r.0);
        let c = catalog();
        let all = c.codes(&(0..c.len()).collect::<Vec<_>>());
        assert_eq!(all.len(), rows.len());
        for (got, (code, billable, description, terms, _)) in all.iter().zip(&rows) {
            assert_eq!(
                (
                    got.code.as_str(),
                    got.billable,
                    got.description.as_str(),
                    got.terms.as_str()
                ),
                (*code, *billable, *description, *terms)
            );
        }

        let scan = |query: &str, limit: usize| -> Vec<String> {
            if let Some(code) = normalize_code(query) {
                let hits: Vec<String> = rows
                    .iter()
                    .filter(|r| r.0.starts_with(&code))
                    .take(limit)
                    .map(|r| r.0.to_owned())
                    .collect();
                if !hits.is_empty() {
                    return hits;
                }
            }
            let query = tokens(query);
            let mut ranked: Vec<_> = rows
                .iter()
                .enumerate()
                .filter_map(|(i, (code, billable, description, _, (d, t)))| {
                    let mut sum = 0;
                    for w in &query {
                        let best = d
                            .iter()
                            .map(|x| (x, 3))
                            .chain(t.iter().map(|x| (x, 1)))
                            .filter(|(x, _)| x.starts_with(w.as_str()))
                            .map(|(x, points)| points + u32::from(x == w))
                            .max()?;
                        sum += best;
                    }
                    let common = c.common.contains(&(i as u32));
                    Some((
                        !common,
                        std::cmp::Reverse(sum),
                        !billable,
                        description.len(),
                        *code,
                    ))
                })
                .collect();
            ranked.sort();
            ranked
                .into_iter()
                .take(limit)
                .map(|r| r.4.to_owned())
                .collect()
        };
        // Half the queries take their words from the included terms, which few codes have.
        let with_terms: Vec<usize> = (0..rows.len())
            .filter(|i| !rows[*i].4.1.is_empty())
            .collect();
        let mut rng = fastrand::Rng::with_seed(10);
        for n in 0..60 {
            let (_, _, _, _, (d, t)) = match n % 2 {
                0 => &rows[rng.usize(..rows.len())],
                _ => &rows[with_terms[rng.usize(..with_terms.len())]],
            };
            let words: Vec<&String> = match n % 2 {
                0 => d.iter().chain(t).collect(),
                _ => t.iter().collect(),
            };
            let query: Vec<&str> = (0..rng.usize(1..=3))
                .map(|_| {
                    let w = words[rng.usize(..words.len())];
                    &w[..rng.usize(1..=w.len())]
                })
                .collect();
            let query = query.join(" ");
            let found: Vec<String> = c.search(&query, 20).into_iter().map(|c| c.code).collect();
            assert_eq!(found, scan(&query, 20), "{query:?}");
        }
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
