//! Tend's printed documents. Each document is a function from a plain view model (strings and
//! dates the caller has already chosen to show) to PDF bytes; nothing here reads the database
//! or decides what a patient may see. Fonts (DejaVu Sans, which covers accented Latin, Greek,
//! Cyrillic and Vietnamese names) are embedded as subsets, so a PDF prints the same anywhere.

mod canvas;
mod document;
mod letterhead;
mod prescription;
mod words;

pub use document::{Align, Block, Column, DocumentView, Section, SummaryRow, TableView, document};
pub use letterhead::{LetterheadView, check_logo};
pub use prescription::{AllergiesView, PatientView, PrescriptionView, RxItemView, prescription};

/// A finished document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdf {
    pub bytes: Vec<u8>,
    pub pages: usize,
}

/// Why a document could not be made: the clinic's logo, or (never expected) the fonts.
#[derive(Debug)]
pub enum PrintError {
    Font,
    /// The image decoder's own words for what is wrong with the file.
    Image(String),
    LogoTooLarge,
    LogoTooManyPixels {
        width: u32,
        height: u32,
    },
}

impl PrintError {
    /// What went wrong, for the person at the screen, with the values a translation needs.
    pub fn words(&self) -> tend_domain::Words {
        use tend_domain::clinic::{MAX_LOGO_BYTES, MAX_LOGO_SIDE};
        use tend_domain::words;
        match self {
            PrintError::Font => "the printing fonts could not be read".into(),
            PrintError::Image(why) => words!(
                "the logo is not a PNG or JPEG image that can be read ({why})",
                why = why
            ),
            PrintError::LogoTooLarge => words!(
                "the logo is larger than {max_kib} KiB; use a smaller image",
                max_kib = MAX_LOGO_BYTES / 1024
            ),
            PrintError::LogoTooManyPixels { width, height } => words!(
                "the logo is {width} × {height} pixels; use one of at most {max} pixels a side",
                width = width,
                height = height,
                max = MAX_LOGO_SIDE
            ),
        }
    }
}

impl std::fmt::Display for PrintError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.words().fmt(f)
    }
}

impl std::error::Error for PrintError {}
