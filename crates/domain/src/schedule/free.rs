//! The next free slots: where an appointment of a given length fits in the bookable hours,
//! clear of existing bookings. Slots step by a grid from the start of the hours; after a booking
//! the next one starts when the booking ends (rounded up to five minutes), so no gap is wasted.

use chrono::{DateTime, Duration, Utc};

use super::Interval;

#[derive(Debug, Clone, Copy)]
pub struct FreeSlotQuery {
    pub duration: Duration,
    /// Slots start this far apart, counted from the start of each bookable span or the end of
    /// the booking before them.
    pub grid: Duration,
    pub not_before: DateTime<Utc>,
    pub limit: usize,
}

/// Rounds `t` up to the grid anchored at `anchor`.
fn align(t: DateTime<Utc>, anchor: DateTime<Utc>, grid: Duration) -> DateTime<Utc> {
    if t <= anchor {
        return anchor;
    }
    let step = grid.num_seconds().max(60);
    let offset = (t - anchor).num_seconds();
    let steps = (offset + step - 1) / step;
    anchor + Duration::seconds(steps * step)
}

/// Free slots in `bookable` (sorted spans) clear of `busy` (any order), accepted by `also`
/// (a room free as well, say), earliest first, at most `q.limit`.
pub fn free_slots(
    bookable: &[Interval],
    busy: &[Interval],
    q: &FreeSlotQuery,
    also: &dyn Fn(&Interval) -> bool,
) -> Vec<Interval> {
    let mut busy: Vec<Interval> = busy.to_vec();
    busy.sort();
    let mut out = Vec::new();
    if q.duration <= Duration::zero() || q.limit == 0 {
        return out;
    }
    for span in bookable {
        let mut t = align(q.not_before.max(span.start), span.start, q.grid);
        while t + q.duration <= span.end {
            let slot = Interval::new(t, t + q.duration);
            match busy.iter().find(|b| b.overlaps(&slot)) {
                Some(b) => t = align(b.end, span.start, Duration::minutes(5)),
                None => {
                    if also(&slot) {
                        out.push(slot);
                        if out.len() >= q.limit {
                            return out;
                        }
                    }
                    t += q.grid.max(Duration::minutes(1));
                }
            }
        }
    }
    out
}
