//! Does this booking clash with anything? Double-booked provider or room, outside working hours,
//! during a break, on a day off, or in the past. A conflict refuses the booking unless the
//! person books over it on purpose, and then the override is recorded.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AppointmentId, Availability, Interval, RoomId};
use crate::ids::UserId;

/// A booking, proposed or existing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Booking {
    /// `None` for a new booking; an existing one is never in conflict with itself.
    pub id: Option<AppointmentId>,
    pub interval: Interval,
    pub provider: UserId,
    pub room: Option<RoomId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    ProviderDoubleBooked,
    RoomDoubleBooked,
    OutsideHours,
    DuringBreak,
    DayOff,
    RoomClosed,
    /// The type needs a room and none is free then.
    NoRoomFree,
    InPast,
}

impl ConflictKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ConflictKind::ProviderDoubleBooked => "provider_double_booked",
            ConflictKind::RoomDoubleBooked => "room_double_booked",
            ConflictKind::OutsideHours => "outside_hours",
            ConflictKind::DuringBreak => "during_break",
            ConflictKind::DayOff => "day_off",
            ConflictKind::RoomClosed => "room_closed",
            ConflictKind::NoRoomFree => "no_room_free",
            ConflictKind::InPast => "in_past",
        }
    }

    pub const fn describe(self) -> &'static str {
        match self {
            ConflictKind::ProviderDoubleBooked => "the clinician already has an appointment then",
            ConflictKind::RoomDoubleBooked => "the room is already booked then",
            ConflictKind::OutsideHours => "it is outside the clinician's working hours",
            ConflictKind::DuringBreak => "it falls in the clinician's break",
            ConflictKind::DayOff => "the clinician is off that day",
            ConflictKind::RoomClosed => "the room is not available then",
            ConflictKind::NoRoomFree => "no room is free then",
            ConflictKind::InPast => "it is in the past",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub kind: ConflictKind,
    /// The appointment clashed with, for double bookings.
    pub with: Option<AppointmentId>,
}

/// Every conflict of `candidate` with `others` (the occupying bookings around it), the
/// provider's and the room's availability that day, and `now`.
pub fn conflicts(
    candidate: &Booking,
    others: &[Booking],
    provider: &Availability,
    room: Option<&Availability>,
    now: DateTime<Utc>,
) -> Vec<Conflict> {
    let mut found = Vec::new();
    let iv = candidate.interval;
    if iv.start < now {
        found.push(Conflict {
            kind: ConflictKind::InPast,
            with: None,
        });
    }
    for o in others
        .iter()
        .filter(|o| o.id.is_none() || o.id != candidate.id)
    {
        if !o.interval.overlaps(&iv) {
            continue;
        }
        if o.provider == candidate.provider {
            found.push(Conflict {
                kind: ConflictKind::ProviderDoubleBooked,
                with: o.id,
            });
        }
        if candidate.room.is_some() && o.room == candidate.room {
            found.push(Conflict {
                kind: ConflictKind::RoomDoubleBooked,
                with: o.id,
            });
        }
    }
    if !provider.open.iter().any(|o| o.contains(&iv)) {
        let kind = if provider.day_off {
            ConflictKind::DayOff
        } else {
            ConflictKind::OutsideHours
        };
        found.push(Conflict { kind, with: None });
    } else if provider.breaks.iter().any(|b| b.overlaps(&iv)) {
        found.push(Conflict {
            kind: ConflictKind::DuringBreak,
            with: None,
        });
    }
    if let Some(room) = room
        && !room.bookable().iter().any(|o| o.contains(&iv))
    {
        found.push(Conflict {
            kind: ConflictKind::RoomClosed,
            with: None,
        });
    }
    found
}
