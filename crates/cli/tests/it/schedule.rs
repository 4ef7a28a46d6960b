//! Scripting a clinic's day from the terminal: set-up, booking with conflicts and overrides,
//! the day view as JSON, free slots, series, the check-in queue, the waitlist and reminders.
//! The binary runs on the real clock, so the dates are worked out from today in Madrid.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde_json::Value;

use crate::support::{add_user, as_user, init, run};

/// A Monday at least a week ahead, in the clinic's zone.
fn next_monday() -> NaiveDate {
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Madrid)
        .date_naive();
    let ahead = today + Duration::days(7);
    ahead + Duration::days(i64::from((7 - ahead.weekday().num_days_from_monday()) % 7))
}

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::Madrid)
        .date_naive()
}

struct Day {
    dir: tempfile::TempDir,
    mrns: Vec<String>,
}

impl Day {
    fn rosa(&self, args: &[&str]) -> crate::support::Run {
        run(as_user(self.dir.path(), "rosa").args(args))
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        self.rosa(&all).ok().json()
    }
}

fn set_up() -> Day {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    add_user(dir.path(), "rosa", "receptionist");
    add_user(dir.path(), "drana", "doctor");
    add_user(dir.path(), "drbo", "doctor");
    let d = Day {
        dir,
        mrns: Vec::new(),
    };
    for args in [
        &[
            "schedule",
            "hours",
            "drana",
            "--hours",
            "mon-sun 08:00-20:00",
            "--breaks",
            "mon-sun 13:00-14:00",
        ][..],
        &[
            "schedule",
            "hours",
            "drbo",
            "--hours",
            "mon-fri 09:00-14:00",
        ],
        &[
            "schedule",
            "room",
            "add",
            "Room 1",
            "--hours",
            "mon-fri 08:00-20:00",
        ],
        &["schedule", "type", "add", "Check-up", "--minutes", "20"],
        &[
            "schedule",
            "type",
            "add",
            "Procedure",
            "--minutes",
            "40",
            "--colour",
            "#ef4444",
            "--needs-room",
        ],
    ] {
        d.rosa(args).ok();
    }
    let mrns = [
        ("José", "Müller-Øster", "600 111 222"),
        ("Nguyễn", "Thị Ánh", "600 333 444"),
        ("Zoë", "Ørsted", "600 555 666"),
    ]
    .iter()
    .map(|(given, family, phone)| {
        d.json(&[
            "patient",
            "register",
            "--given",
            given,
            "--family",
            family,
            "--dob",
            "1980-01-01",
            "--phone",
            phone,
            "--new",
        ])["mrn"]
            .as_str()
            .unwrap()
            .to_owned()
    })
    .collect();
    Day { mrns, ..d }
}

fn id(v: &Value) -> String {
    v["appointments"][0]["id"].as_str().unwrap().to_owned()
}

#[test]
fn a_day_is_booked_moved_and_cancelled_from_a_script() {
    let d = set_up();
    let day = next_monday().to_string();
    let at = |hm: &str| format!("{day} {hm}");
    let first = d.json(&[
        "appointment",
        "book",
        &d.mrns[0],
        "--provider",
        "drana",
        "--type",
        "Check-up",
        "--at",
        &at("09:00"),
    ]);
    assert_eq!(first["appointments"][0]["local_start"], at("09:00"));
    assert_eq!(first["appointments"][0]["status"], "booked");

    // A clash is refused with its reasons, as JSON on stderr, and nothing is booked.
    let clash = d.rosa(&[
        "--json",
        "appointment",
        "book",
        &d.mrns[1],
        "--provider",
        "drana",
        "--type",
        "Check-up",
        "--at",
        &at("09:10"),
    ]);
    assert_eq!(clash.code, 1);
    let err: Value = serde_json::from_str(&clash.stderr).unwrap();
    assert_eq!(err["error"]["code"], "conflicts");
    assert_eq!(
        err["error"]["conflicts"][0]["kind"],
        "provider_double_booked"
    );
    assert_eq!(err["error"]["conflicts"][0]["with"], id(&first).as_str());
    let human = d.rosa(&[
        "appointment",
        "book",
        &d.mrns[1],
        "--provider",
        "drana",
        "--type",
        "Check-up",
        "--at",
        &at("13:10"),
    ]);
    assert!(
        human.stderr.contains("break") && human.stderr.contains("--override"),
        "{}",
        human.stderr
    );
    // Booked over on purpose.
    let over = d.json(&[
        "appointment",
        "book",
        &d.mrns[1],
        "--provider",
        "drana",
        "--type",
        "Check-up",
        "--at",
        &at("09:10"),
        "--override",
    ]);
    assert_eq!(
        over["appointments"][0]["overrides"],
        serde_json::json!(["provider_double_booked"])
    );

    // The day view for one clinician.
    let view = d.json(&["schedule", "day", &day, "--provider", "drana"]);
    assert_eq!(view["timezone"], "Europe/Madrid");
    let providers = view["providers"].as_array().unwrap();
    assert_eq!(providers.len(), 1);
    assert_eq!(providers[0]["breaks"], serde_json::json!(["13:00-14:00"]));
    let starts: Vec<&str> = providers[0]["appointments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["local_start"].as_str().unwrap())
        .collect();
    assert_eq!(starts, [at("09:00"), at("09:10")]);

    // Free slots skip both.
    let slots = d.json(&[
        "appointment",
        "free",
        "--type",
        "Check-up",
        "--provider",
        "drana",
        "--from",
        &day,
        "--limit",
        "6",
    ]);
    let free: Vec<&str> = slots
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["local_start"].as_str().unwrap())
        .collect();
    assert_eq!(
        free,
        [
            at("08:00"),
            at("08:20"),
            at("08:40"),
            at("09:30"),
            at("09:50"),
            at("10:10")
        ]
    );

    // Move the second to 10:00 and cancel the first; a reason is required.
    let moved = d.json(&["appointment", "move", &id(&over), "--at", &at("10:00")]);
    assert_eq!(moved["appointments"][0]["local_start"], at("10:00"));
    let no_reason = d.rosa(&["appointment", "cancel", &id(&first)]);
    assert_eq!(no_reason.code, 2, "clap refuses a missing --reason");
    let cancelled = d.json(&[
        "appointment",
        "cancel",
        &id(&first),
        "--reason",
        "patient called",
    ]);
    assert_eq!(cancelled[0]["status"], "cancelled");
    assert_eq!(cancelled[0]["cancel_reason"], "patient called");
    let list = d.json(&["appointment", "list", &d.mrns[0]]);
    assert_eq!(list[0]["status"], "cancelled");

    // A bad date names its field.
    let bad = d.rosa(&["--json", "schedule", "day", "2026-13-01"]);
    assert_eq!(bad.code, 1);
    let err: Value = serde_json::from_str(&bad.stderr).unwrap();
    assert_eq!(err["error"]["field"], "date");
}

#[test]
fn a_weekly_series_moves_from_one_appointment_on() {
    let d = set_up();
    let monday = next_monday();
    let booked = d.json(&[
        "appointment",
        "book",
        &d.mrns[2],
        "--provider",
        "drbo",
        "--type",
        "Procedure",
        "--at",
        &format!("{monday} 09:00"),
        "--repeat",
        "weekly",
        "--count",
        "4",
    ]);
    let appts = booked["appointments"].as_array().unwrap();
    assert_eq!(appts.len(), 4);
    assert!(appts.iter().all(|a| a["room"] == "Room 1"));
    let second = appts[1]["id"].as_str().unwrap().to_owned();
    // From the second on, an hour later on Tuesdays.
    let tuesday = monday + Duration::days(8);
    let moved = d.json(&[
        "appointment",
        "move",
        &second,
        "--at",
        &format!("{tuesday} 10:00"),
        "--scope",
        "following",
    ]);
    assert_eq!(moved["appointments"].as_array().unwrap().len(), 3);
    let list = d.json(&["appointment", "list", &d.mrns[2]]);
    let starts: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["local_start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            format!("{monday} 09:00"),
            format!("{tuesday} 10:00"),
            format!("{} 10:00", tuesday + Duration::days(7)),
            format!("{} 10:00", tuesday + Duration::days(14)),
        ]
    );
    // The week view holds seven days.
    let week = d.json(&["schedule", "week", &monday.to_string()]);
    assert_eq!(week.as_array().unwrap().len(), 7);
    assert_eq!(week[0]["date"], monday.to_string());
}

#[test]
fn the_front_desk_checks_in_offers_freed_slots_and_exports_reminders() {
    let d = set_up();
    // Today's patient, booked at 00:05 on purpose (it is already past), arrives.
    let today = today();
    let now = d.json(&[
        "appointment",
        "book",
        &d.mrns[0],
        "--provider",
        "drana",
        "--type",
        "Check-up",
        "--at",
        &format!("{today} 00:05"),
        "--override",
    ]);
    d.rosa(&["appointment", "checkin", &id(&now)]).ok();
    let queue = d.json(&["queue"]);
    assert_eq!(queue[0]["position"], 1);
    assert_eq!(queue[0]["appointment"]["patient_mrn"], d.mrns[0].as_str());
    assert_eq!(queue[0]["appointment"]["status"], "checked_in");
    let done = d.rosa(&["appointment", "complete", &id(&now)]);
    assert_eq!(done.code, 1, "started before completed");
    d.rosa(&["appointment", "start", &id(&now)]).ok();
    d.rosa(&["appointment", "complete", &id(&now)]).ok();

    // Someone wants an earlier Monday morning; a Monday appointment is cancelled.
    let monday = next_monday();
    let taken = d.json(&[
        "appointment",
        "book",
        &d.mrns[1],
        "--provider",
        "drana",
        "--type",
        "Check-up",
        "--at",
        &format!("{monday} 09:00"),
    ]);
    let waiting = d.json(&[
        "waitlist",
        "add",
        &d.mrns[2],
        "--type",
        "Check-up",
        "--prefer",
        "mon 08:00-12:00",
        "--note",
        "any Monday morning",
    ]);
    let entry = waiting["id"].as_str().unwrap().to_owned();
    d.rosa(&[
        "appointment",
        "cancel",
        &id(&taken),
        "--reason",
        "travelling",
    ])
    .ok();
    let offers = d.json(&["waitlist", "offer", &id(&taken)]);
    assert_eq!(offers[0]["id"], entry.as_str());
    let booked = d.json(&[
        "waitlist",
        "book",
        &entry,
        "--at",
        &format!("{monday} 09:00"),
        "--provider",
        "drana",
    ]);
    assert_eq!(booked["appointments"][0]["patient_mrn"], d.mrns[2].as_str());
    assert!(d.json(&["waitlist", "list"]).as_array().unwrap().is_empty());

    // The reminder list for that Monday, as CSV for the clinic's texting tool.
    let csv = d.dir.path().join("reminders.csv");
    d.rosa(&[
        "reminders",
        &monday.to_string(),
        "--csv",
        csv.to_str().unwrap(),
    ])
    .ok();
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "when,patient,mrn,phone,clinician,type,message");
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].contains("Zoë Ørsted") && lines[1].contains("600 555 666"));
    assert!(lines[1].contains("a reminder of your appointment with drana"));
    // A clinic's own message.
    d.rosa(&[
        "schedule",
        "reminder-template",
        "{clinic}: {patient}, te esperamos el {date} a las {time}.",
    ])
    .ok();
    let reminders = d.json(&["reminders", &monday.to_string()]);
    assert_eq!(
        reminders[0]["message"],
        format!(
            "Clínica Sol: Zoë Ørsted, te esperamos el {} a las 09:00.",
            monday.format("%d/%m/%Y")
        )
    );
}
