//! Patients as stored: their record, the search index derived from it (kept in the same
//! transaction as every change), MRN allocation, search and duplicate candidates.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use tend_domain::patients::search::{SearchQuery, birth_matches, joined_variants, score_name};
use tend_domain::patients::{Demographics, Mrn, PatientId, PersonKey, Sex, candidate_birth_dates};
use tend_domain::text::{PHONE_MATCH_DIGITS, deletion_keys, fold, phonetic, tokens};
use tend_domain::{DeviceCode, Entity, Fields, Value};
use uuid::Uuid;

use crate::error::Result;
use crate::{Reader, WriteTx, parse_id};

/// A patient as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientRecord {
    pub id: PatientId,
    pub mrn: Mrn,
    pub demographics: Demographics,
    /// Set once this record was merged into another; it then only redirects.
    pub merged_into: Option<PatientId>,
    pub created_at: DateTime<Utc>,
}

fn json<T: serde::Serialize>(v: &T) -> Value {
    Value::Text(serde_json::to_string(v).unwrap_or_default())
}

fn opt_json<T: serde::Serialize>(v: &Option<T>) -> Value {
    v.as_ref().map_or(Value::Null, json)
}

/// The demographic fields of a patient, as the change log records them (everything but the MRN
/// and the merge link).
pub fn demographics_fields(d: &Demographics) -> Fields {
    [
        ("given_name", Value::from(d.given_name.as_str())),
        ("family_name", Value::from(d.family_name.as_str())),
        ("preferred_name", Value::from(d.preferred_name.clone())),
        ("birth_date", Value::from(d.birth_date.to_string())),
        ("birth_date_estimated", Value::from(d.birth_date_estimated)),
        ("sex", Value::from(d.sex.as_str())),
        ("gender_identity", Value::from(d.gender_identity.clone())),
        ("phones", json(&d.phones)),
        ("email", Value::from(d.email.clone())),
        ("address", opt_json(&d.address)),
        ("emergency_contact", opt_json(&d.emergency_contact)),
        ("language", Value::from(d.language.clone())),
        ("front_desk_note", Value::from(d.front_desk_note.clone())),
        ("national_id", Value::from(d.national_id.clone())),
        ("insurance", opt_json(&d.insurance)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

impl PatientRecord {
    /// Every field of a new patient.
    pub fn fields(&self) -> Fields {
        let mut f = demographics_fields(&self.demographics);
        f.insert("mrn".into(), Value::from(self.mrn.to_string()));
        f.insert(
            "merged_into".into(),
            Value::from(self.merged_into.map(|p| p.to_string())),
        );
        f
    }

    /// What duplicate scoring compares.
    pub fn person_key(&self) -> PersonKey {
        person_key(&self.demographics)
    }
}

pub fn person_key(d: &Demographics) -> PersonKey {
    PersonKey {
        given_name: d.given_name.clone(),
        family_name: d.family_name.clone(),
        birth_date: d.birth_date,
        phones: d.phones.iter().map(|p| p.digits()).collect(),
    }
}

const COLUMNS: &str = "id, mrn, given_name, family_name, preferred_name, birth_date,
    birth_date_estimated, sex, gender_identity, phones, email, address, emergency_contact,
    language, front_desk_note, national_id, insurance, merged_into, created_at";

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("stored patient {what} is invalid").into(),
    )
}

fn from_json<T: serde::de::DeserializeOwned>(
    text: Option<String>,
    what: &str,
) -> rusqlite::Result<Option<T>> {
    text.map(|t| serde_json::from_str(&t).map_err(|_| bad(what)))
        .transpose()
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<PatientRecord> {
    let mrn: String = r.get(1)?;
    let birth: String = r.get(5)?;
    let sex: String = r.get(7)?;
    let merged: Option<String> = r.get(17)?;
    Ok(PatientRecord {
        id: parse_id(r.get_ref(0)?)?,
        mrn: Mrn::parse(&mrn).map_err(|_| bad("record number"))?,
        demographics: Demographics {
            given_name: r.get(2)?,
            family_name: r.get(3)?,
            preferred_name: r.get(4)?,
            birth_date: birth.parse().map_err(|_| bad("birth date"))?,
            birth_date_estimated: r.get(6)?,
            sex: sex.parse::<Sex>().map_err(|_| bad("sex"))?,
            gender_identity: r.get(8)?,
            phones: from_json(Some(r.get(9)?), "phones")?.unwrap_or_default(),
            email: r.get(10)?,
            address: from_json(r.get(11)?, "address")?,
            emergency_contact: from_json(r.get(12)?, "emergency contact")?,
            language: r.get(13)?,
            front_desk_note: r.get(14)?,
            national_id: r.get(15)?,
            insurance: from_json(r.get(16)?, "insurance")?,
        },
        merged_into: merged
            .map(|m| m.parse().map_err(|_| bad("merge link")))
            .transpose()?,
        created_at: r.get(18)?,
    })
}

impl Reader<'_> {
    /// The records merged into `patient`, directly or through another merge: whatever they held
    /// is now filed under `patient`.
    pub fn merged_into(&self, patient: PatientId) -> Result<Vec<PatientId>> {
        let mut stmt = self.conn.prepare_cached(
            "WITH RECURSIVE merged(id) AS (
                 SELECT id FROM patient WHERE merged_into = ?1
                 UNION SELECT p.id FROM patient p JOIN merged m ON p.merged_into = m.id
             )
             SELECT id FROM merged",
        )?;
        let ids = stmt.query_map([patient.to_string()], |r| parse_id(r.get_ref(0)?))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    pub fn patient(&self, id: PatientId) -> Result<Option<PatientRecord>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM patient WHERE id = ?1"))?
            .query_row([id.to_string()], from_row)
            .optional()?)
    }

    pub fn patient_by_mrn(&self, mrn: &Mrn) -> Result<Option<PatientRecord>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM patient WHERE mrn = ?1"))?
            .query_row([mrn.to_string()], from_row)
            .optional()?)
    }

    fn patients_by_search_rowids(&self, rowids: &[i64]) -> Result<Vec<SearchRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT rowid, patient_id, given, family, preferred, birth_date
             FROM patient_search WHERE rowid = ?1",
        )?;
        let mut out = Vec::with_capacity(rowids.len());
        for rowid in rowids {
            if let Some(row) = stmt.query_row([rowid], SearchRow::from_row).optional()? {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// Patients matching a search, best first, at most `limit`. Merged records are found only
    /// by their exact MRN.
    pub fn search_patients(&self, query: &SearchQuery, limit: usize) -> Result<Vec<PatientRecord>> {
        let ids: Vec<PatientId> = match query {
            SearchQuery::Empty => Vec::new(),
            SearchQuery::Mrn(mrn) => self
                .patient_by_mrn(mrn)?
                .map(|p| p.id)
                .into_iter()
                .collect(),
            SearchQuery::MrnPrefix(prefix) => {
                // `K7-123` is most likely K7-000123 typed without zeros: that first, then the
                // numbers that begin with what was typed.
                let exact = Mrn::parse(prefix)
                    .ok()
                    .and_then(|m| self.patient_by_mrn(&m).transpose());
                let mut ids: Vec<PatientId> =
                    exact.transpose()?.map(|p| p.id).into_iter().collect();
                let mut stmt = self.conn.prepare_cached(
                    "SELECT id FROM patient WHERE mrn >= ?1 AND mrn < ?1 || '~' AND merged_into IS NULL
                     ORDER BY mrn LIMIT ?2",
                )?;
                for id in
                    stmt.query_map(params![prefix, limit as i64], |r| parse_id(r.get_ref(0)?))?
                {
                    let id = id?;
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                ids.truncate(limit);
                ids
            }
            SearchQuery::BirthDate(date) => {
                let mut stmt = self.conn.prepare_cached(
                    "SELECT patient_id FROM patient_search WHERE birth_date = ?1
                     ORDER BY family, given LIMIT ?2",
                )?;
                stmt.query_map(params![date.to_string(), limit as i64], |r| {
                    parse_id(r.get_ref(0)?)
                })?
                .collect::<rusqlite::Result<_>>()?
            }
            SearchQuery::Phone(digits) => self.search_phone(digits, limit)?,
            SearchQuery::Name {
                words,
                birth_year,
                birth_date,
            } => {
                let mut found = self.search_names(words, *birth_year, *birth_date, limit)?;
                // Nothing: perhaps a space typed inside one word ("mac donald").
                for variant in joined_variants(words) {
                    if !found.is_empty() {
                        break;
                    }
                    found = self.search_names(&variant, *birth_year, *birth_date, limit)?;
                }
                found
            }
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(p) = self.patient(id)? {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Search rows whose phone numbers contain `digits` (a run typed from any point).
    fn phone_rowids(&self, digits: &str, cap: usize) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT search_rowid FROM patient_phone
             WHERE fragment >= ?1 AND fragment < ?1 || ':' LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![digits, cap as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn search_phone(&self, digits: &str, limit: usize) -> Result<Vec<PatientId>> {
        let mut rowids = self.phone_rowids(digits, 500)?;
        // A number typed with a country code or trunk zero that was stored without one.
        if rowids.is_empty() && digits.len() > 9 {
            rowids = self.phone_rowids(&digits[digits.len() - 9..], 500)?;
        } else if rowids.is_empty() && digits.starts_with('0') {
            rowids = self.phone_rowids(digits.trim_start_matches('0'), 500)?;
        }
        let mut rows = self.patients_by_search_rowids(&rowids)?;
        rows.sort_by(|a, b| (&a.family, &a.given).cmp(&(&b.family, &b.given)));
        Ok(rows.into_iter().take(limit).map(|r| r.patient_id).collect())
    }

    fn fts_rowids(&self, expr: &str, cap: usize) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT rowid FROM patient_fts WHERE patient_fts MATCH ?1 LIMIT ?2")?;
        let rows = stmt
            .query_map(params![expr, cap as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn search_names(
        &self,
        words: &[String],
        birth_year: Option<i32>,
        birth_date: Option<NaiveDate>,
        limit: usize,
    ) -> Result<Vec<PatientId>> {
        // Exact words first (cheap and usually enough), then prefixes and one-typo variants.
        let exact = words
            .iter()
            .map(|w| format!("names : \"{w}\""))
            .collect::<Vec<_>>()
            .join(" AND ");
        let mut rowids = self.fts_rowids(&exact, CANDIDATES)?;
        if rowids.len() < CANDIDATES {
            let loose = words
                .iter()
                .map(|w| {
                    let keys = deletion_keys(w)
                        .iter()
                        .map(|k| format!("\"{k}\""))
                        .collect::<Vec<_>>()
                        .join(" OR ");
                    format!("(names : \"{w}\"* OR keys : ({keys}))")
                })
                .collect::<Vec<_>>()
                .join(" AND ");
            let seen: HashSet<i64> = rowids.iter().copied().collect();
            rowids.extend(
                self.fts_rowids(&loose, CANDIDATES)?
                    .into_iter()
                    .filter(|r| !seen.contains(r)),
            );
        }
        let mut scored: Vec<(u32, SearchRow)> = self
            .patients_by_search_rowids(&rowids)?
            .into_iter()
            .filter(|r| birth_matches(r.birth_date, birth_year, birth_date))
            .filter_map(|r| score_name(words, &r.given, &r.family, &r.preferred).map(|s| (s, r)))
            .collect();
        scored.sort_by(|(sa, a), (sb, b)| {
            sb.cmp(sa)
                .then_with(|| a.family.cmp(&b.family))
                .then_with(|| a.given.cmp(&b.given))
                .then_with(|| a.birth_date.cmp(&b.birth_date))
        });
        Ok(scored
            .into_iter()
            .take(limit)
            .map(|(_, r)| r.patient_id)
            .collect())
    }

    /// Patients that might be the person described: same or nearly the same birth date, a
    /// shared phone, or a name with the same words or sound. Unscored and unranked.
    pub fn duplicate_candidates(&self, key: &PersonKey) -> Result<Vec<PatientRecord>> {
        let mut rowids: BTreeSet<i64> = BTreeSet::new();
        let mut by_date = self
            .conn
            .prepare_cached("SELECT rowid FROM patient_search WHERE birth_date = ?1 LIMIT 200")?;
        for date in std::iter::once(key.birth_date).chain(candidate_birth_dates(key.birth_date)) {
            for r in by_date.query_map([date.to_string()], |r| r.get::<_, i64>(0))? {
                rowids.insert(r?);
            }
        }
        for phone in &key.phones {
            if phone.len() >= PHONE_MATCH_DIGITS {
                let tail = &phone[phone.len() - PHONE_MATCH_DIGITS..];
                rowids.extend(self.phone_rowids(tail, 200)?);
            }
        }
        let words = tokens(&format!("{} {}", key.given_name, key.family_name));
        if !words.is_empty() {
            let exact = words
                .iter()
                .map(|w| format!("names : \"{w}\""))
                .collect::<Vec<_>>()
                .join(" AND ");
            rowids.extend(self.fts_rowids(&exact, 200)?);
            let sound = phonetic_key(&words);
            let mut stmt = self
                .conn
                .prepare_cached("SELECT rowid FROM patient_search WHERE phonetic = ?1 LIMIT 200")?;
            for r in stmt.query_map([sound], |r| r.get::<_, i64>(0))? {
                rowids.insert(r?);
            }
        }
        let rows = self.patients_by_search_rowids(&rowids.into_iter().collect::<Vec<_>>())?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            if let Some(p) = self.patient(row.patient_id)? {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Ids of the records of `entity` filed under `patient`.
    pub fn records_filed_under(&self, entity: Entity, patient: PatientId) -> Result<Vec<Uuid>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT id FROM \"{}\" WHERE patient_id = ?1 ORDER BY id",
            crate::schema::Table::of(entity).name()
        ))?;
        let ids = stmt
            .query_map([patient.to_string()], |r| parse_id(r.get_ref(0)?))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// Up to `limit` patients who have not been merged away, in id order (for synthetic
    /// schedules and other bulk work that needs real patients).
    pub fn patient_ids(&self, limit: usize) -> Result<Vec<PatientId>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM patient WHERE merged_into IS NULL ORDER BY id LIMIT ?1")?;
        let ids = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                parse_id(r.get_ref(0)?)
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    pub fn patient_count(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM patient WHERE merged_into IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// The shortest run of digits a phone search looks up.
const MIN_PHONE_FRAGMENT: usize = 4;

/// How many candidates a name search scores before ranking.
const CANDIDATES: usize = 400;

#[derive(Debug)]
struct SearchRow {
    patient_id: PatientId,
    given: String,
    family: String,
    preferred: String,
    birth_date: NaiveDate,
}

impl SearchRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<SearchRow> {
        let birth: String = r.get(5)?;
        Ok(SearchRow {
            patient_id: parse_id(r.get_ref(1)?)?,
            given: r.get(2)?,
            family: r.get(3)?,
            preferred: r.get(4)?,
            birth_date: birth.parse().map_err(|_| bad("birth date"))?,
        })
    }
}

fn phonetic_key(words: &[String]) -> String {
    let mut keys: Vec<String> = words.iter().map(|w| phonetic(w)).collect();
    keys.sort();
    keys.join(" ")
}

/// The patient fields the search index is built from; a change to any other field leaves the
/// index as it was.
pub(crate) const INDEXED_FIELDS: &[&str] = &[
    "given_name",
    "family_name",
    "preferred_name",
    "birth_date",
    "phones",
    "merged_into",
];

/// Rebuilds the search index rows of one patient from its record, in the caller's transaction.
pub(crate) fn reindex(conn: &Connection, id: Uuid) -> Result<()> {
    let key = id.hyphenated().to_string();
    let old: Option<i64> = conn
        .prepare_cached("SELECT rowid FROM patient_search WHERE patient_id = ?1")?
        .query_row([&key], |r| r.get(0))
        .optional()?;
    if let Some(rowid) = old {
        conn.prepare_cached("DELETE FROM patient_fts WHERE rowid = ?1")?
            .execute([rowid])?;
        conn.prepare_cached("DELETE FROM patient_phone WHERE search_rowid = ?1")?
            .execute([rowid])?;
        conn.prepare_cached("DELETE FROM patient_search WHERE rowid = ?1")?
            .execute([rowid])?;
    }
    let record = Reader::new(conn).patient(PatientId::from_uuid(id))?;
    let Some(p) = record.filter(|p| p.merged_into.is_none()) else {
        return Ok(());
    };
    let d = &p.demographics;
    let (given, family) = (fold(&d.given_name), fold(&d.family_name));
    let preferred = d.preferred_name.as_deref().map(fold).unwrap_or_default();
    let mut words = tokens(&format!("{given} {family}"));
    let sound = phonetic_key(&words);
    words.extend(tokens(&preferred));
    // Compound names are also indexed joined ("garcialopez", "alsayed").
    for part in [&given, &family] {
        if part.contains(' ') {
            words.push(part.replace(' ', ""));
        }
    }
    conn.prepare_cached(
        "INSERT INTO patient_search (patient_id, given, family, preferred, birth_date, phonetic)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        key,
        given,
        family,
        preferred,
        d.birth_date.to_string(),
        sound
    ])?;
    let rowid = conn.last_insert_rowid();
    let mut keys: Vec<String> = Vec::new();
    for w in &words {
        for k in deletion_keys(w) {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    conn.prepare_cached("INSERT INTO patient_fts (rowid, names, keys) VALUES (?1, ?2, ?3)")?
        .execute(params![rowid, words.join(" "), keys.join(" ")])?;
    let mut phones: Vec<String> = d.phones.iter().map(|p| p.digits()).collect();
    phones.sort();
    phones.dedup();
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO patient_phone (fragment, search_rowid) VALUES (?1, ?2)",
    )?;
    for digits in phones {
        for start in 0..=digits.len().saturating_sub(MIN_PHONE_FRAGMENT) {
            insert.execute(params![&digits[start..], rowid])?;
        }
    }
    Ok(())
}

impl WriteTx<'_> {
    /// The next record number of this device's series. Numbers are never reused: the counter
    /// only grows, inside the transaction that uses it.
    pub fn allocate_mrn(&mut self) -> Result<Mrn> {
        let code: DeviceCode = self.identity().device_code;
        let next = self.next_in_series("mrn_next", "record-number")?;
        Ok(Mrn::new(code, next))
    }
}
