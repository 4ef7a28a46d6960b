//! The client sync engine: one round is hello, push, pull.
//!
//! - **Hello** first: the server names the clinic key it holds changes for. A desktop with
//!   another key stops here, before it sends or applies anything.
//! - **Push** this device's changes after the highest sequence number the server holds without a
//!   gap, in order, in batches; the server's acknowledgement is recorded as it comes.
//! - **Pull** pages after this desktop's cursor. A page is checked whole before any of it is
//!   applied: cursors follow on from the last one with no gap (the server's cursors are
//!   gap-free), and every envelope opens with the clinic key. Then the page and the new cursor
//!   are applied in one transaction by the replica.
//!
//! Any step may fail (the network, the server restarting); nothing is half-applied, and the
//! next round starts from what was committed.

use uuid::Uuid;

use tend_domain::{Change, DeviceId};

use crate::client::{ClientError, Transport};
use crate::envelope::{ClinicKey, EnvelopeError, MAX_CHANGE_BYTES, open, seal};
use crate::protocol::{PullRequest, PushRequest, VERSION};

/// The local side of sync: what a desktop's store offers the engine.
pub trait Replica {
    type Error: std::fmt::Display;
    /// The server cursor applied here, and the highest own sequence number acknowledged.
    fn position(&self) -> Result<(u64, u64), Self::Error>;
    /// The changes of `device` (this one, or one it succeeded) after sequence number `after`,
    /// in order.
    fn outbox(
        &self,
        device: DeviceId,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Change>, Self::Error>;
    /// This device, and the devices it succeeded after restores from backups (whose changes
    /// the server may still lack), oldest first; this device last.
    fn devices(&self) -> Result<Vec<DeviceId>, Self::Error>;
    fn set_acked(&self, seq: u64) -> Result<(), Self::Error>;
    /// Applies `changes` and moves the cursor from `from` to `to`, all in one transaction.
    /// Returns how many were new here.
    fn apply_page(&self, from: u64, to: u64, changes: &[Change]) -> Result<usize, Self::Error>;
}

/// Why a round stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    #[error(
        "the sync server holds this clinic under another clinic key ({server}); this desktop has \
         {local}. Nothing was sent or applied: pair this desktop again"
    )]
    WrongClinicKey { server: String, local: String },
    #[error("the sync server answers for another clinic; nothing was sent or applied")]
    WrongClinic,
    #[error("the server's page skips from cursor {after} to {got}; nothing of it was applied")]
    Gap { after: u64, got: u64 },
    #[error("the server did not take change {seq} of this device (it holds up to {acked})")]
    NotAcknowledged { seq: u64, acked: u64 },
    #[error("this desktop's database: {0}")]
    Local(String),
}

impl SyncError {
    /// Worth retrying on the next round without anyone doing anything.
    pub fn is_transient(&self) -> bool {
        matches!(self, SyncError::Client(e) if e.is_transient())
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub pushed: u64,
    pub pulled: u64,
    /// Pulled changes that were new here.
    pub applied: u64,
    pub cursor: u64,
    /// Time spent waiting for the server's pages, opening their envelopes, and applying them.
    pub fetching: std::time::Duration,
    pub opening: std::time::Duration,
    pub applying: std::time::Duration,
}

/// How far a pull has come: changes pulled so far, and the server's newest cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub cursor: u64,
    pub head: u64,
    pub pulled: u64,
}

/// How many changes go in one push, and how many bytes at most.
pub const PUSH_BATCH: usize = 500;
const PUSH_BYTES: usize = 8 << 20;

/// One desktop's view of one clinic at one server.
#[derive(Debug)]
pub struct Engine<'a, R, T> {
    pub replica: &'a R,
    pub transport: &'a T,
    pub key: &'a ClinicKey,
    pub clinic: Uuid,
    pub page: u32,
}

impl<R: Replica, T: Transport> Engine<'_, R, T> {
    fn local(e: R::Error) -> SyncError {
        SyncError::Local(e.to_string())
    }

    /// Hello, push, pull; `progress` hears about every applied page.
    pub fn round(&self, mut progress: impl FnMut(Progress)) -> Result<Round, SyncError> {
        let hello = self.transport.hello()?;
        let local = self.key.id();
        if hello.key_id != local {
            return Err(SyncError::WrongClinicKey {
                server: hello.key_id,
                local,
            });
        }
        if hello.clinic_id != self.clinic {
            return Err(SyncError::WrongClinic);
        }
        let mut round = Round::default();
        self.push(hello.acked_through, &mut round)?;
        self.pull(hello.head, &mut round, &mut progress)?;
        Ok(round)
    }

    fn push(&self, server_acked: u64, round: &mut Round) -> Result<(), SyncError> {
        let devices = self.replica.devices().map_err(Self::local)?;
        let Some((me, before)) = devices.split_last() else {
            return Ok(());
        };
        // Devices this desktop succeeded: the server says how far it holds each (an empty push
        // asks), and gets the rest of what this desktop holds of theirs.
        for device in before {
            let acked = self
                .transport
                .push(&PushRequest {
                    v: VERSION,
                    device_id: *device,
                    changes: Vec::new(),
                })?
                .acked_through;
            self.push_device(*device, acked, round, false)?;
        }
        self.push_device(*me, server_acked, round, true)
    }

    fn push_device(
        &self,
        device: DeviceId,
        server_acked: u64,
        round: &mut Round,
        own: bool,
    ) -> Result<(), SyncError> {
        // The server's word is what counts: after a server restore it may hold less than it
        // once acknowledged, and the device sends again from there.
        let mut acked = server_acked;
        if own {
            self.replica.set_acked(acked).map_err(Self::local)?;
        }
        loop {
            let changes = self
                .replica
                .outbox(device, acked, PUSH_BATCH)
                .map_err(Self::local)?;
            let Some(last) = changes.last().map(|c| c.device_seq) else {
                return Ok(());
            };
            let mut envelopes = Vec::with_capacity(changes.len());
            let mut bytes = 0usize;
            let mut through = acked;
            for c in &changes {
                let env = seal(self.key, self.clinic, c)?;
                bytes += env.sealed.len() + 256;
                if !envelopes.is_empty() && bytes > PUSH_BYTES {
                    break;
                }
                through = c.device_seq;
                envelopes.push(env);
            }
            let resp = self.transport.push(&PushRequest {
                v: VERSION,
                device_id: device,
                changes: envelopes,
            })?;
            if resp.acked_through < through {
                return Err(SyncError::NotAcknowledged {
                    seq: acked + 1,
                    acked: resp.acked_through,
                });
            }
            round.pushed += through - acked;
            acked = resp.acked_through;
            if own {
                self.replica.set_acked(acked).map_err(Self::local)?;
            }
            if acked >= last && changes.len() < PUSH_BATCH {
                return Ok(());
            }
        }
    }

    fn pull(
        &self,
        head: u64,
        round: &mut Round,
        progress: &mut impl FnMut(Progress),
    ) -> Result<(), SyncError> {
        let (mut cursor, _) = self.replica.position().map_err(Self::local)?;
        loop {
            let started = std::time::Instant::now();
            let page = self.transport.pull(&PullRequest {
                v: VERSION,
                after: cursor,
                limit: self.page,
            })?;
            round.fetching += started.elapsed();
            let started = std::time::Instant::now();
            let mut changes = Vec::with_capacity(page.changes.len());
            let mut next = cursor;
            for p in &page.changes {
                if p.cursor != next + 1 {
                    return Err(SyncError::Gap {
                        after: next,
                        got: p.cursor,
                    });
                }
                next = p.cursor;
                if p.change.sealed.len() > MAX_CHANGE_BYTES * 2 {
                    return Err(EnvelopeError::TooLarge {
                        bytes: p.change.sealed.len(),
                    }
                    .into());
                }
                changes.push(open(self.key, self.clinic, &p.change)?);
            }
            round.opening += started.elapsed();
            if !changes.is_empty() {
                let started = std::time::Instant::now();
                let applied = self
                    .replica
                    .apply_page(cursor, next, &changes)
                    .map_err(Self::local)?;
                round.applying += started.elapsed();
                round.pulled += changes.len() as u64;
                round.applied += applied as u64;
                cursor = next;
                progress(Progress {
                    cursor,
                    head: head.max(cursor),
                    pulled: round.pulled,
                });
            }
            round.cursor = cursor;
            if !page.more || page.changes.is_empty() {
                return Ok(());
            }
        }
    }
}
