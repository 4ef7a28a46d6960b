//! Vital signs: stored in canonical whole units (mmHg, beats and breaths per minute, tenths of a
//! degree Celsius, percent, grams, millimetres), typed and shown in the clinic's units.
//! Values no living patient could have are refused; values outside the normal range for the
//! patient's age are flagged.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::words;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum UnitSystem {
    /// °C, kg, cm.
    #[default]
    Metric,
    /// °F, lb, in.
    Us,
}

impl FromStr for UnitSystem {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "metric" => Ok(UnitSystem::Metric),
            "us" => Ok(UnitSystem::Us),
            _ => Err(ValidationError::new("units", "must be metric or us")),
        }
    }
}

impl UnitSystem {
    pub const fn as_str(self) -> &'static str {
        match self {
            UnitSystem::Metric => "metric",
            UnitSystem::Us => "us",
        }
    }
}

/// One set of measurements, canonical units; any may be missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Vitals {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub systolic: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diastolic: Option<u16>,
    /// Beats per minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulse: Option<u16>,
    /// Tenths of a degree Celsius (371 = 37.1 °C).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature_dc: Option<u16>,
    /// Breaths per minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respiratory_rate: Option<u16>,
    /// Percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spo2: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_g: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height_mm: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_circumference_mm: Option<u16>,
}

/// The form as typed, in the clinic's units.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VitalsForm {
    /// `120/80`.
    pub blood_pressure: String,
    pub pulse: String,
    pub temperature: String,
    pub respiratory_rate: String,
    pub spo2: String,
    pub weight: String,
    pub height: String,
    pub head_circumference: String,
}

fn number(field: &'static str, s: &str) -> Result<Option<Decimal>, ValidationError> {
    let s = s.trim().replace(',', ".");
    if s.is_empty() {
        return Ok(None);
    }
    Decimal::from_str(&s)
        .map(Some)
        .map_err(|_| ValidationError::new(field, words!("\"{s}\" is not a number", s = s)))
}

/// Converts to canonical units, rounds to a whole number, and checks the plausible range.
fn canonical(
    field: &'static str,
    value: Option<Decimal>,
    factor: Decimal,
    offset: Decimal,
    range: (u32, u32),
    what: &str,
) -> Result<Option<u32>, ValidationError> {
    let Some(v) = value else { return Ok(None) };
    let c = ((v - offset) * factor).round();
    let (lo, hi) = range;
    match c.to_u32() {
        Some(c) if (lo..=hi).contains(&c) => Ok(Some(c)),
        _ => Err(ValidationError::new(
            field,
            words!("{v} is not a possible {what}", v = v, what = what),
        )),
    }
}

fn dec(n: i64, scale: u32) -> Decimal {
    Decimal::new(n, scale)
}

impl VitalsForm {
    pub fn validate(&self, units: UnitSystem) -> Result<Vitals, ValidationError> {
        let one = Decimal::ONE;
        let zero = Decimal::ZERO;
        let (systolic, diastolic) = match self.blood_pressure.trim() {
            "" => (None, None),
            bp => {
                let (s, d) = bp.split_once('/').ok_or_else(|| {
                    ValidationError::new(
                        "blood_pressure",
                        "write it as systolic/diastolic, such as 120/80",
                    )
                })?;
                let s = canonical(
                    "blood_pressure",
                    number("blood_pressure", s)?,
                    one,
                    zero,
                    (40, 300),
                    "systolic pressure",
                )?;
                let d = canonical(
                    "blood_pressure",
                    number("blood_pressure", d)?,
                    one,
                    zero,
                    (20, 200),
                    "diastolic pressure",
                )?;
                if let (Some(s), Some(d)) = (s, d)
                    && d >= s
                {
                    return Err(ValidationError::new(
                        "blood_pressure",
                        "the diastolic pressure must be lower than the systolic",
                    ));
                }
                (s, d)
            }
        };
        let (temp_factor, temp_offset) = match units {
            UnitSystem::Metric => (dec(10, 0), zero),
            // (°F − 32) × 5/9 × 10
            UnitSystem::Us => (dec(50, 0) / dec(9, 0), dec(32, 0)),
        };
        let (weight_factor, length_factor) = match units {
            UnitSystem::Metric => (dec(1000, 0), dec(10, 0)),
            UnitSystem::Us => (dec(45359237, 5), dec(254, 1)),
        };
        let v = Vitals {
            systolic: systolic.map(|x| x as u16),
            diastolic: diastolic.map(|x| x as u16),
            pulse: canonical(
                "pulse",
                number("pulse", &self.pulse)?,
                one,
                zero,
                (20, 300),
                "pulse",
            )?
            .map(|x| x as u16),
            temperature_dc: canonical(
                "temperature",
                number("temperature", &self.temperature)?,
                temp_factor,
                temp_offset,
                (250, 450),
                "body temperature",
            )?
            .map(|x| x as u16),
            respiratory_rate: canonical(
                "respiratory_rate",
                number("respiratory_rate", &self.respiratory_rate)?,
                one,
                zero,
                (4, 100),
                "respiratory rate",
            )?
            .map(|x| x as u16),
            spo2: canonical(
                "spo2",
                number("spo2", &self.spo2)?,
                one,
                zero,
                (40, 100),
                "oxygen saturation",
            )?
            .map(|x| x as u8),
            weight_g: canonical(
                "weight",
                number("weight", &self.weight)?,
                weight_factor,
                zero,
                (300, 500_000),
                "weight",
            )?,
            height_mm: canonical(
                "height",
                number("height", &self.height)?,
                length_factor,
                zero,
                (200, 2720),
                "height",
            )?
            .map(|x| x as u16),
            head_circumference_mm: canonical(
                "head_circumference",
                number("head_circumference", &self.head_circumference)?,
                length_factor,
                zero,
                (200, 650),
                "head circumference",
            )?
            .map(|x| x as u16),
        };
        if v == Vitals::default() {
            return Err(ValidationError::new(
                "blood_pressure",
                "enter at least one measurement",
            ));
        }
        Ok(v)
    }
}

/// Body-mass index in tenths (kg/m² × 10), rounded.
pub fn bmi_tenths(weight_g: u32, height_mm: u16) -> Option<u16> {
    if height_mm == 0 {
        return None;
    }
    // weight_g / 1000 / (height_mm / 1000)^2 * 10 = weight_g * 10_000 / height_mm^2
    let h2 = u64::from(height_mm) * u64::from(height_mm);
    let tenths = (u64::from(weight_g) * 10_000 * 2 + h2) / (2 * h2);
    u16::try_from(tenths).ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Systolic,
    Diastolic,
    Pulse,
    Temperature,
    RespiratoryRate,
    Spo2,
    Weight,
    Height,
    HeadCircumference,
    Bmi,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum FlagLevel {
    Low,
    High,
    /// Far enough out to act on now.
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Flag {
    pub measure: Measure,
    pub level: FlagLevel,
}

/// Normal ranges for pulse and breathing by age (years), from the usual paediatric charts.
fn pulse_rr_normal(age_years: u32) -> ((u16, u16), (u16, u16)) {
    match age_years {
        0 => ((100, 160), (30, 60)),
        1..=2 => ((90, 150), (24, 40)),
        3..=5 => ((80, 140), (22, 34)),
        6..=12 => ((70, 120), (18, 30)),
        13..=17 => ((60, 100), (12, 20)),
        _ => ((50, 100), (10, 20)),
    }
}

/// Which values fall outside the normal range for a patient of `age_years`. Blood pressure and
/// BMI are judged for adults only: children's norms depend on height percentiles.
pub fn flags(v: &Vitals, age_years: u32) -> Vec<Flag> {
    let mut out = Vec::new();
    let mut flag = |measure, level| out.push(Flag { measure, level });
    let adult = age_years >= 18;
    if adult {
        if let Some(s) = v.systolic {
            match s {
                180.. => flag(Measure::Systolic, FlagLevel::Critical),
                140..=179 => flag(Measure::Systolic, FlagLevel::High),
                ..=89 => flag(Measure::Systolic, FlagLevel::Low),
                _ => {}
            }
        }
        if let Some(d) = v.diastolic {
            match d {
                120.. => flag(Measure::Diastolic, FlagLevel::Critical),
                90..=119 => flag(Measure::Diastolic, FlagLevel::High),
                ..=59 => flag(Measure::Diastolic, FlagLevel::Low),
                _ => {}
            }
        }
    }
    let ((p_lo, p_hi), (r_lo, r_hi)) = pulse_rr_normal(age_years);
    if let Some(p) = v.pulse {
        if p > p_hi {
            flag(
                Measure::Pulse,
                if p >= p_hi + 50 {
                    FlagLevel::Critical
                } else {
                    FlagLevel::High
                },
            );
        } else if p < p_lo {
            flag(
                Measure::Pulse,
                if p + 20 <= p_lo {
                    FlagLevel::Critical
                } else {
                    FlagLevel::Low
                },
            );
        }
    }
    if let Some(r) = v.respiratory_rate {
        if r > r_hi {
            flag(Measure::RespiratoryRate, FlagLevel::High);
        } else if r < r_lo {
            flag(Measure::RespiratoryRate, FlagLevel::Low);
        }
    }
    if let Some(t) = v.temperature_dc {
        match t {
            400.. => flag(Measure::Temperature, FlagLevel::Critical),
            380..=399 => flag(Measure::Temperature, FlagLevel::High),
            ..=349 => flag(Measure::Temperature, FlagLevel::Low),
            _ => {}
        }
    }
    if let Some(s) = v.spo2 {
        match s {
            ..=89 => flag(Measure::Spo2, FlagLevel::Critical),
            90..=93 => flag(Measure::Spo2, FlagLevel::Low),
            _ => {}
        }
    }
    if adult
        && let (Some(w), Some(h)) = (v.weight_g, v.height_mm)
        && let Some(bmi) = bmi_tenths(w, h)
    {
        if bmi >= 300 {
            flag(Measure::Bmi, FlagLevel::High);
        } else if bmi < 185 {
            flag(Measure::Bmi, FlagLevel::Low);
        }
    }
    out
}

fn tenths(n: u32) -> String {
    format!("{}.{}", n / 10, n % 10)
}

/// A measurement in the clinic's units, with its unit: `37.1 °C`, `98.8 °F`, `70.5 kg`.
pub fn format_measure(measure: Measure, canonical: u32, units: UnitSystem) -> String {
    match (measure, units) {
        (Measure::Systolic | Measure::Diastolic, _) => format!("{canonical} mmHg"),
        (Measure::Pulse, _) => format!("{canonical} /min"),
        (Measure::RespiratoryRate, _) => format!("{canonical} /min"),
        (Measure::Spo2, _) => format!("{canonical} %"),
        (Measure::Bmi, _) => format!("{} kg/m²", tenths(canonical)),
        (Measure::Temperature, UnitSystem::Metric) => format!("{} °C", tenths(canonical)),
        (Measure::Temperature, UnitSystem::Us) => {
            // tenths °C → tenths °F: c × 9/5 + 320, rounded
            let f = (canonical * 18 + 3200 + 5) / 10;
            format!("{} °F", tenths(f))
        }
        (Measure::Weight, UnitSystem::Metric) => format!("{} kg", tenths((canonical + 50) / 100)),
        (Measure::Weight, UnitSystem::Us) => {
            // grams → tenths of a pound: g × 10 / 453.59237, rounded
            let lb_tenths = (u64::from(canonical) * 1_000_000 + 22_679_618) / 45_359_237;
            format!(
                "{} lb",
                tenths(u32::try_from(lb_tenths).unwrap_or(u32::MAX))
            )
        }
        (Measure::Height | Measure::HeadCircumference, UnitSystem::Metric) => {
            format!("{} cm", tenths(canonical))
        }
        (Measure::Height | Measure::HeadCircumference, UnitSystem::Us) => {
            let in_tenths = (canonical * 100 + 127) / 254;
            format!("{} in", tenths(in_tenths))
        }
    }
}
