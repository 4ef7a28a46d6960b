//! Prescriptions, and the clinic's own drugs and brand names, as stored.

use rusqlite::{OptionalExtension, Row};
use tend_domain::clinic::DeviceCode;
use tend_domain::patients::PatientId;
use tend_domain::prescriptions::catalog::CLINIC_PREFIX;
use tend_domain::prescriptions::{Amount, ClinicDrug, Prescription, RxStatus};
use tend_domain::{Fields, Value};
use uuid::Uuid;

use crate::error::Result;
use crate::{Reader, WriteTx, parse_id};

use crate::rows::{bad, fields, from_json, instant as time, json};

/// Every field of a prescription.
pub fn prescription_fields(p: &Prescription) -> Fields {
    fields(vec![
        ("number", Value::from(p.number.clone())),
        ("patient_id", Value::from(p.patient_id.to_string())),
        ("prescriber_id", Value::from(p.prescriber_id.to_string())),
        ("encounter_id", Value::Null),
        ("status", Value::from(p.status.as_str())),
        ("items", json(&p.items)),
        ("overrides", json(&p.overrides)),
        ("signed_at", Value::from(p.signed_at.map(time))),
        ("cancelled_at", Value::from(p.cancelled_at.map(time))),
        ("cancel_reason", Value::from(p.cancel_reason.clone())),
        (
            "renewed_from",
            Value::from(p.renewed_from.map(|u| u.to_string())),
        ),
        ("content_hash", Value::from(p.content_hash.clone())),
    ])
}

const COLUMNS: &str = "id, number, patient_id, prescriber_id, status, items, overrides,
    signed_at, cancelled_at, cancel_reason, renewed_from, content_hash, created_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Prescription> {
    let status: String = r.get(4)?;
    let items: String = r.get(5)?;
    let overrides: String = r.get(6)?;
    let renewed: Option<String> = r.get(10)?;
    Ok(Prescription {
        id: parse_id(r.get_ref(0)?)?,
        number: r.get(1)?,
        patient_id: parse_id(r.get_ref(2)?)?,
        prescriber_id: parse_id(r.get_ref(3)?)?,
        status: RxStatus::parse(&status).ok_or_else(|| bad("prescription status"))?,
        items: from_json(&items, "prescription items")?,
        overrides: from_json(&overrides, "prescription overrides")?,
        signed_at: r.get(7)?,
        cancelled_at: r.get(8)?,
        cancel_reason: r.get(9)?,
        renewed_from: renewed
            .map(|u| u.parse().map_err(|_| bad("renewed prescription id")))
            .transpose()?,
        content_hash: r.get(11)?,
        created_at: r.get(12)?,
    })
}

/// Every field of a clinic drug.
pub fn clinic_drug_fields(d: &ClinicDrug) -> Fields {
    fields(vec![
        ("generic", Value::from(d.generic.as_str())),
        ("class", Value::from(d.class.as_str())),
        ("forms", json(&d.forms)),
        ("strengths", json(&d.strengths)),
        ("routes", json(&d.routes)),
        ("max_daily", Value::from(d.max_daily.map(|a| a.to_string()))),
        ("archived", Value::Bool(false)),
    ])
}

impl Reader<'_> {
    pub fn prescription(&self, id: Uuid) -> Result<Option<Prescription>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM prescription WHERE id = ?1"))?
            .query_row([id.to_string()], from_row)
            .optional()?)
    }

    pub fn prescription_by_number(&self, number: &str) -> Result<Option<Prescription>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM prescription WHERE number = ?1"
            ))?
            .query_row([number], from_row)
            .optional()?)
    }

    /// A patient's prescriptions, newest first.
    pub fn prescriptions_of(&self, patient: PatientId) -> Result<Vec<Prescription>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM prescription WHERE patient_id = ?1 ORDER BY created_at DESC, id DESC"
        ))?;
        let rows = stmt.query_map([patient.to_string()], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The clinic's own drugs, not archived.
    pub fn clinic_drugs(&self) -> Result<Vec<ClinicDrug>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, generic, class, forms, strengths, routes, max_daily FROM clinic_drug
             WHERE archived = 0 ORDER BY generic",
        )?;
        let rows = stmt.query_map([], |r| {
            let list = |i: usize| -> rusqlite::Result<Vec<String>> {
                let s: String = r.get(i)?;
                from_json(&s, "drug list")
            };
            let id: String = r.get(0)?;
            let max: Option<String> = r.get(6)?;
            Ok(ClinicDrug {
                code: format!("{CLINIC_PREFIX}{id}"),
                generic: r.get(1)?,
                class: r.get(2)?,
                forms: list(3)?,
                strengths: list(4)?,
                routes: list(5)?,
                max_daily: max.and_then(|m| Amount::parse(&m)),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Strengths the clinic added to drugs: (drug code, strength).
    pub fn drug_strengths(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT drug_code, strength FROM drug_strength WHERE archived = 0
             ORDER BY created_at, id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Brand names the clinic added: (brand, drug code).
    pub fn drug_brands(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT brand, drug_code FROM drug_brand WHERE archived = 0 ORDER BY brand",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl WriteTx<'_> {
    /// The next prescription number of this device's series (`K7-RX-000045`); never reused.
    pub fn allocate_rx_number(&mut self) -> Result<String> {
        let code: DeviceCode = self.identity().device_code;
        let next = self.next_in_series("rx_next", "prescription-number")?;
        Ok(format!("{code}-RX-{next:06}"))
    }
}
