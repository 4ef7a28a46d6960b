//! The backup schedule and retention, table by table.

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Europe::Madrid;
use chrono_tz::Pacific::Auckland;

use super::*;

/// A local time in Madrid as an instant.
fn at(s: &str) -> DateTime<Utc> {
    to_utc(
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap(),
        Madrid,
    )
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn closing() -> Schedule {
    Schedule::default()
}

fn history(last_good: Option<&str>, failed_since: Option<&str>) -> History {
    History {
        last_good: last_good.map(at),
        failed_since: failed_since.map(at),
    }
}

#[test]
fn the_time_of_day_is_read_as_people_type_it() {
    for (typed, want) in [
        ("17:45", "17:45"),
        (" 7:30 ", "07:30"),
        ("1745", "17:45"),
        ("23:59:00", "23:59"),
        ("00:00", "00:00"),
        ("17.45", "17:45"),
        ("17h45", "17:45"),
        ("7H30", "07:30"),
        ("17h", "17:00"),
    ] {
        assert_eq!(
            Schedule::parse(typed).unwrap().to_string(),
            want,
            "{typed:?}"
        );
    }
    for typed in [
        "",
        "25:00",
        "17:60",
        "5pm",
        "17,45",
        "17:45:00:00",
        "१७:४५",
        "h",
        "half five",
        "17:4",
    ] {
        let e = Schedule::parse(typed).unwrap_err();
        assert_eq!(e.field, "backup_time", "{typed:?}");
    }
    assert_eq!(Schedule::default().to_string(), "17:45");
}

#[test]
fn what_is_due_and_when() {
    use Why::*;
    // (last good, failed since, now, expected)
    let now_due = |why| Some(Due::Now(why));
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        &'a str,
        Option<Due>,
    );
    let cases: &[Case] = &[
        (
            "nothing yet: at once",
            None,
            None,
            "2026-12-03 09:00",
            now_due(NoneYet),
        ),
        (
            "yesterday's done, today's not yet time",
            Some("2026-12-02 17:46"),
            None,
            "2026-12-03 17:00",
            Some(Due::At(at("2026-12-03 17:45"))),
        ),
        (
            "the time has come",
            Some("2026-12-02 17:46"),
            None,
            "2026-12-03 17:45",
            now_due(Scheduled),
        ),
        (
            "the desktop was off at closing: at once next morning",
            Some("2026-12-02 17:46"),
            None,
            "2026-12-04 08:30",
            now_due(Scheduled),
        ),
        (
            "a backup taken by hand after closing counts for today",
            Some("2026-12-03 19:00"),
            None,
            "2026-12-03 20:00",
            Some(Due::At(at("2026-12-04 17:45"))),
        ),
        (
            "a backup taken by hand before closing does not",
            Some("2026-12-03 12:00"),
            None,
            "2026-12-03 18:00",
            now_due(Scheduled),
        ),
        (
            "off for a week: one backup, at once",
            Some("2026-11-26 17:46"),
            None,
            "2026-12-03 08:00",
            now_due(Scheduled),
        ),
        (
            "a failure five minutes ago: wait for the retry",
            Some("2026-12-02 17:46"),
            Some("2026-12-03 17:50"),
            "2026-12-03 17:55",
            Some(Due::At(at("2026-12-03 18:05"))),
        ),
        (
            "a failure a quarter of an hour ago: try again",
            Some("2026-12-02 17:46"),
            Some("2026-12-03 17:50"),
            "2026-12-03 18:05",
            now_due(Retry),
        ),
        (
            "never a good one, and a failure just now: wait",
            None,
            Some("2026-12-03 09:00"),
            "2026-12-03 09:01",
            Some(Due::At(at("2026-12-03 09:15"))),
        ),
        (
            "never a good one, the pause is over",
            None,
            Some("2026-12-03 09:00"),
            "2026-12-03 09:20",
            now_due(NoneYet),
        ),
        (
            "the clock was set back two days: the last backup looks ahead, take one",
            Some("2026-12-05 17:46"),
            None,
            "2026-12-03 10:00",
            now_due(ClockSetBack),
        ),
        (
            "a failure dated ahead of a clock set back does not hold backups off",
            None,
            Some("2026-12-05 09:00"),
            "2026-12-03 10:00",
            now_due(NoneYet),
        ),
        (
            "a few minutes ahead is only clocks disagreeing",
            Some("2026-12-03 17:48"),
            None,
            "2026-12-03 17:46",
            Some(Due::At(at("2026-12-04 17:45"))),
        ),
        (
            "the clock jumped a year ahead: one backup, not 365",
            Some("2026-12-02 17:46"),
            None,
            "2027-12-03 09:00",
            now_due(Scheduled),
        ),
    ];
    for (what, good, failed, now, want) in cases {
        let got = due(closing(), Madrid, history(*good, *failed), at(now));
        assert_eq!(Some(got), *want, "{what}");
    }

    // After the week-off backup is written, the next one is tomorrow's, not another at once.
    let after = history(Some("2026-12-03 08:01"), None);
    assert_eq!(
        due(closing(), Madrid, after, at("2026-12-03 08:02")),
        Due::At(at("2026-12-03 17:45"))
    );
    assert_eq!(
        due(closing(), Madrid, after, at("2026-12-03 08:02")).time(at("2026-12-03 08:02")),
        at("2026-12-03 17:45")
    );
}

#[test]
fn the_scheduled_time_follows_the_clinics_wall_clock_across_daylight_saving() {
    // Madrid: 2026-03-29 02:00 → 03:00; 2026-10-25 03:00 → 02:00.
    let night = Schedule::parse("02:30").unwrap();
    let cases = [
        // (now, previous, next) as UTC
        (
            "2026-03-28T12:00:00Z",
            "2026-03-28T01:30:00Z",
            "2026-03-29T01:30:00Z",
        ), // 02:30 does not exist on the 29th: moved by the gap to 03:30 (01:30Z)
        (
            "2026-03-29T12:00:00Z",
            "2026-03-29T01:30:00Z",
            "2026-03-30T00:30:00Z",
        ), // summer time: 02:30 is 00:30Z
        (
            "2026-10-24T12:00:00Z",
            "2026-10-24T00:30:00Z",
            "2026-10-25T00:30:00Z",
        ), // 02:30 happens twice on the 25th: the first (summer time)
        (
            "2026-10-25T01:00:00Z",
            "2026-10-25T00:30:00Z",
            "2026-10-26T01:30:00Z",
        ), // the second 02:30 does not run again
    ];
    for (now, prev, next) in cases {
        assert_eq!(
            night.previous(Madrid, utc(now)),
            utc(prev),
            "previous at {now}"
        );
        assert_eq!(night.next(Madrid, utc(now)), utc(next), "next at {now}");
    }
    // Closing time is 16:45Z in winter and 15:45Z in summer.
    assert_eq!(
        closing().next(Madrid, utc("2026-01-10T00:00:00Z")),
        utc("2026-01-10T16:45:00Z")
    );
    assert_eq!(
        closing().next(Madrid, utc("2026-07-10T00:00:00Z")),
        utc("2026-07-10T15:45:00Z")
    );
    // A clinic on the other side of the date line: its day, not UTC's.
    assert_eq!(
        closing().next(Auckland, utc("2026-12-03T03:00:00Z")),
        utc("2026-12-03T04:45:00Z") // 17:45 NZDT on the 3rd
    );
}

#[test]
fn quitting_backs_up_after_a_day_and_admins_are_warned_after_26_hours() {
    let now = at("2026-12-03 18:00");
    let cases = [
        (None, true, true),
        (Some("2026-12-03 08:00"), false, false),
        (Some("2026-12-02 18:30"), false, false),
        (Some("2026-12-02 17:30"), true, false),
        (Some("2026-12-02 16:30"), true, false),
        (Some("2026-12-02 15:30"), true, true),
        (Some("2026-11-20 17:45"), true, true),
        // Dated ahead (the clock was set back): quitting takes one, the badge cannot tell.
        (Some("2026-12-05 17:45"), true, false),
    ];
    for (last, on_quit, warn) in cases {
        let last = last.map(at);
        assert_eq!(due_on_quit(last, now), on_quit, "on quit, last {last:?}");
        assert_eq!(overdue(last, now), warn, "overdue, last {last:?}");
    }
}

#[test]
fn retention_counts_are_checked_naming_the_field() {
    assert_eq!(Retention::default(), Retention::new(7, 4, 12).unwrap());
    assert_eq!(Retention::new(0, 4, 12).unwrap_err().field, "keep_daily");
    assert_eq!(
        Retention::new(7, 1001, 12).unwrap_err().field,
        "keep_weekly"
    );
    assert_eq!(
        Retention::new(7, 4, 5000).unwrap_err().field,
        "keep_monthly"
    );
    assert!(Retention::new(1, 0, 0).is_ok());
    // As typed in the form.
    assert_eq!(
        Retention::parse(" 7", "4 ", "12").unwrap(),
        Retention::default()
    );
    for (d, w, m, field) in [
        ("", "4", "12", "keep_daily"),
        ("seven", "4", "12", "keep_daily"),
        ("7", "-1", "12", "keep_weekly"),
        ("7", "4", "1e3", "keep_monthly"),
        ("7", "4", "٧", "keep_monthly"),
        ("7", "4.5", "12", "keep_weekly"),
        ("7", "4", "99999999999", "keep_monthly"),
        ("7", "4", "1001", "keep_monthly"),
        ("0", "4", "12", "keep_daily"),
    ] {
        let e = Retention::parse(d, w, m).unwrap_err();
        assert_eq!(e.field, field, "{d:?} {w:?} {m:?}");
    }
}

fn taken(times: &[&str]) -> Vec<Taken<usize>> {
    times
        .iter()
        .enumerate()
        .map(|(key, t)| Taken { key, at: at(t) })
        .collect()
}

fn kept(retention: Retention, times: &[&str]) -> Vec<String> {
    let all = taken(times);
    let gone = to_remove(retention, Madrid, &all);
    all.iter()
        .filter(|t| !gone.contains(&t.key))
        .map(|t| times[t.key].to_owned())
        .collect()
}

#[test]
fn retention_keeps_the_newest_of_each_day_week_and_month() {
    let r = |d, w, m| Retention::new(d, w, m).unwrap();
    // Nothing, and one backup: nothing to remove.
    assert!(to_remove(Retention::default(), Madrid, &taken(&[])).is_empty());
    assert!(to_remove(r(1, 0, 0), Madrid, &taken(&["2026-12-03 17:45"])).is_empty());

    // Three on one day (two by hand): a daily count of 2 keeps the day's newest and the
    // previous day's.
    assert_eq!(
        kept(
            r(2, 0, 0),
            &[
                "2026-12-01 17:45",
                "2026-12-02 17:45",
                "2026-12-03 09:00",
                "2026-12-03 12:00",
                "2026-12-03 17:45",
            ]
        ),
        ["2026-12-02 17:45", "2026-12-03 17:45"]
    );

    // Days without a backup are not counted: the last 3 days that have one.
    assert_eq!(
        kept(
            r(3, 0, 0),
            &[
                "2026-11-20 17:45",
                "2026-11-23 17:45",
                "2026-11-27 17:45",
                "2026-12-03 17:45",
            ]
        ),
        ["2026-11-23 17:45", "2026-11-27 17:45", "2026-12-03 17:45"]
    );

    // A daily backup for 400 days, kept 7 / 4 / 12.
    let start = NaiveDate::from_ymd_opt(2025, 10, 30).unwrap();
    let times: Vec<String> = (0..400)
        .map(|d| format!("{} 17:45", start + Duration::days(d)))
        .collect();
    let refs: Vec<&str> = times.iter().map(String::as_str).collect();
    let k = kept(Retention::default(), &refs);
    let last = *refs.last().unwrap();
    assert_eq!(last, "2026-12-03 17:45");
    // The last seven days...
    for day in 27..=30 {
        assert!(k.contains(&format!("2026-11-{day} 17:45")), "{day} Nov");
    }
    for day in 1..=3 {
        assert!(k.contains(&format!("2026-12-0{day} 17:45")), "{day} Dec");
    }
    // ...the newest of each of the four weeks (Sundays, ISO weeks end on Sunday)...
    for sunday in ["2026-11-29", "2026-11-22", "2026-11-15"] {
        assert!(k.contains(&format!("{sunday} 17:45")), "{sunday}");
    }
    // ...and of each of twelve months (month ends), back to January 2026.
    for month_end in [
        "2026-11-30",
        "2026-10-31",
        "2026-09-30",
        "2026-08-31",
        "2026-07-31",
        "2026-06-30",
        "2026-05-31",
        "2026-04-30",
        "2026-03-31",
        "2026-02-28",
        "2026-01-31",
    ] {
        assert!(k.contains(&format!("{month_end} 17:45")), "{month_end}");
    }
    assert!(
        !k.contains(&"2025-12-31 17:45".to_owned()),
        "a thirteenth month"
    );
    assert!(!k.contains(&"2026-11-26 17:45".to_owned()), "an eighth day");
    // 7 days, 2 more Sundays (the 29th is one of the days), 10 more month ends (November's
    // and December's newest are among the days).
    assert_eq!(k.len(), 7 + 2 + 10, "{k:?}");
}

#[test]
fn retention_never_removes_the_newest_whatever_order_or_clock() {
    // Out of order, and one dated ahead (the clock was wrong when it was taken): the newest by
    // its date stays, and so does everything the counts keep.
    let times = [
        "2026-12-03 17:45",
        "2027-06-01 10:00",
        "2026-12-01 17:45",
        "2026-12-02 17:45",
    ];
    let k = kept(Retention::new(1, 0, 0).unwrap(), &times);
    assert_eq!(k, ["2027-06-01 10:00"]);
    // Everything removed is older than something kept.
    let all = taken(&times);
    let gone = to_remove(Retention::default(), Madrid, &all);
    let newest_kept = all
        .iter()
        .filter(|t| !gone.contains(&t.key))
        .map(|t| t.at)
        .max()
        .unwrap();
    for key in gone {
        assert!(all[key].at < newest_kept);
    }
}

#[test]
fn days_are_the_clinics_days_not_utcs() {
    // Auckland is UTC+13 in December: 08:00 and 12:00 UTC on the 2nd fall on different local
    // days (the 2nd at 21:00 and the 3rd at 01:00), so a daily count of 2 keeps both.
    let all = vec![
        Taken {
            key: 0,
            at: utc("2026-12-02T08:00:00Z"),
        },
        Taken {
            key: 1,
            at: utc("2026-12-02T12:00:00Z"),
        },
        Taken {
            key: 2,
            at: utc("2026-12-01T07:00:00Z"),
        },
    ];
    assert_eq!(
        to_remove(Retention::new(2, 0, 0).unwrap(), Auckland, &all),
        [2]
    );
    assert_eq!(
        to_remove(Retention::new(2, 0, 0).unwrap(), Madrid, &all),
        [0]
    );
}
