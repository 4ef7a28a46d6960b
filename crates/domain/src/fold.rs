//! Text folded for matching, and its words. Kept apart from [`crate::text`] because the build
//! script uses it too: the ICD-10-CM index it builds must split words exactly as searches do.

/// Folds text for matching: transliterated to ASCII (`Ørsted` → `orsted`, `Nguyễn` → `nguyen`,
/// `Ελένη` → `elene`), lowercased, with everything but letters and digits turned into spaces.
pub fn fold(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut out = String::with_capacity(ascii.len());
    let mut space = true;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The folded words of `text`.
pub fn tokens(text: &str) -> Vec<String> {
    fold(text)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}
