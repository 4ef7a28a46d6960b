//! Prescribing: the drug catalog and its safety data, how a dose is written (the sig), the
//! safety checks run before signing, and the prescription's own rules (items, signing,
//! cancelling, renewing).

pub mod catalog;
pub mod checks;
pub mod notation;
pub mod prescription;
pub mod sig;

#[cfg(test)]
mod interaction_tests;
#[cfg(test)]
mod notation_tests;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use catalog::{Catalog, ClinicDrug, Drug, shipped};
pub use checks::{CheckInput, Warning, WarningKind, check};
pub use notation::{DecimalMark, Measure};
pub use prescription::{Item, ItemForm, Override, Prescription, RxStatus};
pub use sig::{Amount, Dose, Frequency, Strength, Unit};

/// How serious a warning is. Everything from `Moderate` up needs a reason to override.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Minor,
    Moderate,
    Major,
    Contraindicated,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Moderate => "moderate",
            Severity::Major => "major",
            Severity::Contraindicated => "contraindicated",
        }
    }

    /// Signing over a warning of this severity needs a stated reason.
    pub fn needs_override(self) -> bool {
        self >= Severity::Moderate
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "minor" => Ok(Severity::Minor),
            "moderate" => Ok(Severity::Moderate),
            "major" => Ok(Severity::Major),
            "contraindicated" => Ok(Severity::Contraindicated),
            other => Err(format!("unknown severity {other:?}")),
        }
    }
}
