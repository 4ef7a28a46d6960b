//! The scheduling rules, table by table.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Madrid;
use chrono_tz::Tz;

use super::*;
use crate::ids::UserId;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    to_utc(local(s), Madrid)
}

#[test]
fn wall_clock_times_across_daylight_saving_changes() {
    // Madrid: 2026-03-29 02:00 → 03:00 (spring), 2026-10-25 03:00 → 02:00 (autumn).
    let cases = [
        ("2026-03-28 09:00", "2026-03-28T08:00:00Z"), // winter, UTC+1
        ("2026-03-30 09:00", "2026-03-30T07:00:00Z"), // summer, UTC+2
        ("2026-03-29 02:30", "2026-03-29T01:30:00Z"), // skipped: moved by the gap (03:30)
        ("2026-10-25 02:30", "2026-10-25T00:30:00Z"), // repeated: the first of the two
    ];
    for (l, utc) in cases {
        assert_eq!(
            to_utc(local(l), Madrid).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            utc,
            "{l}"
        );
    }
    assert_eq!(
        local_day(d("2026-03-29"), Madrid).duration(),
        Duration::hours(23)
    );
    assert_eq!(
        local_day(d("2026-10-25"), Madrid).duration(),
        Duration::hours(25)
    );
    assert_eq!(
        local_day(d("2026-06-01"), Madrid).duration(),
        Duration::hours(24)
    );
}

#[test]
fn appointment_transitions() {
    use AppointmentStatus::{Booked, Cancelled, CheckedIn, Completed, InProgress};
    use Transition::{Cancel, CheckIn, Complete, Reschedule, Start, UndoCheckIn};
    let (no_show, mark_no_show) = (AppointmentStatus::NoShow, Transition::NoShow);
    let table = [
        (Booked, Reschedule, Some(Booked)),
        (Booked, CheckIn, Some(CheckedIn)),
        (Booked, Start, Some(InProgress)),
        (Booked, Cancel, Some(Cancelled)),
        (Booked, mark_no_show, Some(no_show)),
        (Booked, Complete, None),
        (CheckedIn, Start, Some(InProgress)),
        (CheckedIn, UndoCheckIn, Some(Booked)),
        (CheckedIn, Cancel, Some(Cancelled)),
        (CheckedIn, mark_no_show, None),
        (CheckedIn, Reschedule, None),
        (InProgress, Complete, Some(Completed)),
        (InProgress, Cancel, None),
        (Completed, Cancel, None),
        (Completed, Reschedule, None),
        (Cancelled, Complete, None),
        (Cancelled, CheckIn, None),
        (no_show, CheckIn, None),
    ];
    for (from, t, expected) in table {
        assert_eq!(transition(from, t).ok(), expected, "{from:?} + {t:?}");
    }
    let err = transition(Cancelled, Complete).unwrap_err();
    assert_eq!(
        err.reason,
        "an appointment that is cancelled cannot be completed"
    );
}

fn week() -> WeeklyHours {
    WeeklyHours::parse(
        "mon-fri 09:00-14:00,16:00-19:00; sat 10:00-13:00",
        "mon-fri 11:00-11:30",
    )
    .unwrap()
}

#[test]
fn weekly_hours_parse_and_print() {
    let w = week();
    assert_eq!(
        w.to_string(),
        "mon-fri 09:00-14:00,16:00-19:00; sat 10:00-13:00"
    );
    assert_eq!(w.breaks_text(), "mon-fri 11:00-11:30");
    // Written the way it is read: what is printed parses back to the same week.
    let odd = WeeklyHours::parse(
        "mon,wed 08:00-12:00; tue 16:00-20:00; thu-fri 08:00-12:00; sun 10:00-12:00",
        "",
    )
    .unwrap();
    assert_eq!(
        odd.to_string(),
        "mon 08:00-12:00; tue 16:00-20:00; wed-fri 08:00-12:00; sun 10:00-12:00"
    );
    assert_eq!(
        WeeklyHours::parse(&odd.to_string(), "")
            .unwrap()
            .to_string(),
        odd.to_string()
    );
    assert_eq!(WeeklyHours::default().to_string(), "");
    let field = |h: &str, b: &str| WeeklyHours::parse(h, b).unwrap_err().field;
    assert_eq!(field("mon 09:00", ""), "hours");
    assert_eq!(field("funday 09:00-10:00", ""), "hours");
    assert_eq!(field("mon 10:00-09:00", ""), "hours");
    assert_eq!(field("fri-mon 09:00-10:00", ""), "hours");
    assert_eq!(field("mon 09:00-10:00", "mon 12:00-12:30"), "breaks");
}

fn exception(resource: Option<uuid::Uuid>, date: &str, kind: ExceptionKind) -> ScheduleException {
    ScheduleException {
        id: ExceptionId::new(),
        resource,
        date: d(date),
        kind,
        note: None,
    }
}

#[test]
fn conflicts_table() {
    let ana = UserId::new();
    let bo = UserId::new();
    let room = RoomId::new();
    let now = at("2026-11-23 08:00");
    let monday = d("2026-11-23");
    let existing = Booking {
        id: Some(AppointmentId::new()),
        interval: Interval::new(at("2026-11-23 10:00"), at("2026-11-23 10:20")),
        provider: ana,
        room: Some(room),
    };
    let avail = availability(&week(), &[], monday, Madrid);
    let off = availability(
        &week(),
        &[exception(None, "2026-11-23", ExceptionKind::DayOff)],
        monday,
        Madrid,
    );
    let kinds = |start: &str, mins: i64, who: UserId, r: Option<RoomId>, a: &Availability| {
        let b = Booking {
            id: None,
            interval: Interval::new(at(start), at(start) + Duration::minutes(mins)),
            provider: who,
            room: r,
        };
        conflicts(&b, &[existing], a, None, now)
            .into_iter()
            .map(|c| c.kind)
            .collect::<Vec<_>>()
    };
    use ConflictKind::*;
    // Local start, minutes, provider, room, their hours that day, the conflicts expected.
    type Case<'a> = (
        &'a str,
        i64,
        UserId,
        Option<RoomId>,
        &'a Availability,
        Vec<ConflictKind>,
    );
    let cases: [Case<'_>; 10] = [
        ("2026-11-23 09:00", 20, ana, None, &avail, vec![]),
        (
            "2026-11-23 10:10",
            20,
            ana,
            None,
            &avail,
            vec![ProviderDoubleBooked],
        ),
        ("2026-11-23 10:20", 20, ana, None, &avail, vec![]), // back to back
        (
            "2026-11-23 10:10",
            20,
            bo,
            Some(room),
            &avail,
            vec![RoomDoubleBooked],
        ),
        (
            "2026-11-23 10:10",
            20,
            ana,
            Some(room),
            &avail,
            vec![ProviderDoubleBooked, RoomDoubleBooked],
        ),
        ("2026-11-23 11:15", 20, bo, None, &avail, vec![DuringBreak]),
        ("2026-11-23 13:50", 20, bo, None, &avail, vec![OutsideHours]), // runs past 14:00
        ("2026-11-23 20:00", 20, bo, None, &avail, vec![OutsideHours]),
        ("2026-11-23 09:00", 20, bo, None, &off, vec![DayOff]),
        (
            "2026-11-23 07:00",
            20,
            bo,
            None,
            &avail,
            vec![InPast, OutsideHours],
        ),
    ];
    for (start, mins, who, r, a, expected) in cases {
        assert_eq!(
            kinds(start, mins, who, r, a),
            expected,
            "{start} for {mins} min"
        );
    }
    // Extra hours on a Sunday make it bookable; the existing booking never clashes with itself.
    let sunday = d("2026-11-29");
    let extra = availability(
        &week(),
        &[exception(
            None,
            "2026-11-29",
            ExceptionKind::ExtraHours {
                start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            },
        )],
        sunday,
        Madrid,
    );
    assert_eq!(kinds("2026-11-29 09:30", 20, bo, None, &extra), vec![]);
    assert!(conflicts(&existing, &[existing], &avail, None, now).is_empty());
}

#[test]
fn free_slots_honour_breaks_bookings_and_exceptions() {
    let ana = UserId::new();
    let monday = d("2026-11-23");
    let now = at("2026-11-23 08:00");
    let avail = availability(&week(), &[], monday, Madrid);
    let busy = [Interval::new(
        at("2026-11-23 09:00"),
        at("2026-11-23 09:45"),
    )];
    let q = FreeSlotQuery {
        duration: Duration::minutes(30),
        grid: Duration::minutes(15),
        not_before: now,
        limit: 6,
    };
    let slots: Vec<String> = free_slots(&avail.bookable(), &busy, &q, &|_| true)
        .iter()
        .map(|s| s.start.with_timezone(&Madrid).format("%H:%M").to_string())
        .collect();
    // 09:00-09:45 taken; break 11:00-11:30; then 11:30 onwards.
    assert_eq!(
        slots,
        ["09:45", "10:00", "10:15", "10:30", "11:30", "11:45"]
    );
    // After a booking that ends off the grid, the next slot starts when it ends.
    let odd = [Interval::new(
        at("2026-11-23 09:00"),
        at("2026-11-23 09:35"),
    )];
    let first = free_slots(&avail.bookable(), &odd, &q, &|_| true)[..2]
        .iter()
        .map(|s| s.start.with_timezone(&Madrid).format("%H:%M").to_string())
        .collect::<Vec<_>>();
    assert_eq!(first, ["09:35", "09:50"]);
    // Not before a given time, on the grid.
    let q = FreeSlotQuery {
        not_before: at("2026-11-23 13:20"),
        limit: 3,
        ..q
    };
    let slots: Vec<String> = free_slots(&avail.bookable(), &[], &q, &|_| true)
        .iter()
        .map(|s| s.start.with_timezone(&Madrid).format("%H:%M").to_string())
        .collect();
    assert_eq!(
        slots,
        ["13:30", "16:00", "16:15"],
        "13:30 is the last that fits before 14:00"
    );
    // A day off has none; an extra filter (a room) can veto.
    let off = availability(
        &week(),
        &[exception(
            Some(ana.as_uuid()),
            "2026-11-23",
            ExceptionKind::DayOff,
        )],
        monday,
        Madrid,
    );
    assert!(free_slots(&off.bookable(), &[], &q, &|_| true).is_empty());
    assert!(free_slots(&avail.bookable(), &[], &q, &|_| false).is_empty());
}

fn series(rule: RecurrenceRule, first: &str, through: &str) -> Vec<String> {
    rule.occurrences(local(first), d(through))
        .into_iter()
        .map(|(_, t)| t.format("%Y-%m-%d %H:%M").to_string())
        .collect()
}

#[test]
fn recurrence_across_month_ends_leap_days_and_dst() {
    let rule = |freq: &str, every, count: Option<u32>, until: Option<&str>| {
        RecurrenceRule::parse(freq, every, until.map(d), count).unwrap()
    };
    // Monthly on the 31st: the last day of shorter months, back to the 31st after.
    assert_eq!(
        series(
            rule("monthly", 1, Some(5), None),
            "2027-01-31 10:00",
            "2030-01-01"
        ),
        [
            "2027-01-31 10:00",
            "2027-02-28 10:00",
            "2027-03-31 10:00",
            "2027-04-30 10:00",
            "2027-05-31 10:00"
        ]
    );
    // A leap year's 29 February, monthly and yearly-ish (every 12 months).
    assert_eq!(
        series(
            rule("monthly", 12, Some(3), None),
            "2028-02-29 09:00",
            "2040-01-01"
        ),
        ["2028-02-29 09:00", "2029-02-28 09:00", "2030-02-28 09:00"]
    );
    assert_eq!(
        series(
            rule("daily", 1, None, Some("2028-03-01")),
            "2028-02-27 09:00",
            "2040-01-01"
        ),
        [
            "2028-02-27 09:00",
            "2028-02-28 09:00",
            "2028-02-29 09:00",
            "2028-03-01 09:00"
        ]
    );
    // Every 2 weeks, until a date.
    assert_eq!(
        series(
            rule("weekly", 2, None, Some("2026-12-31")),
            "2026-11-24 16:30",
            "2040-01-01"
        ),
        ["2026-11-24 16:30", "2026-12-08 16:30", "2026-12-22 16:30"]
    );
    // The 2nd Tuesday, and the last Friday, of each month.
    assert_eq!(
        series(
            rule("monthly-weekday", 1, Some(3), None),
            "2026-11-10 09:00",
            "2040-01-01"
        ),
        ["2026-11-10 09:00", "2026-12-08 09:00", "2027-01-12 09:00"]
    );
    assert_eq!(
        series(
            rule("monthly-weekday", 1, Some(3), None),
            "2026-10-30 09:00",
            "2040-01-01"
        ),
        ["2026-10-30 09:00", "2026-11-27 09:00", "2026-12-25 09:00"]
    );
    // A 9:00 weekly appointment stays at 9:00 local across both changes, so its UTC hour moves.
    let weekly = rule("weekly", 1, Some(3), None);
    let utc: Vec<String> = weekly
        .occurrences(local("2026-03-23 09:00"), d("2040-01-01"))
        .into_iter()
        .map(|(_, t)| to_utc(t, Madrid).format("%m-%d %H:%M").to_string())
        .collect();
    assert_eq!(utc, ["03-23 08:00", "03-30 07:00", "04-06 07:00"]);
    let utc: Vec<String> = weekly
        .occurrences(local("2026-10-19 09:00"), d("2040-01-01"))
        .into_iter()
        .map(|(_, t)| to_utc(t, Madrid).format("%m-%d %H:%M").to_string())
        .collect();
    assert_eq!(utc, ["10-19 07:00", "10-26 08:00", "11-02 08:00"]);
    // The horizon cuts a long series; the rest comes when it is extended.
    assert_eq!(
        series(
            rule("daily", 1, Some(100), None),
            "2026-11-24 09:00",
            "2026-11-26"
        )
        .len(),
        3
    );
    // This-and-following keeps the remaining count.
    assert_eq!(
        rule("daily", 1, Some(10), None).remaining_from(4).end,
        RecurrenceEnd::Count(6)
    );
}

#[test]
fn recurrence_rules_refuse_nonsense() {
    let field = |r: Result<RecurrenceRule, crate::ValidationError>| r.unwrap_err().field;
    assert_eq!(
        field(RecurrenceRule::parse("hourly", 1, None, Some(3))),
        "repeat"
    );
    assert_eq!(
        field(RecurrenceRule::parse("daily", 0, None, Some(3))),
        "every"
    );
    assert_eq!(
        field(RecurrenceRule::parse("daily", 1, None, None)),
        "count"
    );
    assert_eq!(
        field(RecurrenceRule::parse(
            "daily",
            1,
            Some(d("2027-01-01")),
            Some(3)
        )),
        "count"
    );
    assert_eq!(
        field(RecurrenceRule::parse("daily", 1, None, Some(501))),
        "count"
    );
    assert_eq!(
        RecurrenceRule::parse("weekly", 2, None, Some(6))
            .unwrap()
            .to_string(),
        "every 2 weeks, 6 times"
    );
}

#[test]
fn waitlist_preferences() {
    let p = Preference::parse("mon,wed 09:00-12:00", Some(d("2026-11-24")), None).unwrap();
    let slot = |s: &str, mins| (local(s), local(s) + Duration::minutes(mins));
    let ok = |(a, b)| matches_preference(&p, a, b);
    assert!(ok(slot("2026-11-25 09:00", 30)), "Wednesday morning");
    assert!(!ok(slot("2026-11-26 09:00", 30)), "Thursday");
    assert!(!ok(slot("2026-11-25 11:45", 30)), "ends after noon");
    assert!(
        !ok(slot("2026-11-23 09:00", 30)),
        "before the earliest date"
    );
    assert!(matches_preference(
        &Preference::default(),
        local("2026-11-26 18:00"),
        local("2026-11-26 18:30")
    ));
    assert_eq!(
        Preference::parse("someday", None, None).unwrap_err().field,
        "prefer"
    );
    let msg = render_reminder(
        "Hello {patient}, {date} at {time} with {provider}.",
        &[
            ("patient", "Ana"),
            ("date", "25/11"),
            ("time", "09:00"),
            ("provider", "Dr. Lee"),
        ],
    );
    assert_eq!(msg, "Hello Ana, 25/11 at 09:00 with Dr. Lee.");
    // A value is never expanded again: a patient named like a placeholder is printed as typed.
    let values = [
        ("patient", "{date} {provider} {{x}"),
        ("date", "25/11"),
        ("provider", "Dr. Lee"),
    ];
    for (template, want) in [
        ("Hi {patient}, {date}", "Hi {date} {provider} {{x}, 25/11"),
        ("{unknown} {patient", "{unknown} {patient"),
        ("{{patient}}", "{{date} {provider} {{x}}"),
        ("", ""),
        ("no placeholders", "no placeholders"),
    ] {
        assert_eq!(render_reminder(template, &values), want, "{template:?}");
    }
    let _: Tz = Madrid;
    let _ = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0);
}
