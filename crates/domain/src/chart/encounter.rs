//! Visits and their notes. A note is a draft its author may edit; signing freezes it under a
//! content hash; after that it only gains addenda (events), or is marked entered in error.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ValidationError;
use crate::ids::UserId;
use crate::patients::{PatientId, parse_note};

crate::ids::record_id!(
    /// A visit.
    EncounterId
);

crate::ids::record_id!(
    /// A note template the clinic keeps.
    NoteTemplateId
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum EncounterStatus {
    Draft,
    Signed,
    EnteredInError,
}

impl EncounterStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            EncounterStatus::Draft => "draft",
            EncounterStatus::Signed => "signed",
            EncounterStatus::EnteredInError => "entered_in_error",
        }
    }
}

impl std::str::FromStr for EncounterStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(EncounterStatus::Draft),
            "signed" => Ok(EncounterStatus::Signed),
            "entered_in_error" => Ok(EncounterStatus::EnteredInError),
            _ => Err(ValidationError::new("status", "is not a visit status")),
        }
    }
}

/// The four parts of a visit note.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
pub struct Soap {
    pub subjective: String,
    pub objective: String,
    pub assessment: String,
    pub plan: String,
}

/// The longest a part of a note may be.
pub const fn note_field_limit() -> usize {
    20_000
}

impl Soap {
    /// Trims each part and checks its length; line breaks are welcome.
    pub fn parse(
        subjective: &str,
        objective: &str,
        assessment: &str,
        plan: &str,
    ) -> Result<Soap, ValidationError> {
        let part = |field, s: &str| {
            parse_note(field, s, note_field_limit()).map(Option::unwrap_or_default)
        };
        Ok(Soap {
            subjective: part("subjective", subjective)?,
            objective: part("objective", objective)?,
            assessment: part("assessment", assessment)?,
            plan: part("plan", plan)?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.subjective.is_empty()
            && self.objective.is_empty()
            && self.assessment.is_empty()
            && self.plan.is_empty()
    }
}

/// A starting point for notes that the clinic keeps ("Hypertension follow-up").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteTemplate {
    pub id: NoteTemplateId,
    pub name: String,
    pub reason: Option<String>,
    pub note: Soap,
    pub archived: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encounter {
    pub id: EncounterId,
    pub patient_id: PatientId,
    /// The clinician who sees the patient and authors the note.
    pub provider_id: UserId,
    pub starts_at: DateTime<Utc>,
    pub reason: Option<String>,
    pub note: Soap,
    pub template_id: Option<NoteTemplateId>,
    pub status: EncounterStatus,
    pub signed_at: Option<DateTime<Utc>>,
    pub signed_by: Option<UserId>,
    pub content_hash: Option<String>,
    pub error_reason: Option<String>,
}

/// Why a change to a visit is refused, in words for the person trying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteRefusal {
    Signed,
    EnteredInError,
    NotAuthor,
    Empty,
    /// An addendum is for a signed note; a draft is edited.
    StillDraft,
}

impl NoteRefusal {
    /// A stable name for the reason, for the page to branch on.
    pub fn code(&self) -> &'static str {
        match self {
            NoteRefusal::Signed => "note_signed",
            NoteRefusal::EnteredInError => "visit_entered_in_error",
            NoteRefusal::NotAuthor => "not_the_visits_clinician",
            NoteRefusal::Empty => "note_empty",
            NoteRefusal::StillDraft => "note_still_draft",
        }
    }

    pub fn message(&self) -> &'static str {
        match self {
            NoteRefusal::Signed => {
                "this note is signed and cannot be changed; add an addendum instead"
            }
            NoteRefusal::EnteredInError => "this visit was marked as entered in error",
            NoteRefusal::NotAuthor => "only the visit's clinician can edit or sign its note",
            NoteRefusal::Empty => "an empty note cannot be signed",
            NoteRefusal::StillDraft => {
                "the note is still a draft: edit it instead of adding an addendum"
            }
        }
    }
}

impl Encounter {
    /// Whether `user` may edit the draft.
    pub fn check_edit(&self, user: UserId) -> Result<(), NoteRefusal> {
        match self.status {
            EncounterStatus::Signed => Err(NoteRefusal::Signed),
            EncounterStatus::EnteredInError => Err(NoteRefusal::EnteredInError),
            EncounterStatus::Draft if self.provider_id != user => Err(NoteRefusal::NotAuthor),
            EncounterStatus::Draft => Ok(()),
        }
    }

    /// Whether `user` may sign it now.
    pub fn check_sign(&self, user: UserId) -> Result<(), NoteRefusal> {
        self.check_edit(user)?;
        if self.note.is_empty() {
            return Err(NoteRefusal::Empty);
        }
        Ok(())
    }

    /// Whether an addendum may be added: only to a signed note.
    pub fn check_addendum(&self) -> Result<(), NoteRefusal> {
        match self.status {
            EncounterStatus::Signed => Ok(()),
            EncounterStatus::Draft => Err(NoteRefusal::StillDraft),
            EncounterStatus::EnteredInError => Err(NoteRefusal::EnteredInError),
        }
    }

    /// Whether the signed content still matches its hash.
    pub fn hash_holds(&self) -> bool {
        self.hash_holds_as(&[])
    }

    /// Whether the signed content matches its hash, for a note that a merge may have moved here
    /// from one of `merged` (the records merged into this patient): it was signed under its
    /// patient then, and the hash says so.
    pub fn hash_holds_as(&self, merged: &[PatientId]) -> bool {
        match (&self.content_hash, self.status) {
            (Some(hash), EncounterStatus::Signed) => {
                *hash == content_hash(self)
                    || merged.iter().any(|&patient_id| {
                        *hash
                            == content_hash(&Encounter {
                                patient_id,
                                ..self.clone()
                            })
                    })
            }
            (None, EncounterStatus::Signed) => false,
            _ => true,
        }
    }
}

/// SHA-256 over the note's identity and content, in a fixed order with lengths, as lowercase hex.
pub fn content_hash(e: &Encounter) -> String {
    let mut h = Sha256::new();
    let starts = e.starts_at.to_rfc3339_opts(SecondsFormat::Secs, true);
    for part in [
        "tend-note-v1",
        &e.id.to_string(),
        &e.patient_id.to_string(),
        &e.provider_id.to_string(),
        &starts,
        e.reason.as_deref().unwrap_or_default(),
        &e.note.subjective,
        &e.note.objective,
        &e.note.assessment,
        &e.note.plan,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
