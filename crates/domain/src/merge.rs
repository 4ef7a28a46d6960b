//! How concurrent edits of one field merge (sync, issue 8). Pure: no store, no clock.
//!
//! A field's state is a function of the *set* of edits made to it, not of the order they arrived
//! in. That makes the merge commutative, associative and idempotent by construction, so every
//! replica that has seen the same edits shows the same value and the same open conflict.
//!
//! - Each edit names the edits it replaces: the ones its author saw as the field's value or
//!   values. An ordinary edit replaces one; a clinician's resolution of a conflict replaces every
//!   value the conflict showed.
//! - The field's *heads* are the edits nobody has replaced. One head: that is the value. More
//!   than one: the edits were concurrent, and the field is in conflict until an edit replaces
//!   them all. Which head shows meanwhile is the one with the latest clock (the change id breaks
//!   a tie), the same on every replica.
//! - A replaced edit is never a head again, whatever arrives after it: a stale edit cannot
//!   bring back a value (or a tombstone's absence) that a later edit replaced.
//!
//! The clock alone never decides that one edit replaced another: an edit with an earlier clock
//! can still be concurrent, and only what its author saw says otherwise. The ids are generic so
//! the caller decides what names an edit (the change id is unique; an `Hlc` alone is not, since
//! two devices can stamp the same millisecond and counter).

use std::collections::BTreeSet;

use crate::hlc::Hlc;

/// One edit of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit<Id, V> {
    pub id: Id,
    /// The edits whose values this one replaces (empty for the value a record was created with).
    pub replaces: Vec<Id>,
    pub clock: Hlc,
    pub value: V,
}

/// A field as merged from a set of edits.
#[derive(Debug, PartialEq, Eq)]
pub struct Merged<'a, Id, V> {
    /// The edits nobody replaced, the one shown first (latest clock; then the greater id).
    pub heads: Vec<&'a Edit<Id, V>>,
}

impl<'a, Id, V> Merged<'a, Id, V> {
    /// The value the field shows; `None` when no edit is known.
    pub fn shown(&self) -> Option<&'a Edit<Id, V>> {
        self.heads.first().copied()
    }

    /// Whether concurrent edits left more than one value standing.
    pub fn in_conflict(&self) -> bool {
        self.heads.len() > 1
    }
}

/// Merges the edits of one field. Duplicates (the same id twice, which always name the same edit)
/// count once; order is ignored.
pub fn merge<'a, Id: Ord, V>(
    edits: impl IntoIterator<Item = &'a Edit<Id, V>>,
) -> Merged<'a, Id, V> {
    let edits: Vec<&Edit<Id, V>> = edits.into_iter().collect();
    let replaced: BTreeSet<&Id> = edits.iter().flat_map(|e| e.replaces.iter()).collect();
    let mut heads: Vec<&Edit<Id, V>> = edits
        .into_iter()
        .filter(|e| !replaced.contains(&e.id))
        .collect();
    heads.sort_by(|a, b| b.clock.cmp(&a.clock).then_with(|| b.id.cmp(&a.id)));
    heads.dedup_by(|a, b| a.id == b.id);
    Merged { heads }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn edit(id: u32, replaces: &[u32], wall_ms: u64) -> Edit<u32, String> {
        Edit {
            id,
            replaces: replaces.to_vec(),
            clock: Hlc {
                wall_ms,
                counter: 0,
            },
            value: format!("v{id}"),
        }
    }

    fn head_ids(m: &Merged<'_, u32, String>) -> Vec<u32> {
        m.heads.iter().map(|e| e.id).collect()
    }

    #[test]
    fn a_sequential_edit_replaces_and_concurrent_ones_conflict() {
        let created = edit(0, &[], 10);
        let a = edit(1, &[0], 20);
        let b = edit(2, &[0], 30);
        assert_eq!(head_ids(&merge([&created, &a])), [1]);
        let both = merge([&created, &a, &b]);
        assert!(both.in_conflict());
        assert_eq!(head_ids(&both), [2, 1], "the later clock shows");
        // A resolution that saw both closes the conflict.
        let resolved = edit(3, &[1, 2], 40);
        let m = merge([&created, &a, &b, &resolved]);
        assert_eq!(head_ids(&m), [3]);
        assert!(!m.in_conflict());
    }

    /// The case that defeats "apply when the base matches": a resolution written before a third
    /// concurrent edit arrived must leave the same conflict on every replica.
    #[test]
    fn a_resolution_that_missed_a_concurrent_edit_leaves_the_same_conflict_everywhere() {
        let e = [
            edit(0, &[], 1),
            edit(1, &[0], 5),
            edit(2, &[0], 6),
            edit(3, &[0], 7),
        ];
        let r = edit(4, &[1, 2], 8);
        let seen_r_first = merge([&e[0], &e[1], &e[2], &r, &e[3]]);
        let seen_e3_first = merge([&e[3], &e[0], &e[2], &e[1], &r]);
        assert_eq!(head_ids(&seen_r_first), [4, 3]);
        assert_eq!(head_ids(&seen_e3_first), [4, 3]);
    }

    #[test]
    fn an_earlier_clock_does_not_lose_to_a_later_one_unless_replaced() {
        // Device clocks disagree: the concurrent edit with the earlier clock still stands.
        let edits = [edit(0, &[], 100), edit(1, &[0], 500), edit(2, &[0], 50)];
        assert_eq!(head_ids(&merge(&edits)), [1, 2]);
    }

    #[test]
    fn equal_clocks_break_the_tie_by_id_the_same_way_everywhere() {
        let (a, b) = (edit(7, &[], 10), edit(9, &[], 10));
        assert_eq!(head_ids(&merge([&a, &b])), [9, 7]);
        assert_eq!(head_ids(&merge([&b, &a])), [9, 7]);
    }

    /// A history of edits to one field, as devices could make it: each edit replaces some of the
    /// heads its author had seen (a prefix of the history).
    fn history() -> impl Strategy<Value = Vec<Edit<u32, String>>> {
        prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, 0u64..50), 1..24).prop_map(
            |steps| {
                let mut edits: Vec<Edit<u32, String>> = Vec::new();
                for (i, (seen, take, wall)) in steps.into_iter().enumerate() {
                    let id = u32::try_from(i).unwrap_or(u32::MAX);
                    let seen_upto = if edits.is_empty() {
                        0
                    } else {
                        seen.index(edits.len() + 1)
                    };
                    let heads: Vec<u32> = head_ids(&merge(&edits[..seen_upto]));
                    let replaces: Vec<u32> = heads.into_iter().take(take).collect();
                    edits.push(edit(id, &replaces, wall));
                }
                edits
            },
        )
    }

    proptest! {
        #[test]
        fn merging_ignores_order_and_repeats(h in history(), shuffle in any::<u64>(), repeat in any::<prop::sample::Index>()) {
            let reference = head_ids(&merge(&h));
            let mut shuffled: Vec<&Edit<u32, String>> = h.iter().collect();
            fastrand::Rng::with_seed(shuffle).shuffle(&mut shuffled);
            shuffled.push(&h[repeat.index(h.len())]);
            prop_assert_eq!(head_ids(&merge(shuffled.iter().copied())), reference);
        }

        #[test]
        fn merging_in_parts_is_merging_the_whole(h in history(), cut in any::<prop::sample::Index>()) {
            // Two replicas each hold part of the history; exchanging everything gives the same
            // field as having had it all along.
            let at = cut.index(h.len() + 1);
            let (left, right) = h.split_at(at);
            let union: Vec<&Edit<u32, String>> = right.iter().chain(left.iter()).collect();
            prop_assert_eq!(head_ids(&merge(union.iter().copied())), head_ids(&merge(&h)));
        }

        #[test]
        fn a_replaced_edit_never_stands_and_an_edit_replacing_every_head_ends_the_conflict(h in history()) {
            let replaced: BTreeSet<u32> = h.iter().flat_map(|e| e.replaces.iter().copied()).collect();
            let m = merge(&h);
            prop_assert!(m.heads.iter().all(|e| !replaced.contains(&e.id)));
            prop_assert!(!m.heads.is_empty(), "a non-empty history always shows a value");
            let all: Vec<u32> = head_ids(&m);
            let resolution = edit(u32::MAX, &all, 0);
            let mut with = h.clone();
            with.push(resolution);
            prop_assert_eq!(head_ids(&merge(&with)), vec![u32::MAX]);
        }
    }
}
