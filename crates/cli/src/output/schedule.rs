//! How the schedule prints: one line per appointment, times local to the clinic, JSON with
//! `--json`.
#![allow(clippy::print_stdout)]

use chrono::NaiveDate;
use tend_core::api::{
    AppointmentDto, AppointmentTypeDto, BookedDto, DayDto, ExceptionDto, ProviderHoursDto,
    QueueEntryDto, ReminderDto, RoomDto, SlotDto, WaitlistDto,
};
use tend_domain::schedule::AppointmentStatus;
use uuid::Uuid;

use crate::output::Output;

fn status(s: AppointmentStatus) -> &'static str {
    match s {
        AppointmentStatus::Booked => "booked",
        AppointmentStatus::CheckedIn => "arrived",
        AppointmentStatus::InProgress => "with clinician",
        AppointmentStatus::Completed => "done",
        AppointmentStatus::Cancelled => "CANCELLED",
        AppointmentStatus::NoShow => "NO-SHOW",
    }
}

/// The date of a local `2026-11-25 09:00`.
fn date_of(local: &str) -> &str {
    local.get(..10).unwrap_or(local)
}

/// The time of a local `2026-11-25 09:00`.
fn time_of(local: &str) -> &str {
    local.get(11..16).unwrap_or(local)
}

/// `09:00-09:20`: the local times of an appointment.
fn times(a: &AppointmentDto) -> String {
    format!("{}-{}", time_of(&a.local_start), time_of(&a.local_end))
}

fn line(a: &AppointmentDto) -> String {
    let mut extra = Vec::new();
    if let Some(r) = &a.room {
        extra.push(r.clone());
    }
    if a.series_id.is_some() {
        extra.push("series".into());
    }
    if !a.overrides.is_empty() {
        extra.push("booked over a conflict".into());
    }
    if let Some(r) = &a.cancel_reason {
        extra.push(format!("reason: {r}"));
    }
    if let Some(n) = &a.note {
        extra.push(n.clone());
    }
    format!(
        "{}  {:14}  {:10}  {:28}  {:14}  {}{}",
        times(a),
        a.type_name,
        a.patient_mrn,
        a.patient_name,
        status(a.status),
        a.id,
        if extra.is_empty() {
            String::new()
        } else {
            format!("  ({})", extra.join("; "))
        }
    )
}

fn heading(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

fn print_day(d: &DayDto) {
    println!("{} ({})", heading(d.date), d.timezone);
    if d.providers.is_empty() {
        println!("  No clinicians to show.");
    }
    for p in &d.providers {
        let hours = if p.day_off {
            "day off".to_owned()
        } else if p.hours.is_empty() {
            "not working".to_owned()
        } else if p.breaks.is_empty() {
            p.hours.join(", ")
        } else {
            format!("{}; break {}", p.hours.join(", "), p.breaks.join(", "))
        };
        println!("  {} — {hours}", p.provider);
        if p.appointments.is_empty() {
            println!("    no appointments");
        }
        for a in &p.appointments {
            println!("    {}", line(a));
        }
    }
}

pub fn day(out: &Output, d: &DayDto) {
    if out.is_json() {
        return out.json(d);
    }
    print_day(d);
}

pub fn week(out: &Output, days: &[DayDto]) {
    if out.is_json() {
        return out.json(&days);
    }
    for (i, d) in days.iter().enumerate() {
        if i > 0 {
            println!();
        }
        print_day(d);
    }
}

pub fn hours(out: &Output, list: &[ProviderHoursDto]) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("No clinicians (users with the doctor or nurse role).");
    }
    for h in list {
        let hours = if h.hours.is_empty() {
            "no hours set: cannot be booked".to_owned()
        } else if h.breaks.is_empty() {
            h.hours.clone()
        } else {
            format!("{}; breaks {}", h.hours, h.breaks)
        };
        println!("{:16}  {:24}  {hours}", h.username, h.provider);
    }
}

pub fn exception_added(out: &Output, id: Uuid, what: &str) {
    if out.is_json() {
        return out.json(&serde_json::json!({ "id": id }));
    }
    println!("{what} ({id}).");
}

pub fn exceptions(out: &Output, list: &[ExceptionDto]) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("No days off or extra hours.");
    }
    for e in list {
        println!(
            "{}  {:24}  {:22}  {:30}  {}",
            e.date,
            e.applies_to,
            e.extra_hours
                .as_deref()
                .map_or_else(|| "day off".to_owned(), |h| format!("extra hours {h}")),
            e.note.as_deref().unwrap_or(""),
            e.id
        );
    }
}

pub fn rooms(out: &Output, list: &[RoomDto]) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("No rooms.");
    }
    for r in list {
        println!("{:16}  {}", r.name, room_hours(r));
    }
}

fn room_hours(r: &RoomDto) -> String {
    if r.breaks.is_empty() {
        r.hours.clone()
    } else {
        format!("{}; breaks {}", r.hours, r.breaks)
    }
}

pub fn room(out: &Output, r: &RoomDto, verb: &str) {
    if out.is_json() {
        return out.json(r);
    }
    println!("{verb} {}: {}", r.name, room_hours(r));
}

pub fn types(out: &Output, list: &[AppointmentTypeDto]) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("No appointment types.");
    }
    for t in list {
        println!(
            "{:20}  {:>3} min  {}{}",
            t.name,
            t.minutes,
            t.colour,
            if t.needs_room { "  needs a room" } else { "" }
        );
    }
}

pub fn appointment_type(out: &Output, t: &AppointmentTypeDto, verb: &str) {
    if out.is_json() {
        return out.json(t);
    }
    println!(
        "{verb} {}: {} minutes, {}{}.",
        t.name,
        t.minutes,
        t.colour,
        if t.needs_room { ", needs a room" } else { "" }
    );
}

pub fn booked(out: &Output, b: &BookedDto, verb: &str) {
    if out.is_json() {
        return out.json(b);
    }
    match b.appointments.as_slice() {
        [one] => println!(
            "{verb}: {} {} with {}.",
            one.patient_name, one.local_start, one.provider
        ),
        many => println!("{verb}: {} appointments.", many.len()),
    }
    for a in &b.appointments {
        println!("  {}  {}", date_of(&a.local_start), line(a));
    }
    for c in &b.overridden {
        match c.with {
            Some(with) => println!("  booked over: {}: {} ({with})", c.at, c.message),
            None => println!("  booked over: {}: {}", c.at, c.message),
        }
    }
}

pub fn appointment(out: &Output, a: &AppointmentDto, verb: &str) {
    if out.is_json() {
        return out.json(a);
    }
    println!(
        "{verb} {} ({}), {} with {}.",
        a.patient_name, a.patient_mrn, a.local_start, a.provider
    );
}

pub fn appointments(out: &Output, list: &[AppointmentDto], verb: &str) {
    if out.is_json() {
        return out.json(&list);
    }
    if !verb.is_empty() {
        println!("{verb}: {}.", plural(list.len(), "appointment"));
    } else if list.is_empty() {
        println!("No appointments.");
    }
    for a in list {
        println!("  {}  {}  {}", date_of(&a.local_start), a.provider, line(a));
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

pub fn slots(out: &Output, list: &[SlotDto]) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("No free slots in the next 60 days.");
    }
    for s in list {
        let line = format!(
            "{}  {:>3} min  {:24}  {}",
            s.local_start,
            (s.ends_at - s.starts_at).num_minutes(),
            s.provider,
            s.room.as_deref().unwrap_or("")
        );
        println!("{}", line.trim_end());
    }
}

pub fn queue(out: &Output, list: &[QueueEntryDto]) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("Nobody has checked in.");
        return;
    }
    println!(" #  booked  waiting  patient                       clinician");
    for q in list {
        let a = &q.appointment;
        let punctual = match q.late_minutes {
            m if m > 0 => format!(", arrived {m} min late"),
            m if m < 0 => format!(", arrived {} min early", -m),
            _ => String::new(),
        };
        let waiting = match a.status {
            AppointmentStatus::CheckedIn => format!("{:>3} min", q.waiting_minutes),
            AppointmentStatus::InProgress => "in".to_owned(),
            _ => status(a.status).to_owned(),
        };
        println!(
            "{:>2}  {}   {:7}  {:28}  {}{}",
            q.position,
            time_of(&a.local_start),
            waiting,
            format!("{} ({})", a.patient_name, a.patient_mrn),
            a.provider,
            punctual
        );
    }
}

pub fn waitlist(out: &Output, list: &[WaitlistDto]) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("Nobody is waiting.");
    }
    for w in list {
        println!(
            "{:>3} d  {:10}  {:26}  {:14}  {:16}  {:14}  {}  {}{}",
            w.waiting_days,
            w.patient_mrn,
            w.patient_name,
            w.patient_phone.as_deref().unwrap_or("-"),
            w.provider.as_deref().unwrap_or("any clinician"),
            w.type_name,
            if w.preference.is_empty() {
                "any time"
            } else {
                &w.preference
            },
            w.id,
            w.note
                .as_deref()
                .map(|n| format!("  ({n})"))
                .unwrap_or_default()
        );
    }
}

pub fn waitlist_added(out: &Output, w: &WaitlistDto) {
    if out.is_json() {
        return out.json(w);
    }
    println!(
        "{} is on the waitlist for {} with {} ({}).",
        w.patient_name,
        w.type_name,
        w.provider.as_deref().unwrap_or("any clinician"),
        w.id
    );
}

pub fn reminders(out: &Output, list: &[ReminderDto]) {
    if out.is_json() {
        return out.json(&list);
    }
    if list.is_empty() {
        println!("No appointments to remind.");
    }
    for r in list {
        println!(
            "{}  {:26}  {:14}  {}",
            time_of(&r.local_start),
            r.patient_name,
            r.phone.as_deref().unwrap_or("NO PHONE"),
            r.message
        );
    }
}
