//! The schedule from a terminal: setting it up, the day and week, booking and moving
//! appointments, the check-in queue, the waitlist and tomorrow's reminders. Enough to script a
//! clinic's day; each command is one call into tend-core.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::{Duration, Utc};
use chrono_tz::Tz;
use clap::{Args, Subcommand, ValueEnum};
use tend_core::schedule::{self, BookRequest, ExceptionFor, Scope, TypeEdit, WaitlistForm};
use tend_core::{Session, Tend};
use tend_domain::schedule::RecurrenceRule;

use crate::output::Output;
use crate::output::chart::timezone;
use crate::output::schedule as show;

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// One day: each clinician's hours, breaks and appointments. DATE is YYYY-MM-DD, today or
    /// tomorrow.
    Day {
        date: String,
        /// Only this clinician (username).
        #[arg(long)]
        provider: Option<String>,
    },
    /// The week (Monday to Sunday) that holds DATE.
    Week {
        date: String,
        #[arg(long)]
        provider: Option<String>,
    },
    /// Clinicians' weekly hours; with PROVIDER and --hours, set that clinician's.
    Hours {
        provider: Option<String>,
        /// `mon-fri 09:00-14:00,16:00-19:00; sat 10:00-13:00`.
        #[arg(long)]
        hours: Option<String>,
        /// Breaks in the same form: `mon-fri 11:00-11:30`.
        #[arg(long, default_value = "")]
        breaks: String,
    },
    /// A day off: for the whole clinic (a holiday), or one clinician or room.
    Off {
        date: String,
        #[command(flatten)]
        who: ForWhom,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Extra hours on a date, such as `16:00-19:00`, for a clinician or room.
    Extra {
        date: String,
        hours: String,
        #[command(flatten)]
        who: ForWhom,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Days off and extra hours from a date (today) for some days (90).
    Exceptions {
        #[arg(long)]
        from: Option<String>,
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// Remove a day off or extra hours, by the id `exceptions` shows.
    RemoveException { id: String },
    /// Rooms.
    #[command(subcommand)]
    Room(RoomCommand),
    /// Appointment types: length, colour, whether they need a room.
    #[command(subcommand)]
    Type(TypeCommand),
    /// The reminder message. {patient}, {provider}, {date}, {time}, {clinic} and {type} are
    /// filled in.
    ReminderTemplate { text: String },
}

#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct ForWhom {
    /// A clinician (username).
    #[arg(long)]
    provider: Option<String>,
    /// A room.
    #[arg(long)]
    room: Option<String>,
}

impl ForWhom {
    fn get(&self) -> ExceptionFor<'_> {
        match (&self.provider, &self.room) {
            (Some(p), _) => ExceptionFor::Provider(p),
            (None, Some(r)) => ExceptionFor::Room(r),
            (None, None) => ExceptionFor::Clinic,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum RoomCommand {
    List,
    /// Add a room with its opening hours.
    Add {
        name: String,
        #[arg(long)]
        hours: String,
        #[arg(long, default_value = "")]
        breaks: String,
    },
    /// Set a room's opening hours.
    Hours {
        name: String,
        #[arg(long)]
        hours: String,
        #[arg(long, default_value = "")]
        breaks: String,
    },
    /// Take a room out of use.
    Archive {
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TypeCommand {
    List,
    Add {
        name: String,
        #[arg(long)]
        minutes: u32,
        /// `#RRGGBB`, shown on the calendar.
        #[arg(long, default_value = "#3b82f6")]
        colour: String,
        #[arg(long)]
        needs_room: bool,
    },
    /// Change a type; booked appointments keep their length.
    Edit {
        name: String,
        #[arg(long)]
        minutes: Option<u32>,
        #[arg(long)]
        colour: Option<String>,
        #[arg(long)]
        needs_room: Option<bool>,
    },
    /// Take a type out of use.
    Archive {
        name: String,
    },
}

/// Which appointments of a recurring series a change applies to.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScopeArg {
    /// This appointment only.
    One,
    /// This one and the rest of its series.
    Following,
    /// Every appointment of the series from today on.
    All,
}

impl From<ScopeArg> for Scope {
    fn from(s: ScopeArg) -> Self {
        match s {
            ScopeArg::One => Scope::One,
            ScopeArg::Following => Scope::ThisAndFollowing,
            ScopeArg::All => Scope::All,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AppointmentCommand {
    /// Book MRN with a clinician. Refused with the reasons when it clashes, unless --override.
    Book {
        mrn: String,
        /// The clinician's username.
        #[arg(long)]
        provider: String,
        #[arg(long = "type")]
        type_name: String,
        /// Local to the clinic: `2026-11-25 09:00`.
        #[arg(long)]
        at: String,
        /// For a type that needs a room [default: the first free one].
        #[arg(long)]
        room: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
        /// Book over the conflicts on purpose (they are recorded).
        #[arg(long = "override")]
        override_conflicts: bool,
        #[command(flatten)]
        repeat: RepeatArgs,
    },
    /// Move to another time, clinician or room.
    Move {
        id: String,
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        provider: Option<String>,
        #[arg(long)]
        room: Option<String>,
        #[arg(long, value_enum, default_value = "one")]
        scope: ScopeArg,
        #[arg(long = "override")]
        override_conflicts: bool,
    },
    /// Cancel, with the reason.
    Cancel {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long, value_enum, default_value = "one")]
        scope: ScopeArg,
    },
    /// The patient has arrived.
    Checkin {
        id: String,
    },
    /// Checked in by mistake.
    UndoCheckin {
        id: String,
    },
    /// The clinician has called the patient in.
    Start {
        id: String,
    },
    Complete {
        id: String,
    },
    /// The patient did not come.
    Noshow {
        id: String,
    },
    /// A patient's upcoming appointments (with --past, the last year's too).
    List {
        mrn: String,
        #[arg(long)]
        past: bool,
    },
    /// The next free slots for a type, with one clinician or any.
    Free {
        #[arg(long = "type")]
        type_name: String,
        #[arg(long)]
        provider: Option<String>,
        /// From this day [default: today].
        #[arg(long)]
        from: Option<String>,
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
}

#[derive(Debug, Args)]
pub struct RepeatArgs {
    /// Make it a series: daily, weekly, monthly (same day of month) or monthly-weekday
    /// (say, the second Tuesday).
    #[arg(long)]
    repeat: Option<String>,
    /// Every N days, weeks or months.
    #[arg(long, default_value_t = 1, requires = "repeat")]
    every: u32,
    /// How many appointments in all.
    #[arg(long, requires = "repeat")]
    count: Option<u32>,
    /// The last day of the series.
    #[arg(long, requires = "repeat")]
    until: Option<String>,
}

impl RepeatArgs {
    fn rule(&self, tz: Tz) -> Result<Option<RecurrenceRule>> {
        let Some(freq) = &self.repeat else {
            return Ok(None);
        };
        let until = self
            .until
            .as_deref()
            .map(|d| tend_domain::patients::parse_date("until", &day(d, tz)))
            .transpose()?;
        Ok(Some(RecurrenceRule::parse(
            freq, self.every, until, self.count,
        )?))
    }
}

#[derive(Debug, Subcommand)]
pub enum WaitlistCommand {
    /// Who is waiting, longest first.
    List,
    /// Put a patient on the waitlist.
    Add {
        mrn: String,
        #[arg(long = "type")]
        type_name: String,
        /// A clinician (username) [default: any].
        #[arg(long)]
        provider: Option<String>,
        /// Times that suit them: `mon,wed 09:00-12:00`, `fri`, `14:00-18:00`.
        #[arg(long, default_value = "")]
        prefer: String,
        /// Not before this day.
        #[arg(long, default_value = "")]
        earliest: String,
        /// Not after this day.
        #[arg(long, default_value = "")]
        latest: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Who on the waitlist could take the slot of APPOINTMENT (cancelled or about to be).
    Offer { appointment: String },
    /// Book a waiting patient and take them off the list.
    Book {
        entry: String,
        #[arg(long)]
        at: String,
        /// For someone waiting for any clinician.
        #[arg(long)]
        provider: Option<String>,
        #[arg(long = "override")]
        override_conflicts: bool,
    },
    /// Take someone off the waitlist.
    Remove { entry: String },
}

/// `today` and `tomorrow` in the clinic's zone; anything else as written.
fn day(s: &str, tz: Tz) -> String {
    let today = Utc::now().with_timezone(&tz).date_naive();
    match s.trim().to_ascii_lowercase().as_str() {
        "today" => today.to_string(),
        "tomorrow" => (today + Duration::days(1)).to_string(),
        "yesterday" => (today - Duration::days(1)).to_string(),
        _ => s.to_owned(),
    }
}

/// `n` days after `date`, when it is a date.
fn days_after(date: &str, n: i64) -> Option<String> {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .map(|d| (d + Duration::days(n)).to_string())
}

pub fn schedule_command(
    cmd: &ScheduleCommand,
    tend: &Tend,
    me: &Session,
    out: &Output,
) -> Result<ExitCode> {
    let tz = timezone(tend, me)?;
    match cmd {
        ScheduleCommand::Day { date, provider } => {
            let date = day(date, tz);
            // Series grow up to the day shown (a write of its own; the view only reads). A
            // date that is not one is named by the view.
            if let Some(through) = days_after(&date, 0) {
                schedule::extend_through(tend, me, &through)?;
            }
            show::day(out, &schedule::day(tend, me, &date, provider.as_deref())?)
        }
        ScheduleCommand::Week { date, provider } => {
            let date = day(date, tz);
            if let Some(through) = days_after(&date, 6) {
                schedule::extend_through(tend, me, &through)?;
            }
            show::week(out, &schedule::week(tend, me, &date, provider.as_deref())?)
        }
        ScheduleCommand::Hours {
            provider: Some(p),
            hours: Some(h),
            breaks,
        } => {
            let set = schedule::set_hours(tend, me, p, h, breaks)?;
            let breaks = if breaks.trim().is_empty() {
                String::new()
            } else {
                format!(", with breaks {}", breaks.trim())
            };
            out.done(&format!("{p} now works {set}{breaks}."));
        }
        ScheduleCommand::Hours {
            provider,
            hours: None,
            ..
        } => {
            let mut all = schedule::provider_hours(tend, me)?;
            if let Some(p) = provider {
                all.retain(|h| h.username.eq_ignore_ascii_case(p));
            }
            show::hours(out, &all);
        }
        ScheduleCommand::Hours { provider: None, .. } => {
            anyhow::bail!("say whose hours these are: tend schedule hours USERNAME --hours ...")
        }
        ScheduleCommand::Off { date, who, note } => {
            let id = schedule::add_exception(tend, me, who.get(), &day(date, tz), "", note)?;
            show::exception_added(out, id, "Day off recorded");
        }
        ScheduleCommand::Extra {
            date,
            hours,
            who,
            note,
        } => {
            if matches!(who.get(), ExceptionFor::Clinic) {
                anyhow::bail!("extra hours are for a clinician (--provider) or a room (--room)");
            }
            let id = schedule::add_exception(tend, me, who.get(), &day(date, tz), hours, note)?;
            show::exception_added(out, id, "Extra hours recorded");
        }
        ScheduleCommand::Exceptions { from, days } => {
            let from = day(from.as_deref().unwrap_or("today"), tz);
            let start = tend_domain::patients::parse_date("from", &from)?;
            let to = (start + Duration::days((*days).clamp(1, 366) - 1)).to_string();
            show::exceptions(out, &schedule::exceptions(tend, me, &from, &to)?);
        }
        ScheduleCommand::RemoveException { id } => {
            schedule::remove_exception(tend, me, id)?;
            out.done("Removed; the day follows the usual hours again.");
        }
        ScheduleCommand::Room(cmd) => room(cmd, tend, me, out)?,
        ScheduleCommand::Type(cmd) => appointment_type(cmd, tend, me, out)?,
        ScheduleCommand::ReminderTemplate { text } => {
            schedule::set_reminder_template(tend, me, text)?;
            out.done("The reminder message was saved.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn room(cmd: &RoomCommand, tend: &Tend, me: &Session, out: &Output) -> Result<()> {
    match cmd {
        RoomCommand::List => show::rooms(out, &schedule::rooms(tend, me)?),
        RoomCommand::Add {
            name,
            hours,
            breaks,
        } => show::room(
            out,
            &schedule::add_room(tend, me, name, hours, breaks)?,
            "Added",
        ),
        RoomCommand::Hours {
            name,
            hours,
            breaks,
        } => show::room(
            out,
            &schedule::set_room_hours(tend, me, name, hours, breaks)?,
            "Updated",
        ),
        RoomCommand::Archive { name } => {
            schedule::archive_room(tend, me, name)?;
            out.done(&format!("{name} is out of use."));
        }
    }
    Ok(())
}

fn appointment_type(cmd: &TypeCommand, tend: &Tend, me: &Session, out: &Output) -> Result<()> {
    match cmd {
        TypeCommand::List => show::types(out, &schedule::appointment_types(tend, me)?),
        TypeCommand::Add {
            name,
            minutes,
            colour,
            needs_room,
        } => show::appointment_type(
            out,
            &schedule::add_appointment_type(tend, me, name, *minutes, colour, *needs_room)?,
            "Added",
        ),
        TypeCommand::Edit {
            name,
            minutes,
            colour,
            needs_room,
        } => show::appointment_type(
            out,
            &schedule::edit_appointment_type(
                tend,
                me,
                name,
                &TypeEdit {
                    minutes: *minutes,
                    colour: colour.as_deref(),
                    needs_room: *needs_room,
                },
            )?,
            "Updated",
        ),
        TypeCommand::Archive { name } => {
            schedule::archive_appointment_type(tend, me, name)?;
            out.done(&format!("{name} is no longer offered."));
        }
    }
    Ok(())
}

pub fn appointment(
    cmd: &AppointmentCommand,
    tend: &Tend,
    me: &Session,
    out: &Output,
) -> Result<ExitCode> {
    let tz = timezone(tend, me)?;
    match cmd {
        AppointmentCommand::Book {
            mrn,
            provider,
            type_name,
            at,
            room,
            note,
            override_conflicts,
            repeat,
        } => {
            let req = BookRequest {
                mrn,
                provider,
                type_name,
                at,
                room: room.as_deref(),
                note,
                override_conflicts: *override_conflicts,
                repeat: repeat.rule(tz)?,
            };
            show::booked(out, &schedule::book(tend, me, &req)?, "Booked");
        }
        AppointmentCommand::Move {
            id,
            at,
            provider,
            room,
            scope,
            override_conflicts,
        } => {
            if at.is_none() && provider.is_none() && room.is_none() {
                anyhow::bail!("say where to: --at, --provider or --room");
            }
            let moved = schedule::move_appointment(
                tend,
                me,
                id,
                at.as_deref(),
                provider.as_deref(),
                room.as_deref(),
                (*scope).into(),
                *override_conflicts,
            )?;
            show::booked(out, &moved, "Moved");
        }
        AppointmentCommand::Cancel { id, reason, scope } => {
            let cancelled = schedule::cancel(tend, me, id, reason, (*scope).into())?;
            show::appointments(out, &cancelled, "Cancelled");
        }
        AppointmentCommand::Checkin { id } => {
            show::appointment(out, &schedule::check_in(tend, me, id)?, "Checked in")
        }
        AppointmentCommand::UndoCheckin { id } => show::appointment(
            out,
            &schedule::undo_check_in(tend, me, id)?,
            "Check-in undone for",
        ),
        AppointmentCommand::Start { id } => {
            show::appointment(out, &schedule::start(tend, me, id)?, "Started")
        }
        AppointmentCommand::Complete { id } => {
            show::appointment(out, &schedule::complete(tend, me, id)?, "Completed")
        }
        AppointmentCommand::Noshow { id } => show::appointment(
            out,
            &schedule::mark_no_show(tend, me, id)?,
            "Marked as no-show:",
        ),
        AppointmentCommand::List { mrn, past } => {
            show::appointments(out, &schedule::appointments_of(tend, me, mrn, *past)?, "")
        }
        AppointmentCommand::Free {
            type_name,
            provider,
            from,
            limit,
        } => {
            let from = day(from.as_deref().unwrap_or("today"), tz);
            show::slots(
                out,
                &schedule::free_slots(tend, me, provider.as_deref(), type_name, &from, *limit)?,
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn queue(date: Option<&str>, tend: &Tend, me: &Session, out: &Output) -> Result<ExitCode> {
    let tz = timezone(tend, me)?;
    let date = date.map(|d| day(d, tz));
    show::queue(out, &schedule::queue(tend, me, date.as_deref())?);
    Ok(ExitCode::SUCCESS)
}

pub fn waitlist(
    cmd: &WaitlistCommand,
    tend: &Tend,
    me: &Session,
    out: &Output,
) -> Result<ExitCode> {
    let tz = timezone(tend, me)?;
    match cmd {
        WaitlistCommand::List => show::waitlist(out, &schedule::waitlist(tend, me)?),
        WaitlistCommand::Add {
            mrn,
            type_name,
            provider,
            prefer,
            earliest,
            latest,
            note,
        } => {
            let (earliest, latest) = (day(earliest, tz), day(latest, tz));
            let form = WaitlistForm {
                mrn,
                provider: provider.as_deref(),
                type_name,
                prefer,
                earliest: &earliest,
                latest: &latest,
                note,
            };
            show::waitlist_added(out, &schedule::waitlist_add(tend, me, &form)?);
        }
        WaitlistCommand::Offer { appointment } => {
            show::waitlist(out, &schedule::waitlist_candidates(tend, me, appointment)?)
        }
        WaitlistCommand::Book {
            entry,
            at,
            provider,
            override_conflicts,
        } => show::booked(
            out,
            &schedule::waitlist_book(
                tend,
                me,
                entry,
                at,
                provider.as_deref(),
                *override_conflicts,
            )?,
            "Booked from the waitlist",
        ),
        WaitlistCommand::Remove { entry } => {
            schedule::waitlist_remove(tend, me, entry)?;
            out.done("Taken off the waitlist.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The reminder list for a day (tomorrow); with `--csv`, written to a file for the clinic's
/// calling or texting tool (`-` for stdout).
pub fn reminders(
    date: Option<&str>,
    csv: Option<&PathBuf>,
    tend: &Tend,
    me: &Session,
    out: &Output,
) -> Result<ExitCode> {
    let tz = timezone(tend, me)?;
    let date = date.map(|d| day(d, tz));
    match csv {
        None => show::reminders(out, &schedule::reminders(tend, me, date.as_deref())?),
        Some(path) => {
            let text = schedule::reminders_csv(tend, me, date.as_deref())?;
            if path.as_os_str() == "-" {
                print_raw(&text);
            } else {
                write_new(path, &text)?;
                let rows = text.lines().count().saturating_sub(1);
                out.done(&format!(
                    "{rows} reminder{} written to {}. It holds names and phone numbers: \
                     delete it once the calls are made.",
                    if rows == 1 { "" } else { "s" },
                    path.display()
                ));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::print_stdout)]
fn print_raw(text: &str) {
    print!("{text}");
}

/// Writes the whole file or nothing: a temporary file beside it, then renamed into place.
fn write_new(path: &std::path::Path, text: &str) -> Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
