//! Free slots: the next times a clinician (and a room) can see someone for an appointment type.

use std::collections::{HashMap, HashSet};

use chrono::Duration;
use tend_domain::schedule::{ConflictKind, FreeSlotQuery, Interval, RoomId, local_day};
use tend_domain::{Action, UserId};

use super::booking::check;
use super::{Lookup, availability_on};
use crate::api::SlotDto;
use crate::{Result, Session, Tend};

/// How many days ahead free-slot search looks.
const SEARCH_DAYS: i64 = 60;

/// The next free slots for an appointment type, with one clinician or any, from a day on.
pub fn free_slots(
    tend: &Tend,
    session: &Session,
    provider: Option<&str>,
    type_name: &str,
    from: &str,
    limit: usize,
) -> Result<Vec<SlotDto>> {
    tend.authorize(session, Action::ScheduleView)?;
    let tz = tend.clinic_context()?.timezone;
    let now = tend.now();
    let from = super::parse_day("from", from)?;
    let limit = limit.clamp(1, 50);
    tend.store().read(|r| {
        let look = Lookup::load(r, tz)?;
        let kind = look.appointment_type(type_name)?.clone();
        let providers: Vec<UserId> = match provider {
            Some(p) => vec![look.provider(p)?.id],
            None => look.providers().iter().map(|u| u.id).collect(),
        };
        let weeks: HashMap<UserId, Option<tend_domain::schedule::WeeklyHours>> = providers
            .iter()
            .map(|p| Ok((*p, r.provider_hours(*p)?)))
            .collect::<Result<_>>()?;
        let exceptions = r.exceptions_between(from, from + Duration::days(SEARCH_DAYS))?;
        let only = match provider {
            Some(_) => providers.first().copied(),
            None => None,
        };
        let mut out: Vec<SlotDto> = Vec::new();
        for offset in 0..SEARCH_DAYS {
            let date = from + Duration::days(offset);
            let day = local_day(date, tz);
            if day.end <= now {
                continue;
            }
            // One read a day for everyone searched; only the intervals are read.
            let mut busy_by: HashMap<UserId, Vec<Interval>> = HashMap::new();
            for (who, iv) in r.busy_intervals(only, day.start, day.end)? {
                busy_by.entry(who).or_default().push(iv);
            }
            let mut today = Vec::new();
            for p in &providers {
                let avail = availability_on(
                    weeks.get(p).and_then(Option::as_ref),
                    p.as_uuid(),
                    &exceptions,
                    date,
                    tz,
                );
                let bookable = avail.bookable();
                if bookable.is_empty() {
                    continue;
                }
                let busy = busy_by.remove(p).unwrap_or_default();
                let q = FreeSlotQuery {
                    duration: Duration::minutes(i64::from(kind.minutes)),
                    // Back to back: a 20-minute check-up is offered at :00, :20, :40.
                    grid: Duration::minutes(i64::from(kind.minutes.clamp(5, 30))),
                    not_before: now.max(day.start),
                    limit,
                };
                let room_for = |iv: &Interval| -> Option<Option<RoomId>> {
                    if !kind.needs_room {
                        return Some(None);
                    }
                    check(r, &look, *p, None, true, *iv, &HashSet::new(), now)
                        .ok()
                        .and_then(|(room, c)| {
                            c.iter()
                                .all(|k| k.kind != ConflictKind::NoRoomFree)
                                .then_some(room)
                        })
                };
                for slot in tend_domain::schedule::free_slots(&bookable, &busy, &q, &|iv| {
                    room_for(iv).is_some()
                }) {
                    let room = room_for(&slot).flatten();
                    today.push(SlotDto {
                        provider_id: p.as_uuid(),
                        provider: look.name_of(*p),
                        room: room
                            .and_then(|id| look.rooms.get(&id))
                            .map(|x| x.name.clone()),
                        starts_at: slot.start,
                        ends_at: slot.end,
                        local_start: look.local(slot.start),
                    });
                }
            }
            today.sort_by(|a, b| (a.starts_at, &a.provider).cmp(&(b.starts_at, &b.provider)));
            out.extend(today);
            if out.len() >= limit {
                break;
            }
        }
        out.truncate(limit);
        Ok(out)
    })
}
