//! Words for a person that a translation can be made of: an English template with `{name}`
//! placeholders and the values that fill them. The page looks the template up in its catalog
//! (the English text is the key, as in `ui/src/lib/i18n.ts`) and fills in the same values, so it
//! never has to cut a sentence apart to find a name or a time in it.

use std::borrow::Cow;
use std::fmt;

/// A sentence (or a phrase that goes beside a field) and the values its placeholders take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    template: Cow<'static, str>,
    params: Vec<(&'static str, String)>,
}

impl Words {
    /// Use [`words!`](crate::words!) instead, which checks the placeholders against the values
    /// when it compiles.
    #[doc(hidden)]
    pub fn new(template: &'static str, params: Vec<(&'static str, String)>) -> Self {
        debug_assert!(
            placeholders(template).all(|p| params.iter().any(|(name, _)| *name == p)),
            "a placeholder of {template:?} has no value"
        );
        Words {
            template: Cow::Borrowed(template),
            params,
        }
    }

    /// Words whose template is not a constant: text that came from a file or another
    /// program, which no catalog could hold. The page shows it as it is.
    pub fn verbatim(text: impl Into<String>) -> Self {
        let text: String = text.into();
        Words {
            template: Cow::Owned("{text}".into()),
            params: vec![("text", text)],
        }
    }

    /// The English template, which is also the key a translation is found by.
    pub fn template(&self) -> &str {
        &self.template
    }

    pub fn params(&self) -> &[(&'static str, String)] {
        &self.params
    }

    /// The same words with `prefix` (itself a template whose placeholders are in `params`)
    /// before them: `"{field}: "` before a field's reason.
    pub fn prefixed(&self, prefix: &str, params: Vec<(&'static str, String)>) -> Words {
        let mut all = params;
        all.extend(self.params.iter().cloned());
        Words {
            template: Cow::Owned(format!("{prefix}{}", self.template)),
            params: all,
        }
    }

    /// The words in English: the template with its values filled in.
    pub fn english(&self) -> String {
        let mut out = String::with_capacity(self.template.len() + 16);
        let mut rest: &str = &self.template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) => {
                    let name = &after[..close];
                    match self.params.iter().find(|(n, _)| *n == name) {
                        Some((_, value)) => out.push_str(value),
                        None => out.push_str(&rest[open..open + close + 2]),
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str(&rest[open..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    pub fn contains(&self, needle: &str) -> bool {
        self.english().contains(needle)
    }
}

fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
}

impl fmt::Display for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english())
    }
}

/// Words with no values to fill in.
impl From<&'static str> for Words {
    fn from(text: &'static str) -> Self {
        Words::new(text, Vec::new())
    }
}

impl PartialEq<&str> for Words {
    fn eq(&self, other: &&str) -> bool {
        self.english() == *other
    }
}

/// `words!("there is no patient {mrn}", mrn = record.mrn)`: words for a person with the values a
/// translation needs. Every placeholder must be given as `name = value` (the compiler checks the
/// template against the values as it does for `format!`); a value is anything `Display`.
#[macro_export]
macro_rules! words {
    ($template:literal $(, $name:ident = $value:expr)* $(,)?) => {
        // Each value is evaluated once, then lent to both the compile-time check and the words.
        match ($(&$value,)*) {
            ($($name,)*) => {
                #[allow(unreachable_code)]
                if false {
                    let _ = ::std::format!($template $(, $name = $name)*);
                }
                $crate::Words::new(
                    $template,
                    ::std::vec![$((::std::stringify!($name), ::std::string::ToString::to_string($name))),*],
                )
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_english_is_the_template_filled_in_and_the_values_stay_apart() {
        let mrn = "MRN-0042";
        let w = crate::words!(
            "there is no patient {mrn}; try {other}",
            mrn = mrn,
            other = 7
        );
        assert_eq!(w.english(), "there is no patient MRN-0042; try 7");
        assert_eq!(w.template(), "there is no patient {mrn}; try {other}");
        assert_eq!(
            w.params(),
            &[("mrn", "MRN-0042".to_string()), ("other", "7".to_string())]
        );
        let p = w.prefixed("{field}: ", vec![("field", "birth date".into())]);
        assert_eq!(
            p.english(),
            "birth date: there is no patient MRN-0042; try 7"
        );
        assert_eq!(
            p.template(),
            "{field}: there is no patient {mrn}; try {other}"
        );
    }

    #[test]
    fn a_value_holding_braces_is_not_read_as_a_placeholder() {
        let w = crate::words!("{a} and {b}", a = "{b}", b = "x");
        assert_eq!(w.english(), "{b} and x");
        assert_eq!(Words::verbatim("odd {text").english(), "odd {text");
        assert_eq!(Words::from("plain").english(), "plain");
    }
}
