//! What a search box query means, and how well a patient's name answers it. The store finds
//! candidates through its indexes; these rules decide and rank.

use chrono::{Datelike, NaiveDate};

use super::Mrn;
use super::parse_date;
use crate::text::{WordMatch, phone_digits, tokens, word_match};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchQuery {
    Empty,
    Mrn(Mrn),
    /// The start of an MRN as typed so far, normalised (`K7-00`).
    MrnPrefix(String),
    /// Digits of a phone number, in any formatting.
    Phone(String),
    BirthDate(NaiveDate),
    /// Name words (folded), optionally narrowed by a birth year or date typed with them.
    Name {
        words: Vec<String>,
        birth_year: Option<i32>,
        birth_date: Option<NaiveDate>,
    },
}

/// Reads a search box. `K7-000123` is a record number, `612 345 678` a phone, `1979-03-14` a
/// birth date, and anything else names (with `garcia 1979` narrowing by year).
pub fn parse_query(q: &str) -> SearchQuery {
    let q = q.trim();
    if q.is_empty() {
        return SearchQuery::Empty;
    }
    if Mrn::looks_like(q) {
        let compact: String = q
            .chars()
            .filter(|c| *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        // Six digits after the code is a whole number; fewer may be a number typed without its
        // leading zeros (K7-123) or the start of one (K7-00).
        if let Ok(mrn) = Mrn::parse(q)
            && compact.len() >= 8
        {
            return SearchQuery::Mrn(mrn);
        }
        return SearchQuery::MrnPrefix(format!("{}-{}", &compact[..2], &compact[2..]));
    }
    if let Ok(date) = parse_date("q", q) {
        return SearchQuery::BirthDate(date);
    }
    if let Some(digits) = phone_digits(q)
        && !(digits.len() == 4 && q.len() == 4 && is_year(q))
    {
        return SearchQuery::Phone(digits);
    }
    let mut words = Vec::new();
    let mut birth_year = None;
    let mut birth_date = None;
    for part in q.split_whitespace() {
        if let Ok(date) = parse_date("q", part) {
            birth_date = Some(date);
        } else if is_year(part) {
            birth_year = part.parse().ok();
        } else {
            words.extend(tokens(part));
        }
    }
    if words.is_empty() {
        return match (birth_date, birth_year) {
            (Some(date), _) => SearchQuery::BirthDate(date),
            _ => SearchQuery::Empty,
        };
    }
    SearchQuery::Name {
        words,
        birth_year,
        birth_date,
    }
}

fn is_year(s: &str) -> bool {
    s.len() == 4 && s.parse::<i32>().is_ok_and(|y| (1880..=2200).contains(&y))
}

/// The typed words with one pair of neighbours joined, for each pair: how a search retries
/// when a hyphen or space was typed in another place (`al sayed` → `alsayed`).
pub fn joined_variants(words: &[String]) -> Vec<Vec<String>> {
    (0..words.len().saturating_sub(1))
        .map(|i| {
            let mut v = words[..i].to_vec();
            v.push(format!("{}{}", words[i], words[i + 1]));
            v.extend_from_slice(&words[i + 2..]);
            v
        })
        .collect()
}

/// Whether a birth date passes a query's year or date filter.
pub fn birth_matches(birth: NaiveDate, year: Option<i32>, date: Option<NaiveDate>) -> bool {
    year.is_none_or(|y| birth.year() == y) && date.is_none_or(|d| birth == d)
}

/// The score of a name for the typed words, or `None` if some word matches nothing. Names are
/// folded words; each name word answers one typed word. Exact beats prefix beats one typo; a
/// match on the family name counts a little more, and so does typing given before family.
pub fn score_name(words: &[String], given: &str, family: &str, preferred: &str) -> Option<u32> {
    #[derive(Clone, Copy, PartialEq)]
    enum Part {
        Given,
        Family,
        Preferred,
    }
    let joined: Vec<(String, Part)> = [(given, Part::Given), (family, Part::Family)]
        .into_iter()
        .filter(|(text, _)| text.contains(' '))
        .map(|(text, part)| (text.replace(' ', ""), part))
        .collect();
    let mut name: Vec<(&str, Part, bool)> = Vec::new();
    for (text, part) in [
        (given, Part::Given),
        (family, Part::Family),
        (preferred, Part::Preferred),
    ] {
        name.extend(
            text.split(' ')
                .filter(|w| !w.is_empty())
                .map(|w| (w, part, false)),
        );
    }
    // A compound name also answers as one word ("garcialopez", "alsayed").
    name.extend(joined.iter().map(|(w, part)| (w.as_str(), *part, false)));
    let mut score = 0u32;
    let mut parts = Vec::new();
    for typed in words {
        let best = name
            .iter()
            .enumerate()
            .filter(|(_, (_, _, used))| !used)
            .map(|(i, (w, part, _))| (i, word_match(typed, w), *part, w.len()))
            .filter(|(_, m, _, _)| *m != WordMatch::None)
            .max_by_key(|(_, m, part, len)| (*m, *part == Part::Family, std::cmp::Reverse(*len)))?;
        let (i, m, part, len) = best;
        name[i].2 = true;
        score += match m {
            WordMatch::Exact => 30,
            WordMatch::Prefix => 15 + (10 * typed.len() / len.max(1)) as u32,
            WordMatch::Typo => 10,
            WordMatch::None => 0,
        };
        if part == Part::Family {
            score += 2;
        }
        parts.push(part);
    }
    if parts.first() == Some(&Part::Given) && parts.get(1) == Some(&Part::Family) {
        score += 1;
    }
    Some(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn queries() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let cases = [
            ("", SearchQuery::Empty),
            (
                "K7-000123",
                SearchQuery::Mrn(Mrn::parse("K7-000123").unwrap()),
            ),
            ("k7-00", SearchQuery::MrnPrefix("K7-00".into())),
            ("K7", SearchQuery::MrnPrefix("K7-".into())),
            (
                "k7000123",
                SearchQuery::Mrn(Mrn::parse("K7-000123").unwrap()),
            ),
            ("K7-123", SearchQuery::MrnPrefix("K7-123".into())),
            ("612 345 678", SearchQuery::Phone("612345678".into())),
            ("(555) 010-2030", SearchQuery::Phone("5550102030".into())),
            ("1979-03-14", SearchQuery::BirthDate(d("1979-03-14"))),
            ("14/03/1979", SearchQuery::BirthDate(d("1979-03-14"))),
            (
                "García López",
                SearchQuery::Name {
                    words: words(&["garcia", "lopez"]),
                    birth_year: None,
                    birth_date: None,
                },
            ),
            (
                "garcia lop 1979",
                SearchQuery::Name {
                    words: words(&["garcia", "lop"]),
                    birth_year: Some(1979),
                    birth_date: None,
                },
            ),
            ("1979", SearchQuery::Empty),
            (
                "Nguyễn",
                SearchQuery::Name {
                    words: words(&["nguyen"]),
                    birth_year: None,
                    birth_date: None,
                },
            ),
        ];
        for (q, expected) in cases {
            assert_eq!(parse_query(q), expected, "{q:?}");
        }
    }

    #[test]
    fn name_scores() {
        let score = |q: &[&str], g, f| score_name(&words(q), g, f, "");
        // Exact beats prefix beats typo; every word must match.
        let exact = score(&["ana", "garcia"], "ana", "garcia lopez").unwrap();
        let prefix = score(&["ana", "garc"], "ana", "garcia lopez").unwrap();
        let typo = score(&["ana", "garica"], "ana", "garcia lopez").unwrap();
        assert!(exact > prefix && prefix > typo, "{exact} {prefix} {typo}");
        assert_eq!(score(&["ana", "gomez"], "ana", "garcia lopez"), None);
        // Swapped order still matches, given-then-family a little better.
        let swapped = score(&["garcia", "ana"], "ana", "garcia lopez").unwrap();
        assert!(swapped > 0 && swapped < exact);
        // A name word answers only one typed word.
        assert_eq!(score(&["ana", "ana"], "ana", "garcia"), None);
        assert!(score(&["ana", "ana"], "ana maria", "ana").is_some());
        // Compound names answer joined, and across a shifted hyphen.
        assert!(score(&["alsayed"], "omar", "al sayed").is_some());
        let variants = joined_variants(&words(&["als", "ayed"]));
        assert_eq!(variants, [words(&["alsayed"])]);
        // The preferred name counts.
        assert!(score_name(&words(&["pepe"]), "jose", "garcia", "pepe").is_some());
    }

    #[test]
    fn birth_filters() {
        let d = NaiveDate::from_ymd_opt(1979, 3, 14).unwrap();
        assert!(birth_matches(d, Some(1979), None));
        assert!(!birth_matches(d, Some(1980), None));
        assert!(birth_matches(d, None, Some(d)));
        assert!(birth_matches(d, None, None));
    }
}
