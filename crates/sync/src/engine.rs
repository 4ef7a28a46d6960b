//! The client sync engine: one round is hello, push, pull.
//!
//! - **Hello** first: the server names the clinic key it holds changes for. A desktop with
//!   another key stops here, before it sends or applies anything.
//! - **Push** this device's changes after the highest sequence number the server holds without a
//!   gap, in order, in batches; the server's acknowledgement is recorded as it comes.
//! - **Pull** pages after this desktop's cursor. A page is checked whole before any of it is
//!   applied: cursors follow on from the last one with no gap (the server's cursors are
//!   gap-free), and every envelope is opened with the clinic key. Then the changes, the
//!   envelopes that did not open (kept in quarantine, so one bad envelope never stops the
//!   clinic's sync) and the new cursor are applied in one transaction by the replica.
//! - Each round first tries the quarantine again: the kept copy, else a fresh one from the
//!   server.
//!
//! Any step may fail (the network, the server restarting); nothing is half-applied, and the
//! next round starts from what was committed.

use uuid::Uuid;

use tend_domain::{Change, DeviceId};

use crate::client::{ClientError, Transport};
use crate::envelope::{ClinicKey, Envelope, EnvelopeError, KeyRing, MAX_CHANGE_BYTES, seal};
use crate::keys::{DeviceSecret, open_grant};
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
    /// Applies `changes`, keeps the envelopes that did not open in quarantine, and moves the
    /// cursor from `from` to `to`, all in one transaction. Returns how many were new here.
    fn apply_page(
        &self,
        from: u64,
        to: u64,
        changes: &[Change],
        unopened: &[Unopened],
    ) -> Result<usize, Self::Error>;
    /// The envelopes in quarantine, with their cursors.
    fn quarantined(&self) -> Result<Vec<(u64, Envelope)>, Self::Error>;
    /// Applies envelopes of the quarantine that now open, and takes them out of it.
    fn release(&self, opened: &[(u64, Change)]) -> Result<usize, Self::Error>;
    /// Keeps clinic keys granted to this desktop (in its encrypted database).
    fn keep_keys(&self, keys: &[ClinicKey]) -> Result<(), Self::Error>;
}

/// A pulled envelope that did not open with this desktop's key (altered, sealed with a key
/// this desktop lacks, or holding a change this version cannot read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unopened {
    pub cursor: u64,
    pub envelope: Envelope,
    /// Why, in words; it quotes nothing sealed.
    pub reason: String,
}

/// Why a round stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    #[error(
        "the sync server takes this clinic's changes under a clinic key this desktop does not \
         hold ({server}; its newest is {local}), and none was granted to it. Nothing was sent or \
         applied. If the clinic key was just changed, an admin's desktop sends it at its next \
         sync; if this desktop was revoked or paired with another clinic, pair it again"
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
    /// Pulled envelopes that did not open, kept in quarantine.
    pub quarantined: u64,
    /// Envelopes of the quarantine that opened this round and were applied.
    pub released: u64,
    /// Whether the server lets this desktop manage the others (pair, revoke, change the key).
    pub manager: bool,
    /// The epoch of the clinic key the server takes pushes under.
    pub key_epoch: u32,
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

/// How many quarantined envelopes a round asks the server for again.
pub const REFETCH_PER_ROUND: usize = 20;

/// How many changes go in one push, and how many bytes at most.
pub const PUSH_BATCH: usize = 500;
const PUSH_BYTES: usize = 8 << 20;

/// One desktop's view of one clinic at one server.
#[derive(Debug)]
pub struct Engine<'a, R, T> {
    pub replica: &'a R,
    pub transport: &'a T,
    /// The clinic keys this desktop holds; a key granted during the round joins them.
    pub ring: KeyRing,
    /// This desktop's secret, which opens keys granted to it.
    pub secret: Option<&'a DeviceSecret>,
    pub clinic: Uuid,
    pub page: u32,
}

impl<R: Replica, T: Transport> Engine<'_, R, T> {
    fn local(e: R::Error) -> SyncError {
        SyncError::Local(e.to_string())
    }

    /// Hello, push, pull; `progress` hears about every applied page.
    pub fn round(&mut self, mut progress: impl FnMut(Progress)) -> Result<Round, SyncError> {
        let hello = self.transport.hello()?;
        if hello.clinic_id != self.clinic {
            return Err(SyncError::WrongClinic);
        }
        if self.ring.find(&hello.key_id).is_none() {
            self.fetch_grants(hello.device_id)?;
        }
        let Some(current) = self.ring.find(&hello.key_id).cloned() else {
            return Err(SyncError::WrongClinicKey {
                server: hello.key_id,
                local: self.ring.newest().map(ClinicKey::id).unwrap_or_default(),
            });
        };
        let mut round = Round {
            manager: hello.manager,
            key_epoch: hello.key_epoch,
            ..Round::default()
        };
        self.retry_quarantined(&mut round)?;
        self.push(&current, hello.acked_through, &mut round)?;
        self.pull(hello.head, &mut round, &mut progress)?;
        Ok(round)
    }

    /// Takes the clinic keys granted to this desktop that it does not hold yet.
    fn fetch_grants(&mut self, device: DeviceId) -> Result<(), SyncError> {
        let Some(secret) = self.secret else {
            return Ok(());
        };
        let mut new = Vec::new();
        for g in self.transport.grants()?.grants {
            if self.ring.find(&g.key_id).is_some() {
                continue;
            }
            match open_grant(secret, self.clinic, device, &g.grant) {
                Ok(key) if key.is_named(&g.key_id) && key.epoch() == g.epoch => new.push(key),
                // A grant that does not open is not this desktop's to use; the round says which
                // key it lacks.
                _ => tracing::warn!(
                    epoch = g.epoch,
                    "a clinic key granted to this desktop does not open"
                ),
            }
        }
        if !new.is_empty() {
            self.replica.keep_keys(&new).map_err(Self::local)?;
            for key in new {
                tracing::info!(epoch = key.epoch(), "received the clinic's new key");
                self.ring.insert(key);
            }
        }
        Ok(())
    }

    fn push(&self, key: &ClinicKey, server_acked: u64, round: &mut Round) -> Result<(), SyncError> {
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
            self.push_device(key, *device, acked, round, false)?;
        }
        self.push_device(key, *me, server_acked, round, true)
    }

    fn push_device(
        &self,
        key: &ClinicKey,
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
                let env = seal(key, self.clinic, c)?;
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

    /// Opens again what the quarantine holds and applies what opens: the kept copy (a key or a
    /// newer version of Tend may open it now), else a fresh copy from the server (the kept one
    /// may have been damaged on the way), for at most [`REFETCH_PER_ROUND`] a round.
    fn retry_quarantined(&self, round: &mut Round) -> Result<(), SyncError> {
        let held = self.replica.quarantined().map_err(Self::local)?;
        let mut opened: Vec<(u64, Change)> = Vec::new();
        let mut fetches = 0;
        for (cursor, kept) in &held {
            if let Some(change) = self
                .ring
                .open(self.clinic, kept)
                .ok()
                .filter(|c| c.check_text().is_ok())
            {
                opened.push((*cursor, change));
                continue;
            }
            if fetches == REFETCH_PER_ROUND {
                continue;
            }
            fetches += 1;
            let page = self.transport.pull(&PullRequest {
                v: VERSION,
                after: cursor.saturating_sub(1),
                limit: 1,
            })?;
            let fresh = page.changes.into_iter().find(|p| {
                p.cursor == *cursor
                    && p.change.change_id == kept.change_id
                    && p.change.sealed.len() <= MAX_CHANGE_BYTES * 2
            });
            if let Some(change) = fresh
                .and_then(|p| self.ring.open(self.clinic, &p.change).ok())
                .filter(|c| c.check_text().is_ok())
            {
                opened.push((*cursor, change));
            }
        }
        if !opened.is_empty() {
            self.replica.release(&opened).map_err(Self::local)?;
            round.released += opened.len() as u64;
        }
        Ok(())
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
            let mut unopened = Vec::new();
            let mut next = cursor;
            for p in &page.changes {
                if p.cursor != next + 1 {
                    return Err(SyncError::Gap {
                        after: next,
                        got: p.cursor,
                    });
                }
                next = p.cursor;
                let opened = if p.change.sealed.len() > MAX_CHANGE_BYTES * 2 {
                    Err(EnvelopeError::TooLarge {
                        bytes: p.change.sealed.len(),
                    })
                } else {
                    self.ring.open(self.clinic, &p.change).and_then(|c| {
                        c.check_text()
                            .map(|()| c)
                            .map_err(|reason| EnvelopeError::Malformed {
                                change_id: p.change.change_id,
                                reason,
                            })
                    })
                };
                match opened {
                    Ok(change) => changes.push(change),
                    // One envelope that does not open must not stop every later change from
                    // arriving: it is kept aside, and the pull goes on.
                    Err(e) => unopened.push(Unopened {
                        cursor: p.cursor,
                        envelope: p.change.clone(),
                        reason: e.to_string(),
                    }),
                }
            }
            round.opening += started.elapsed();
            if next != cursor {
                let started = std::time::Instant::now();
                let applied = self
                    .replica
                    .apply_page(cursor, next, &changes, &unopened)
                    .map_err(Self::local)?;
                round.quarantined += unopened.len() as u64;
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
