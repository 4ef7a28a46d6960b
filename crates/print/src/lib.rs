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

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("the printing fonts could not be read")]
    Font,
    #[error("the logo is not a PNG or JPEG image that can be read ({0})")]
    Image(String),
    #[error("the logo is larger than {max} KiB; use a smaller image", max = tend_domain::clinic::MAX_LOGO_BYTES / 1024)]
    LogoTooLarge,
    #[error("the logo is {width} × {height} pixels; use one of at most {max} pixels a side", max = tend_domain::clinic::MAX_LOGO_SIDE)]
    LogoTooManyPixels { width: u32, height: u32 },
}
