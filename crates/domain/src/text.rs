//! Text as search sees it: names folded to plain lowercase ASCII (accents, ø, ß and other
//! scripts transliterated), split into tokens, the one-edit "deletion keys" that make a typo
//! findable through an index, a phonetic key, and phone numbers as digits.

use std::borrow::Cow;

use rphonetic::DoubleMetaphone;

pub use crate::fold::{fold, tokens};

/// Shortest word for which one typo is tolerated; shorter ones must match exactly or by prefix.
pub const MIN_TYPO_LEN: usize = 4;

/// The word and every variant of it with one letter deleted. Two words within one edit
/// (substitution, insertion, deletion or swap of neighbours) always share a key, so an index of
/// keys finds typos with plain lookups. Short words get no variants.
pub fn deletion_keys(token: &str) -> Vec<String> {
    let chars: Vec<char> = token.chars().collect();
    let mut keys = vec![token.to_owned()];
    if chars.len() >= MIN_TYPO_LEN {
        for i in 0..chars.len() {
            let key: String = chars
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, c)| *c)
                .collect();
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

/// How well one typed word matches one word of a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WordMatch {
    None,
    /// Within one edit of the whole word.
    Typo,
    /// The typed word begins the name word.
    Prefix,
    Exact,
}

pub fn word_match(typed: &str, word: &str) -> WordMatch {
    if typed == word {
        WordMatch::Exact
    } else if word.starts_with(typed) {
        WordMatch::Prefix
    } else if typed.len() >= MIN_TYPO_LEN && strsim::osa_distance(typed, word) <= 1 {
        WordMatch::Typo
    } else {
        WordMatch::None
    }
}

/// The Double Metaphone key of a folded word (how it sounds, roughly, in English).
pub fn phonetic(word: &str) -> String {
    DoubleMetaphone::default().double_metaphone(word).primary()
}

/// The digits of a phone number as typed, if it has a plausible number of them (4 to 15) and
/// nothing but digits and the usual punctuation.
pub fn phone_digits(text: &str) -> Option<String> {
    let text = text.trim();
    if !text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.' | '/'))
    {
        return None;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    (4..=15).contains(&digits.len()).then_some(digits)
}

/// How many trailing digits identify a number across formats (with or without country code).
pub const PHONE_MATCH_DIGITS: usize = 7;

/// Whether two numbers (as digits) are the same line: equal once leading trunk zeros are
/// dropped, or the longer ends with the shorter (a country code written one way and not the
/// other), when the shorter has at least seven digits.
pub fn same_phone(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short == long || short.len() >= PHONE_MATCH_DIGITS && long.ends_with(short)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        let cases = [
            ("José Müller-Øster", "jose muller oster"),
            ("Nguyễn Thị Ánh", "nguyen thi anh"),
            ("Zoë Ørsted", "zoe orsted"),
            ("GARCÍA-LÓPEZ", "garcia lopez"),
            ("Strauß", "strauss"),
            ("Łukasz Wałęsa", "lukasz walesa"),
            ("  O'Brien  ", "o brien"),
            ("Ελένη", "elene"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(fold(input), expected, "{input:?}");
        }
        assert_eq!(tokens("Ana  García-López"), ["ana", "garcia", "lopez"]);
    }

    #[test]
    fn one_edit_always_shares_a_key() {
        let pairs = [
            ("garcia", "garica"),  // swapped neighbours
            ("garcia", "garsia"),  // substitution
            ("garcia", "garcias"), // insertion
            ("garcia", "garca"),   // deletion
            ("nguyen", "nguyen"),
        ];
        for (a, b) in pairs {
            let ka = deletion_keys(a);
            assert!(deletion_keys(b).iter().any(|k| ka.contains(k)), "{a} ~ {b}");
            assert!(word_match(b, a) >= WordMatch::Typo, "{a} ~ {b}");
        }
        assert_eq!(
            deletion_keys("ana"),
            ["ana"],
            "short words have no typo keys"
        );
        assert_eq!(word_match("gar", "garcia"), WordMatch::Prefix);
        assert_eq!(word_match("gomez", "garcia"), WordMatch::None);
        assert_eq!(
            word_match("ann", "ana"),
            WordMatch::None,
            "short words need exactness"
        );
    }

    #[test]
    fn phones() {
        let cases = [
            ("+34 612 345 678", Some("34612345678")),
            ("(555) 010-2030", Some("5550102030")),
            ("612.34.56.78", Some("612345678")),
            ("12", None),
            ("call me", None),
            ("1234567890123456", None),
        ];
        for (input, expected) in cases {
            assert_eq!(phone_digits(input).as_deref(), expected, "{input:?}");
        }
        assert!(same_phone("34612345678", "612345678"));
        assert!(same_phone("0612345678", "612345678"));
        assert!(same_phone("612345678", "612345678"));
        assert!(!same_phone("612345678", "612345679"));
        assert!(!same_phone("5678", "12345678"), "too short to say");
    }

    #[test]
    fn sounds_alike() {
        assert_eq!(phonetic("garcia"), phonetic("garsia"));
        assert_eq!(phonetic("lopez"), phonetic("lopes"));
        assert_ne!(phonetic("garcia"), phonetic("martinez"));
    }
}

/// A cell of a CSV file a clinic will open in a spreadsheet, made safe from formula injection
/// (OWASP's "CSV injection"): a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
/// return is one a spreadsheet may run, so it is written after a single quote, which shows the
/// text as typed and runs nothing. A phone number ("+34 600 111 222") is left alone: made only of
/// digits, spaces and `+-().`, it cannot call anything.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let phone = cell
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        && cell.chars().any(|c| c.is_ascii_digit());
    if risky && !phone {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod spreadsheet_tests {
    use super::spreadsheet_safe;

    #[test]
    fn cells_a_spreadsheet_would_run_are_written_as_text() {
        for (cell, want) in [
            (
                "=HYPERLINK(\"http://x\",\"click\")",
                "'=HYPERLINK(\"http://x\",\"click\")",
            ),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            (
                "@SUM(1+1)*cmd|' /C calc'!A0",
                "'@SUM(1+1)*cmd|' /C calc'!A0",
            ),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("Ana García", "Ana García"),
            ("O'Brien", "O'Brien"),
            ("a=b", "a=b"),
            ("+34 600 111 222", "+34 600 111 222"),
            ("-", "'-"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_safe(cell), want, "{cell:?}");
        }
    }
}
