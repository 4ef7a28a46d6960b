//! What a record's changes come to, on any replica, in any order: the merge rules of sync applied
//! to one record.
//!
//! Every field is a multi-value register ([`crate::merge`]) over the edits of that field: the
//! create change sets every field it names, each update sets some and names the edits it
//! replaced. A field with one head shows it; with several it is in conflict, and shows
//! - a tombstone if one of the heads is one (a cancelled appointment, a note entered in error,
//!   a merged patient): an edit made without seeing the deletion never brings the record back;
//! - otherwise the head with the latest clock (the change id breaks a tie).
//!
//! Conflicts on the safety list (date of birth, sex, identifiers, and every clinical event:
//! allergies, medications, problems) flag the record until a clinician picks the value.
//! Everything here is a pure function of the *set* of changes, so all replicas agree.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::change::{Change, ChangeKind, Entity, Fields, Value};
use crate::hlc::Hlc;
use crate::ids::ChangeId;
use crate::merge::{Edit, merge};

/// Whether a conflict on this field must be resolved by a clinician before the record is
/// trusted again.
pub fn on_safety_list(entity: Entity, field: &str) -> bool {
    match entity {
        Entity::Patient => matches!(field, "birth_date" | "sex" | "mrn" | "national_id"),
        Entity::ClinicalEvent => true,
        _ => false,
    }
}

/// Whether this value of this field deletes (or retires) the record.
pub fn is_tombstone(entity: Entity, field: &str, value: &Value) -> bool {
    let text = |v: &str| matches!(value, Value::Text(t) if t == v);
    match (entity, field) {
        (Entity::Encounter, "status") => text("entered_in_error"),
        (Entity::Appointment, "status") | (Entity::Prescription, "status") => text("cancelled"),
        (Entity::Invoice, "status") => text("void") || text("deleted"),
        (Entity::WaitlistEntry, "status") => text("removed"),
        (Entity::Patient, "merged_into") => !matches!(value, Value::Null),
        (Entity::ScheduleException, "removed")
        | (Entity::NoteTemplate | Entity::Room | Entity::AppointmentType, "archived") => {
            matches!(value, Value::Bool(true))
        }
        _ => false,
    }
}

/// One value standing in a conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub change_id: ChangeId,
    pub hlc: Hlc,
    pub value: Value,
}

/// A field whose concurrent edits have not been reconciled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldConflict {
    /// The same on every replica: derived from the record, the field and the heads.
    pub id: Uuid,
    pub field: String,
    /// The shown value first, then the others, latest clock first.
    pub heads: Vec<Head>,
    pub safety: bool,
}

/// A record as its changes make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordState {
    /// `None` until the change that creates the record has arrived.
    pub fields: Option<Fields>,
    /// The change whose value each field shows.
    pub shown: BTreeMap<String, (ChangeId, Hlc)>,
    pub conflicts: Vec<FieldConflict>,
}

/// Merges every known change of one record (in any order, repeats allowed).
pub fn materialize<'a>(
    entity: Entity,
    record_id: Uuid,
    changes: impl IntoIterator<Item = &'a Change>,
) -> RecordState {
    let mut seen = BTreeSet::new();
    let changes: Vec<&Change> = changes.into_iter().filter(|c| seen.insert(c.id)).collect();
    let created = changes.iter().any(|c| c.kind == ChangeKind::Create);
    let mut edits: BTreeMap<&str, Vec<Edit<ChangeId, &Value>>> = BTreeMap::new();
    for c in &changes {
        for (field, value) in &c.fields {
            edits.entry(field).or_default().push(Edit {
                id: c.id,
                replaces: Vec::new(),
                clock: c.hlc,
                value,
            });
        }
    }
    // What each update replaced, by id; a change from before ids were recorded names the clock
    // of the value it replaced, which on its own device was a single edit.
    for c in &changes {
        for field in c.fields.keys() {
            let Some(list) = edits.get(field.as_str()) else {
                continue;
            };
            let replaced: Vec<ChangeId> = match (c.replaces.get(field), c.base.get(field)) {
                (Some(ids), _) => ids.clone(),
                (None, Some(base)) if c.kind == ChangeKind::Update => list
                    .iter()
                    .filter(|e| e.clock == *base && e.id != c.id)
                    .map(|e| e.id)
                    .collect(),
                _ => Vec::new(),
            };
            if let Some(list) = edits.get_mut(field.as_str())
                && let Some(edit) = list.iter_mut().find(|e| e.id == c.id)
            {
                edit.replaces = replaced;
            }
        }
    }

    let mut fields = Fields::new();
    let mut shown = BTreeMap::new();
    let mut conflicts = Vec::new();
    for (field, list) in &edits {
        let merged = merge(list);
        let mut heads = merged.heads;
        if heads.len() > 1
            && let Some(i) = heads
                .iter()
                .position(|h| is_tombstone(entity, field, h.value))
        {
            let tomb = heads.remove(i);
            heads.insert(0, tomb);
        }
        let Some(first) = heads.first() else { continue };
        fields.insert((*field).to_owned(), first.value.clone());
        shown.insert((*field).to_owned(), (first.id, first.clock));
        if heads.len() > 1 {
            conflicts.push(FieldConflict {
                id: conflict_id(entity, record_id, field, heads.iter().map(|h| h.id)),
                field: (*field).to_owned(),
                heads: heads
                    .iter()
                    .map(|h| Head {
                        change_id: h.id,
                        hlc: h.clock,
                        value: h.value.clone(),
                    })
                    .collect(),
                safety: on_safety_list(entity, field),
            });
        }
    }
    RecordState {
        fields: created.then_some(fields),
        shown,
        conflicts,
    }
}

/// A conflict's id: a name-based UUID over the record, the field and the sorted heads.
pub fn conflict_id(
    entity: Entity,
    record_id: Uuid,
    field: &str,
    heads: impl IntoIterator<Item = ChangeId>,
) -> Uuid {
    let mut heads: Vec<ChangeId> = heads.into_iter().collect();
    heads.sort();
    let mut h = Sha256::new();
    h.update(entity.as_str());
    h.update([0]);
    h.update(record_id.as_bytes());
    h.update(field);
    h.update([0]);
    for id in heads {
        h.update(id.as_uuid().as_bytes());
    }
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    use super::*;
    use crate::ids::DeviceId;

    fn change(
        id: u128,
        kind: ChangeKind,
        wall_ms: u64,
        fields: &[(&str, Value)],
        replaces: &[(&str, &[u128])],
    ) -> Change {
        Change {
            id: ChangeId::from_uuid(Uuid::from_u128(id)),
            device_id: DeviceId::from_uuid(Uuid::from_u128(1)),
            device_seq: 1,
            hlc: Hlc {
                wall_ms,
                counter: 0,
            },
            user_id: None,
            entity: Entity::Appointment,
            record_id: Uuid::from_u128(99),
            kind,
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            base: BTreeMap::new(),
            replaces: replaces
                .iter()
                .map(|(f, ids)| {
                    (
                        (*f).to_owned(),
                        ids.iter()
                            .map(|i| ChangeId::from_uuid(Uuid::from_u128(*i)))
                            .collect(),
                    )
                })
                .collect(),
            recorded_at: Utc.timestamp_opt(0, 0).single().unwrap_or_default(),
        }
    }

    fn text(s: &str) -> Value {
        Value::from(s)
    }

    #[test]
    fn a_cancellation_is_not_revived_by_a_concurrent_later_edit() {
        let create = change(
            1,
            ChangeKind::Create,
            1,
            &[("status", text("booked")), ("note", Value::Null)],
            &[],
        );
        let cancel = change(
            2,
            ChangeKind::Update,
            5,
            &[("status", text("cancelled"))],
            &[("status", &[1])],
        );
        let check_in = change(
            3,
            ChangeKind::Update,
            9,
            &[("status", text("checked_in"))],
            &[("status", &[1])],
        );
        let state = materialize(
            Entity::Appointment,
            Uuid::from_u128(99),
            [&check_in, &create, &cancel],
        );
        let fields = state.fields.unwrap();
        assert_eq!(fields["status"], text("cancelled"));
        assert_eq!(state.conflicts.len(), 1, "listed for review");
        assert!(!state.conflicts[0].safety);
        // Undoing the cancellation on purpose (having seen it) is not stale.
        let restore = change(
            4,
            ChangeKind::Update,
            12,
            &[("status", text("booked"))],
            &[("status", &[2, 3])],
        );
        let state = materialize(
            Entity::Appointment,
            Uuid::from_u128(99),
            [&create, &cancel, &check_in, &restore],
        );
        assert_eq!(state.fields.unwrap()["status"], text("booked"));
        assert!(state.conflicts.is_empty());
    }

    #[test]
    fn an_update_before_its_create_waits_for_it() {
        let update = change(
            2,
            ChangeKind::Update,
            5,
            &[("note", text("x"))],
            &[("note", &[1])],
        );
        let state = materialize(Entity::Appointment, Uuid::from_u128(99), [&update]);
        assert_eq!(state.fields, None);
    }

    #[test]
    fn changes_without_ids_replace_by_the_clock_they_name() {
        let create = change(1, ChangeKind::Create, 1, &[("note", text("a"))], &[]);
        let mut edit = change(2, ChangeKind::Update, 2, &[("note", text("b"))], &[]);
        edit.base.insert("note".into(), create.hlc);
        let state = materialize(Entity::Appointment, Uuid::from_u128(99), [&edit, &create]);
        assert_eq!(state.fields.unwrap()["note"], text("b"));
        assert!(state.conflicts.is_empty());
    }

    #[test]
    fn the_conflict_id_depends_on_the_heads_not_their_order() {
        let ids = [1u128, 2].map(|i| ChangeId::from_uuid(Uuid::from_u128(i)));
        let r = Uuid::from_u128(7);
        assert_eq!(
            conflict_id(Entity::Patient, r, "sex", ids),
            conflict_id(Entity::Patient, r, "sex", [ids[1], ids[0]])
        );
        assert_ne!(
            conflict_id(Entity::Patient, r, "sex", ids),
            conflict_id(Entity::Patient, r, "birth_date", ids)
        );
    }

    proptest! {
        /// Any order, with repeats, of any subset-closed history gives the same record.
        #[test]
        fn order_and_repeats_do_not_matter(
            steps in prop::collection::vec((0usize..3, 0u64..20, any::<prop::sample::Index>()), 1..16),
            shuffle in any::<u64>(),
        ) {
            let fields = ["status", "note", "room_id"];
            let mut all = vec![change(1000, ChangeKind::Create, 0,
                &[("status", text("booked")), ("note", Value::Null), ("room_id", Value::Null)], &[])];
            for (i, (f, wall, seen)) in steps.into_iter().enumerate() {
                let upto = seen.index(all.len()) + 1;
                let before = materialize(Entity::Appointment, Uuid::from_u128(99), &all[..upto]);
                let field = fields[f];
                let mut heads: Vec<u128> = before.conflicts.iter()
                    .filter(|c| c.field == field)
                    .flat_map(|c| c.heads.iter().map(|h| h.change_id.as_uuid().as_u128()))
                    .collect();
                if heads.is_empty() {
                    heads.push(before.shown[field].0.as_uuid().as_u128());
                }
                let value = if f == 0 && wall % 3 == 0 { text("cancelled") } else { text(&format!("v{i}")) };
                all.push(change(i as u128, ChangeKind::Update, wall, &[(field, value)], &[(field, &heads)]));
            }
            let whole = materialize(Entity::Appointment, Uuid::from_u128(99), &all);
            let mut mixed: Vec<&Change> = all.iter().chain(all.iter().take(3)).collect();
            let mut s = shuffle;
            for i in (1..mixed.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                mixed.swap(i, (s >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(materialize(Entity::Appointment, Uuid::from_u128(99), mixed), whole);
        }
    }
}
