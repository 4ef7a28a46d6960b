//! Ages as printed, in words. (Dates are printed by `tend_domain::locale::Locale::date`, the
//! month in words, so nobody reads 03/04 the wrong way round.)

use tend_domain::patients::Age;

/// `47 years`, `23 months`, `1 day`.
pub(crate) fn age_words(age: Age) -> String {
    let (n, unit) = if age.years >= 2 {
        (age.years, "year")
    } else if age.months >= 1 {
        (age.months, "month")
    } else {
        (age.days, "day")
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tend_domain::patients::age_on;

    #[test]
    fn ages() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let today = d("2026-11-24");
        assert_eq!(age_words(age_on(d("1961-03-04"), today)), "65 years");
        assert_eq!(age_words(age_on(d("2025-11-24"), today)), "12 months");
        assert_eq!(age_words(age_on(d("2026-10-24"), today)), "1 month");
        assert_eq!(age_words(age_on(d("2026-11-23"), today)), "1 day");
    }
}
