//! Tend's API facade: what the desktop shell and the CLI call.
//!
//! A [`Tend`] is one open clinic database. Use cases are functions in the modules below that take
//! the `Tend` and a [`Session`], check the permission table, do the work through tend-store's one
//! write path, and audit it in the same transaction. They return DTOs from [`api`] or a
//! [`CoreError`] with a stable code. Time comes from the [`Clock`]; nothing below reads it.

pub mod api;
pub mod audit;
pub mod auth;
pub mod backup;
#[cfg(feature = "fixtures")]
pub mod bench;
#[cfg(feature = "fixtures")]
pub mod bench_sync;
pub mod billing;
pub mod chart;
pub mod clinic;
pub mod clock;
pub mod desktop;
mod error;
mod ids;
pub mod passphrase;
pub mod patients;
pub mod prescriptions;
pub mod recovery;
pub mod schedule;
mod session;
pub mod sync;
#[cfg(feature = "fixtures")]
pub mod synthetic;
pub mod users;

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tend_domain::{Action, UserId};
use tend_store::keyring::Keyring;
use tend_store::{AuditEntry, DataPaths, Outcome, Store, WriteCtx};

pub use clock::{Clock, SystemClock};
pub use error::{CoreError, Result};
pub use session::Session;

/// How long the OS keyring gets to answer: long enough for a keyring that unlocks with the
/// desktop session, short enough that the passphrase screen comes up when it does not answer.
pub const KEYRING_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// What a `Tend` needs from its surroundings.
#[derive(Debug, Clone)]
pub struct Environment {
    pub clock: Arc<dyn Clock>,
    pub keyring: Arc<dyn Keyring>,
}

impl Environment {
    /// The real clock and the operating system's keyring, which gets `KEYRING_WAIT` to answer
    /// each call before Tend goes on without it (a locked or stuck keyring would otherwise hold
    /// the window's start and unlock).
    /// `TEND_KEYRING=off` in the environment leaves the OS keyring out altogether (the
    /// passphrase is asked at every opening).
    pub fn system() -> Self {
        let keyring: Arc<dyn Keyring> = match std::env::var("TEND_KEYRING").as_deref() {
            Ok("off") => Arc::new(tend_store::keyring::NoKeyring),
            _ => Arc::new(tend_store::keyring::Bounded::new(
                Arc::new(tend_store::keyring::OsKeyring),
                KEYRING_WAIT,
            )),
        };
        Environment {
            clock: Arc::new(SystemClock),
            keyring,
        }
    }
}

/// Settings of the clinic that shape what use cases show.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClinicContext {
    pub timezone: chrono_tz::Tz,
    pub units: tend_domain::chart::UnitSystem,
}

/// An open clinic.
#[derive(Debug)]
pub struct Tend {
    store: Store,
    pub(crate) env: Environment,
}

impl Tend {
    pub(crate) fn new(store: Store, env: Environment) -> Self {
        Tend { store, env }
    }

    /// Whether a clinic exists in `dir`.
    pub fn exists(dir: &Path) -> bool {
        DataPaths::new(dir).exists()
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.env.clock.now()
    }

    pub(crate) fn ctx(&self, user: Option<UserId>) -> WriteCtx {
        WriteCtx {
            user,
            now: self.now(),
        }
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// The store beneath, without any permission check: for tests that look at what no use case
    /// shows (the keys a desktop holds, its clinic's sync id). Not for the UI or the CLI.
    #[doc(hidden)]
    pub fn store_unchecked(&self) -> &Store {
        &self.store
    }

    /// Checks that the session's user still exists, is enabled and unlocked, and that their
    /// current roles allow `action`. A refusal is audited.
    pub fn authorize(&self, session: &Session, action: Action) -> Result<()> {
        let current = self.store.read(|r| r.user(session.user_id()))?;
        let Some(record) = current.filter(|r| !r.user.disabled && !r.user.locked) else {
            return Err(CoreError::SessionEnded);
        };
        if record.user.roles.can(action) {
            return Ok(());
        }
        self.store.write(self.ctx(Some(session.user_id())), |tx| {
            tx.audit(
                AuditEntry::new("permission.denied", Outcome::Denied)
                    .detail(serde_json::json!({ "action": action.as_str() })),
            )
        })?;
        Err(CoreError::Forbidden { action })
    }

    /// Like [`Tend::authorize`], for reading one patient's chart (`ChartRead`, `NoteRead`): the
    /// role allows it, or this person broke the glass on this patient and the time has not run
    /// out.
    pub(crate) fn authorize_chart(
        &self,
        session: &Session,
        action: Action,
        patient: uuid::Uuid,
    ) -> Result<()> {
        if self.authorize_quietly(session, action) {
            return Ok(());
        }
        if matches!(action, Action::ChartRead | Action::NoteRead)
            && self.authorize_quietly(session, Action::BreakGlass)
            && self
                .store
                .read(|r| r.break_glass_open(session.user_id(), patient, self.now()))?
        {
            return Ok(());
        }
        self.authorize(session, action)
    }

    /// Whether the session may do `action`, without auditing a refusal (for deciding what to
    /// show, not for guarding a use case).
    pub(crate) fn authorize_quietly(&self, session: &Session, action: Action) -> bool {
        matches!(self.store.read(|r| r.user(session.user_id())), Ok(Some(r))
            if !r.user.disabled && !r.user.locked && r.user.roles.can(action))
    }

    /// The clinic's time zone and units, read fresh (settings can change on another desktop).
    pub(crate) fn clinic_context(&self) -> Result<ClinicContext> {
        let clinic = self.store.read(|r| r.clinic())?;
        Ok(ClinicContext {
            timezone: tend_domain::clinic::parse_timezone(&clinic.timezone)?,
            units: clinic.units.parse()?,
        })
    }

    /// Today's date where the clinic is.
    pub(crate) fn today(&self) -> Result<chrono::NaiveDate> {
        let tz = self.clinic_context()?.timezone;
        Ok(self.now().with_timezone(&tz).date_naive())
    }

    /// What the quick audit check at open found, if anything: shown to admins at sign-in.
    pub fn audit_warning(&self) -> Option<String> {
        self.store
            .audit_warning()
            .map(|b| format!("audit log entry {}: {}", b.seq, b.problem))
    }
}
