//! The schedule through its use cases, on a clinic in Madrid whose clock reads Tuesday
//! 2026-11-24 09:00 local.

use chrono::Duration;
use tend_core::patients::{self, OnDuplicates};
use tend_core::schedule::{self, BookRequest, ExceptionFor, Scope, WaitlistForm};
use tend_core::{Clock, CoreError, Session};
use tend_domain::patients::PatientForm;
use tend_domain::schedule::{AppointmentStatus, ConflictKind, RecurrenceRule};

use crate::support::{Clinic, clinic, person};

struct Desk {
    c: Clinic,
    rosa: Session,
    mrns: Vec<String>,
}

fn desk() -> Desk {
    let c = clinic();
    let rosa = person(&c, "rosa", "receptionist");
    person(&c, "drana", "doctor");
    person(&c, "drbo", "doctor");
    let t = &c.tend;
    schedule::set_hours(
        t,
        &rosa,
        "drana",
        "mon-fri 09:00-14:00,16:00-19:00",
        "mon-fri 11:00-11:30",
    )
    .unwrap();
    schedule::set_hours(t, &rosa, "drbo", "mon-fri 09:00-14:00", "").unwrap();
    schedule::add_room(t, &rosa, "Room 1", "mon-sat 08:00-20:00", "").unwrap();
    schedule::add_appointment_type(t, &rosa, "Check-up", 20, "#3b82f6", false).unwrap();
    schedule::add_appointment_type(t, &rosa, "Procedure", 40, "#ef4444", true).unwrap();
    let mrns = ["Ana", "Bea", "Cai", "Dan"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let form = PatientForm {
                given_name: (*name).into(),
                family_name: "Paciente".into(),
                birth_date: format!("19{}0-01-01", 5 + i),
                phones: vec![format!("600 00{i} 000")],
                ..Default::default()
            };
            patients::register(t, &rosa, &form, OnDuplicates::RegisterAnyway)
                .unwrap()
                .mrn
        })
        .collect();
    Desk { c, rosa, mrns }
}

fn req<'a>(mrn: &'a str, provider: &'a str, at: &'a str) -> BookRequest<'a> {
    BookRequest {
        mrn,
        provider,
        type_name: "Check-up",
        at,
        room: None,
        note: "",
        override_conflicts: false,
        repeat: None,
    }
}

fn kinds(e: CoreError) -> Vec<ConflictKind> {
    match e {
        CoreError::Conflicts(list) => list.into_iter().map(|c| c.kind).collect(),
        other => panic!("expected conflicts, got {other:?}"),
    }
}

#[test]
fn conflicts_refuse_a_booking_unless_overridden_on_purpose() {
    let d = desk();
    let t = &d.c.tend;
    let first = schedule::book(t, &d.rosa, &req(&d.mrns[0], "drana", "2026-11-25 10:00")).unwrap();
    assert_eq!(first.appointments[0].local_start, "2026-11-25 10:00");
    assert_eq!(first.appointments[0].local_end, "2026-11-25 10:20");
    let cases = [
        ("2026-11-25 10:10", vec![ConflictKind::ProviderDoubleBooked]),
        ("2026-11-25 11:10", vec![ConflictKind::DuringBreak]),
        ("2026-11-25 14:50", vec![ConflictKind::OutsideHours]),
        ("2026-11-28 10:00", vec![ConflictKind::OutsideHours]), // a Saturday
        ("2026-11-23 10:00", vec![ConflictKind::InPast]),
    ];
    for (at, expected) in cases {
        let err = schedule::book(t, &d.rosa, &req(&d.mrns[1], "drana", at)).unwrap_err();
        assert_eq!(err.code(), "conflicts");
        assert_eq!(kinds(err), expected, "{at}");
    }
    let err =
        schedule::book(t, &d.rosa, &req(&d.mrns[1], "drana", "2026-11-25 10:10")).unwrap_err();
    assert!(
        err.user_message()
            .contains("2026-11-25 10:10: the clinician already has an appointment then"),
        "{}",
        err.user_message()
    );
    // Back to back is fine; the other doctor is free.
    schedule::book(t, &d.rosa, &req(&d.mrns[1], "drana", "2026-11-25 10:20")).unwrap();
    schedule::book(t, &d.rosa, &req(&d.mrns[2], "drbo", "2026-11-25 10:00")).unwrap();
    // A day off for the clinic.
    schedule::add_exception(
        t,
        &d.rosa,
        ExceptionFor::Clinic,
        "2026-12-08",
        "",
        "Inmaculada",
    )
    .unwrap();
    let err =
        schedule::book(t, &d.rosa, &req(&d.mrns[1], "drana", "2026-12-08 10:00")).unwrap_err();
    assert_eq!(kinds(err), [ConflictKind::DayOff]);
    // Booked over on purpose: the override is on the appointment.
    let over = schedule::book(
        t,
        &d.rosa,
        &BookRequest {
            override_conflicts: true,
            ..req(&d.mrns[3], "drana", "2026-11-25 10:05")
        },
    )
    .unwrap();
    assert_eq!(
        over.appointments[0].overrides,
        [ConflictKind::ProviderDoubleBooked]
    );
    assert_eq!(over.overridden.len(), 2, "one per appointment overlapped");
}

#[test]
fn appointments_move_through_their_states() {
    let d = desk();
    let t = &d.c.tend;
    let a = schedule::book(t, &d.rosa, &req(&d.mrns[0], "drana", "2026-11-24 09:20"))
        .unwrap()
        .appointments[0]
        .id
        .to_string();
    let err = schedule::mark_no_show(t, &d.rosa, &a).unwrap_err();
    assert!(
        err.user_message().contains("has not started yet"),
        "{}",
        err.user_message()
    );
    assert_eq!(
        schedule::check_in(t, &d.rosa, &a).unwrap().status,
        AppointmentStatus::CheckedIn
    );
    assert_eq!(
        schedule::start(t, &d.rosa, &a).unwrap().status,
        AppointmentStatus::InProgress
    );
    let err = schedule::cancel(t, &d.rosa, &a, "changed mind", Scope::One).unwrap_err();
    assert_eq!(
        err.user_message(),
        "status: an appointment that is in progress cannot be cancelled"
    );
    assert_eq!(
        schedule::complete(t, &d.rosa, &a).unwrap().status,
        AppointmentStatus::Completed
    );
    assert!(
        schedule::move_appointment(
            t,
            &d.rosa,
            &a,
            Some("2026-11-26 09:00"),
            None,
            None,
            Scope::One,
            false
        )
        .is_err()
    );

    let b = schedule::book(t, &d.rosa, &req(&d.mrns[1], "drana", "2026-11-24 09:40"))
        .unwrap()
        .appointments[0]
        .id
        .to_string();
    assert!(
        schedule::cancel(t, &d.rosa, &b, " ", Scope::One).is_err(),
        "a reason is required"
    );
    let cancelled = schedule::cancel(t, &d.rosa, &b, "patient called", Scope::One).unwrap();
    assert_eq!(
        cancelled[0].cancel_reason.as_deref(),
        Some("patient called")
    );
    assert!(
        schedule::complete(t, &d.rosa, &b).is_err(),
        "a cancelled appointment cannot be completed"
    );
    // The freed slot can be booked again.
    schedule::book(t, &d.rosa, &req(&d.mrns[2], "drana", "2026-11-24 09:40")).unwrap();
    // Only today's patients check in.
    let tomorrow = schedule::book(t, &d.rosa, &req(&d.mrns[3], "drana", "2026-11-25 09:00"))
        .unwrap()
        .appointments[0]
        .id
        .to_string();
    let err = schedule::check_in(t, &d.rosa, &tomorrow).unwrap_err();
    assert!(
        err.user_message().contains("not today"),
        "{}",
        err.user_message()
    );
}

#[test]
fn a_weekly_series_stays_at_nine_across_daylight_saving() {
    let d = desk();
    let t = &d.c.tend;
    // Madrid changes to summer time on 2027-03-28.
    d.c.clock.advance(Duration::days(110)); // 2027-03-14
    let rule = RecurrenceRule::parse("weekly", 1, None, Some(4)).unwrap();
    let booked = schedule::book(
        t,
        &d.rosa,
        &BookRequest {
            repeat: Some(rule),
            ..req(&d.mrns[0], "drana", "2027-03-22 09:00")
        },
    )
    .unwrap();
    let local: Vec<&str> = booked
        .appointments
        .iter()
        .map(|a| a.local_start.as_str())
        .collect();
    assert_eq!(
        local,
        [
            "2027-03-22 09:00",
            "2027-03-29 09:00",
            "2027-04-05 09:00",
            "2027-04-12 09:00"
        ]
    );
    let utc: Vec<String> = booked
        .appointments
        .iter()
        .map(|a| a.starts_at.format("%H:%M").to_string())
        .collect();
    assert_eq!(utc, ["08:00", "07:00", "07:00", "07:00"]);
    // The 23-hour day lists its appointments in local time.
    schedule::book(
        t,
        &d.rosa,
        &BookRequest {
            override_conflicts: true,
            ..req(&d.mrns[1], "drana", "2027-03-28 10:00")
        },
    )
    .unwrap();
    let day = schedule::day(t, &d.rosa, "2027-03-28", Some("drana")).unwrap();
    assert_eq!(
        day.providers[0].appointments[0].local_start,
        "2027-03-28 10:00"
    );
    assert!(day.providers[0].hours.is_empty(), "a Sunday");
}

#[test]
fn this_and_following_moves_the_rest_and_all_cancels_the_future() {
    let d = desk();
    let t = &d.c.tend;
    let rule = RecurrenceRule::parse("weekly", 1, None, Some(6)).unwrap();
    let booked = schedule::book(
        t,
        &d.rosa,
        &BookRequest {
            repeat: Some(rule),
            ..req(&d.mrns[0], "drana", "2026-11-30 09:00")
        },
    )
    .unwrap();
    let series = booked.series_id.unwrap();
    assert_eq!(booked.appointments.len(), 6);
    let third = booked.appointments[2].id.to_string();
    let moved = schedule::move_appointment(
        t,
        &d.rosa,
        &third,
        Some("2026-12-14 10:30"),
        None,
        None,
        Scope::ThisAndFollowing,
        false,
    )
    .unwrap();
    let local: Vec<&str> = moved
        .appointments
        .iter()
        .map(|a| a.local_start.as_str())
        .collect();
    assert_eq!(
        local,
        [
            "2026-12-14 10:30",
            "2026-12-21 10:30",
            "2026-12-28 10:30",
            "2027-01-04 10:30"
        ]
    );
    let new_series = moved.series_id.unwrap();
    assert_ne!(new_series, series, "the moved part is a series of its own");
    let day = schedule::day(t, &d.rosa, "2026-12-07", Some("drana")).unwrap();
    assert_eq!(
        day.providers[0].appointments[0].local_start, "2026-12-07 09:00",
        "earlier ones stay"
    );
    // One: only this appointment.
    let one = moved.appointments[1].id.to_string();
    schedule::move_appointment(
        t,
        &d.rosa,
        &one,
        Some("2026-12-21 12:00"),
        None,
        None,
        Scope::One,
        false,
    )
    .unwrap();
    let day = schedule::day(t, &d.rosa, "2026-12-28", Some("drana")).unwrap();
    assert_eq!(
        day.providers[0].appointments[0].local_start,
        "2026-12-28 10:30"
    );
    // All of the new series that is still ahead: cancelled; the series makes no more.
    let cancelled = schedule::cancel(t, &d.rosa, &one, "moving away", Scope::All).unwrap();
    assert_eq!(cancelled.len(), 4);
    assert!(
        cancelled
            .iter()
            .all(|a| a.status == AppointmentStatus::Cancelled)
    );
    let day = schedule::day(t, &d.rosa, "2026-11-30", Some("drana")).unwrap();
    assert_eq!(
        day.providers[0].appointments[0].status,
        AppointmentStatus::Booked,
        "the first part is untouched"
    );
}

#[test]
fn series_grow_as_time_passes() {
    let d = desk();
    let t = &d.c.tend;
    let rule = RecurrenceRule::parse(
        "monthly-weekday",
        1,
        Some(tend_domain::patients::parse_date("u", "2028-12-31").unwrap()),
        None,
    )
    .unwrap();
    let booked = schedule::book(
        t,
        &d.rosa,
        &BookRequest {
            repeat: Some(rule),
            override_conflicts: true,
            ..req(&d.mrns[0], "drana", "2026-12-08 09:00")
        },
    )
    .unwrap();
    // Second Tuesdays up to the 180-day horizon: December to May.
    assert_eq!(booked.appointments.len(), 6);
    assert_eq!(booked.appointments[5].local_start, "2027-05-11 09:00");
    // Half a year later: reading the next season's day writes nothing; extending the series
    // through it (what the page asks for before showing a day) makes its rows.
    d.c.clock.advance(Duration::days(200));
    let day = schedule::day(t, &d.rosa, "2027-12-14", Some("drana")).unwrap();
    assert!(
        day.providers[0].appointments.is_empty(),
        "a view only reads"
    );
    assert_eq!(
        schedule::extend_through(t, &d.rosa, "2027-12-14").unwrap(),
        7,
        "June to December 2027"
    );
    let day = schedule::day(t, &d.rosa, "2027-12-14", Some("drana")).unwrap();
    assert_eq!(
        day.providers[0].appointments.len(),
        1,
        "2nd Tuesday of December 2027"
    );
    assert_eq!(
        schedule::extend_series(
            t,
            &d.rosa,
            tend_domain::patients::parse_date("d", "2027-12-31").unwrap()
        )
        .unwrap(),
        0,
        "nothing twice"
    );
}

#[test]
fn free_slots_skip_breaks_bookings_and_days_off() {
    let d = desk();
    let t = &d.c.tend;
    schedule::book(t, &d.rosa, &req(&d.mrns[0], "drana", "2026-11-24 09:20")).unwrap();
    let slots =
        schedule::free_slots(t, &d.rosa, Some("drana"), "Check-up", "2026-11-24", 6).unwrap();
    let times: Vec<&str> = slots.iter().map(|s| s.local_start.as_str()).collect();
    // Now is 09:00; 09:20-09:40 is taken.
    assert_eq!(
        times,
        [
            "2026-11-24 09:00",
            "2026-11-24 09:40",
            "2026-11-24 10:00",
            "2026-11-24 10:20",
            "2026-11-24 10:40",
            "2026-11-24 11:30"
        ]
    );
    // Tomorrow off: the search goes on to Thursday.
    schedule::add_exception(
        t,
        &d.rosa,
        ExceptionFor::Provider("drana"),
        "2026-11-25",
        "",
        "training",
    )
    .unwrap();
    let slots =
        schedule::free_slots(t, &d.rosa, Some("drana"), "Check-up", "2026-11-25", 1).unwrap();
    assert_eq!(slots[0].local_start, "2026-11-26 09:00");
    // Any clinician: the earliest of either.
    let slots = schedule::free_slots(t, &d.rosa, None, "Check-up", "2026-11-25", 2).unwrap();
    assert_eq!(
        (slots[0].provider.as_str(), slots[0].local_start.as_str()),
        ("drbo", "2026-11-25 09:00")
    );
}

fn procedure<'a>(mrn: &'a str, at: &'a str) -> BookRequest<'a> {
    BookRequest {
        type_name: "Procedure",
        ..req(mrn, "drana", at)
    }
}

#[test]
fn rooms_are_found_for_types_that_need_one() {
    let d = desk();
    let t = &d.c.tend;
    let first = schedule::book(t, &d.rosa, &procedure(&d.mrns[0], "2026-11-25 09:00")).unwrap();
    assert_eq!(first.appointments[0].room.as_deref(), Some("Room 1"));
    let err = schedule::book(
        t,
        &d.rosa,
        &BookRequest {
            provider: "drbo",
            ..procedure(&d.mrns[1], "2026-11-25 09:20")
        },
    )
    .unwrap_err();
    assert_eq!(kinds(err), [ConflictKind::NoRoomFree]);
}

#[test]
fn the_queue_shows_who_arrived_in_order_and_how_long_they_wait() {
    let d = desk();
    let t = &d.c.tend;
    let a = schedule::book(t, &d.rosa, &req(&d.mrns[0], "drana", "2026-11-24 09:20"))
        .unwrap()
        .appointments[0]
        .id
        .to_string();
    let b = schedule::book(t, &d.rosa, &req(&d.mrns[1], "drbo", "2026-11-24 09:20"))
        .unwrap()
        .appointments[0]
        .id
        .to_string();
    schedule::check_in(t, &d.rosa, &b).unwrap();
    d.c.clock.advance(Duration::minutes(10));
    schedule::check_in(t, &d.rosa, &a).unwrap();
    d.c.clock.advance(Duration::minutes(15));
    let q = schedule::queue(t, &d.rosa, None).unwrap();
    let order: Vec<(&str, i64)> = q
        .iter()
        .map(|e| (e.appointment.provider.as_str(), e.waiting_minutes))
        .collect();
    assert_eq!(order, [("drbo", 25), ("drana", 15)]);
    schedule::start(t, &d.rosa, &b).unwrap();
    d.c.clock.advance(Duration::minutes(30));
    let q = schedule::queue(t, &d.rosa, None).unwrap();
    assert_eq!(
        q[0].waiting_minutes, 25,
        "waiting stops when they are taken in"
    );
}

#[test]
fn a_freed_slot_is_offered_to_the_waitlist() {
    let d = desk();
    let t = &d.c.tend;
    let taken = schedule::book(t, &d.rosa, &req(&d.mrns[0], "drana", "2026-11-25 10:00"))
        .unwrap()
        .appointments[0]
        .id
        .to_string();
    let form = |mrn, prefer| WaitlistForm {
        mrn,
        provider: None,
        type_name: "Check-up",
        prefer,
        ..Default::default()
    };
    schedule::waitlist_add(t, &d.rosa, &form(&d.mrns[1], "tue,wed 09:00-12:00")).unwrap();
    schedule::waitlist_add(t, &d.rosa, &form(&d.mrns[2], "fri")).unwrap();
    schedule::waitlist_add(
        t,
        &d.rosa,
        &WaitlistForm {
            provider: Some("drbo"),
            ..form(&d.mrns[3], "")
        },
    )
    .unwrap();
    schedule::cancel(t, &d.rosa, &taken, "patient is away", Scope::One).unwrap();
    let offers = schedule::waitlist_candidates(t, &d.rosa, &taken).unwrap();
    let who: Vec<&str> = offers.iter().map(|o| o.patient_mrn.as_str()).collect();
    assert_eq!(
        who,
        [d.mrns[1].as_str()],
        "Wednesday morning suits only Bea; Dan waits for drbo"
    );
    let booked = schedule::waitlist_book(
        t,
        &d.rosa,
        &offers[0].id.to_string(),
        "2026-11-25 10:00",
        Some("drana"),
        false,
    )
    .unwrap();
    assert_eq!(booked.appointments[0].patient_mrn, d.mrns[1]);
    assert_eq!(schedule::waitlist(t, &d.rosa).unwrap().len(), 2);
    let err = schedule::waitlist_book(
        t,
        &d.rosa,
        &offers[0].id.to_string(),
        "2026-11-25 11:40",
        Some("drana"),
        false,
    )
    .unwrap_err();
    assert!(err.user_message().contains("no longer waiting"));
}

#[test]
fn tomorrows_reminders_list_phones_and_messages_as_csv() {
    let d = desk();
    let t = &d.c.tend;
    schedule::book(t, &d.rosa, &req(&d.mrns[0], "drana", "2026-11-25 09:00")).unwrap();
    let gone = schedule::book(t, &d.rosa, &req(&d.mrns[1], "drana", "2026-11-25 09:20"))
        .unwrap()
        .appointments[0]
        .id
        .to_string();
    schedule::cancel(t, &d.rosa, &gone, "called", Scope::One).unwrap();
    schedule::set_reminder_template(t, &d.rosa, "Hola {patient}: {date} {time} con {provider}.")
        .unwrap();
    let list = schedule::reminders(t, &d.rosa, None).unwrap();
    assert_eq!(list.len(), 1, "cancelled ones are not reminded");
    assert_eq!(
        list[0].message,
        "Hola Ana Paciente: 25/11/2026 09:00 con drana."
    );
    assert_eq!(list[0].phone.as_deref(), Some("600 000 000"));
    let csv = schedule::reminders_csv(t, &d.rosa, Some("2026-11-25")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "when,patient,mrn,phone,clinician,type,message");
    assert!(
        lines[1].starts_with("2026-11-25 09:00,Ana Paciente,"),
        "{}",
        lines[1]
    );
    assert_eq!(lines.len(), 2);
}

#[test]
fn hostile_patient_names_never_run_in_a_spreadsheet_nor_expand_in_a_reminder() {
    let d = desk();
    let t = &d.c.tend;
    let hostile = [
        ("=HYPERLINK(\"http://evil.example\",\"Pay\")", "{clinic}"),
        ("+cmd|' /C calc'!A0", "{date} {time}"),
        ("@SUM(1+1)", "-2+3"),
    ];
    for (i, (given, family)) in hostile.iter().enumerate() {
        let mrn = patients::register(
            t,
            &d.rosa,
            &PatientForm {
                given_name: (*given).into(),
                family_name: (*family).into(),
                birth_date: "1980-01-01".into(),
                phones: vec![format!("+34 600 10{i} 000")],
                ..Default::default()
            },
            OnDuplicates::RegisterAnyway,
        )
        .unwrap()
        .mrn;
        let at = format!("2026-11-25 09:{}0", 2 * i);
        schedule::book(t, &d.rosa, &req(&mrn, "drana", &at)).unwrap();
    }
    schedule::set_reminder_template(t, &d.rosa, "{patient}: {date} {time}").unwrap();
    let list = schedule::reminders(t, &d.rosa, Some("2026-11-25")).unwrap();
    // Filled in one pass: a placeholder in a name is printed as typed.
    assert!(
        list.iter()
            .any(|r| r.message == "+cmd|' /C calc'!A0 {date} {time}: 25/11/2026 09:20"),
        "{list:?}"
    );
    assert!(
        list.iter().any(|r| r.message.contains("{clinic}")),
        "{list:?}"
    );
    let csv = schedule::reminders_csv(t, &d.rosa, Some("2026-11-25")).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        rows += 1;
        for (i, cell) in record.iter().enumerate() {
            // The phone column keeps its + (a number cannot run anything).
            if i == 3 {
                assert!(cell.starts_with("+34 600 10"), "{cell:?}");
                continue;
            }
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell a spreadsheet would run: {cell:?}"
            );
        }
    }
    assert_eq!(rows, 3);
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(csv.contains("'+cmd|"), "{csv}");
    assert!(csv.contains("'@SUM(1+1)"), "{csv}");
}

#[test]
fn setup_refuses_bad_input_by_field() {
    let d = desk();
    let t = &d.c.tend;
    let field = |e: CoreError| e.field();
    assert_eq!(
        field(schedule::set_hours(t, &d.rosa, "drana", "mon-fri 9-5", "").unwrap_err()),
        Some("hours")
    );
    assert_eq!(
        field(schedule::set_hours(t, &d.rosa, "rosa", "mon 09:00-10:00", "").unwrap_err()),
        Some("provider")
    );
    assert_eq!(
        field(
            schedule::add_appointment_type(t, &d.rosa, "Long", 600, "#000000", false).unwrap_err()
        ),
        Some("minutes")
    );
    assert_eq!(
        field(schedule::add_appointment_type(t, &d.rosa, "Blue", 20, "blue", false).unwrap_err()),
        Some("colour")
    );
    assert_eq!(
        field(
            schedule::add_appointment_type(t, &d.rosa, "check-up", 20, "#000000", false)
                .unwrap_err()
        ),
        Some("name")
    );
    assert_eq!(
        field(
            schedule::add_exception(
                t,
                &d.rosa,
                ExceptionFor::Provider("drana"),
                "2026-13-01",
                "",
                ""
            )
            .unwrap_err()
        ),
        Some("date")
    );
    assert_eq!(
        field(schedule::book(t, &d.rosa, &req(&d.mrns[0], "drana", "tomorrow")).unwrap_err()),
        Some("at")
    );
    assert_eq!(
        field(
            schedule::book(
                t,
                &d.rosa,
                &BookRequest {
                    type_name: "Massage",
                    ..req(&d.mrns[0], "drana", "2026-11-25 09:00")
                }
            )
            .unwrap_err()
        ),
        Some("type")
    );
    let now = d.c.clock.now();
    assert!(now.to_rfc3339().starts_with("2026-11-24T08:00"));
}

#[test]
fn setup_is_listed_and_edited() {
    let d = desk();
    let t = &d.c.tend;
    let hours = schedule::provider_hours(t, &d.rosa).unwrap();
    let ana = hours.iter().find(|h| h.username == "drana").unwrap();
    assert_eq!(ana.hours, "mon-fri 09:00-14:00,16:00-19:00");
    assert_eq!(ana.breaks, "mon-fri 11:00-11:30");
    // Rooms: new hours, then out of use.
    let room = schedule::set_room_hours(t, &d.rosa, "room 1", "mon-fri 08:00-15:00", "").unwrap();
    assert_eq!(room.hours, "mon-fri 08:00-15:00");
    let err = schedule::book(t, &d.rosa, &procedure(&d.mrns[0], "2026-11-25 16:00")).unwrap_err();
    assert_eq!(kinds(err), [ConflictKind::NoRoomFree]);
    schedule::archive_room(t, &d.rosa, "Room 1").unwrap();
    assert!(schedule::rooms(t, &d.rosa).unwrap().is_empty());
    // Types: a longer check-up from now on; the booked one keeps its length.
    let before = schedule::book(t, &d.rosa, &req(&d.mrns[0], "drana", "2026-11-25 09:00"))
        .unwrap()
        .appointments
        .remove(0);
    let edited = schedule::edit_appointment_type(
        t,
        &d.rosa,
        "Check-up",
        &schedule::TypeEdit {
            minutes: Some(30),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((edited.minutes, edited.colour.as_str()), (30, "#3b82f6"));
    let after = schedule::book(t, &d.rosa, &req(&d.mrns[1], "drana", "2026-11-25 10:00"))
        .unwrap()
        .appointments
        .remove(0);
    assert_eq!(before.local_end, "2026-11-25 09:20");
    assert_eq!(after.local_end, "2026-11-25 10:30");
    schedule::archive_appointment_type(t, &d.rosa, "Procedure").unwrap();
    let types: Vec<String> = schedule::appointment_types(t, &d.rosa)
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(types, ["Check-up"]);
    // Exceptions are listed with whom they concern, and removed.
    schedule::add_exception(
        t,
        &d.rosa,
        ExceptionFor::Provider("drbo"),
        "2026-12-02",
        "16:00-18:00",
        "late clinic",
    )
    .unwrap();
    let holiday =
        schedule::add_exception(t, &d.rosa, ExceptionFor::Clinic, "2026-12-08", "", "").unwrap();
    let list = schedule::exceptions(t, &d.rosa, "2026-12-01", "2026-12-31").unwrap();
    let seen: Vec<(&str, Option<&str>)> = list
        .iter()
        .map(|e| (e.applies_to.as_str(), e.extra_hours.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [("drbo", Some("16:00-18:00")), ("whole clinic", None)]
    );
    schedule::remove_exception(t, &d.rosa, &holiday.to_string()).unwrap();
    assert_eq!(
        schedule::exceptions(t, &d.rosa, "2026-12-01", "2026-12-31")
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        schedule::exceptions(t, &d.rosa, "2026-12-01", "2028-12-31")
            .unwrap_err()
            .field(),
        Some("to")
    );
    // A patient's appointments, upcoming.
    let mine = schedule::appointments_of(t, &d.rosa, &d.mrns[0], false).unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].local_start, "2026-11-25 09:00");
}
