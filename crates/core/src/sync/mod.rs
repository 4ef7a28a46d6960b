//! Sync's use cases: connecting the first desktop to a server, pairing the others, syncing, and
//! the conflicts a clinician or the front desk settles.
//!
//! A clinic with one desktop never calls any of this. The clinic key and this device's token
//! live in the encrypted database (`meta`), never in a file or a log.

mod clinic_keys;
mod conflicts;
mod devices;
mod joining;
mod rounds;
mod status;

pub use clinic_keys::{allow_managing, ensure_device_key, keep_clinic_keys, key_ring, rotate_key};
use clinic_keys::{device_secret, stored_key};
pub use conflicts::{conflicts, resolve};
pub use devices::{devices, disconnect, revoke};
use joining::check_server;
pub use joining::{
    ConnectRequest, JoinRequest, Joined, allow_insecure_http, connect, connect_with, join,
    pairing_code,
};
pub(crate) use joining::{ensure_device_record, lineage, new_device_identity};
pub use rounds::sync_now;
pub use status::{problems, pull_everything_again, quarantine, status};
use tend_domain::Words;

use tend_domain::{Change, DeviceId};
use tend_store::sync::{HOLE_ROUNDS, Quarantined, keys};
use tend_store::{Store, StoreError, WriteCtx};
use tend_sync::{
    ClientError, ClinicKey, Engine, Envelope, HttpClient, Progress, Replica, Round, SyncError,
    Transport, Unopened,
};
use uuid::Uuid;

use crate::{Clock, CoreError, Result, Tend};

/// How many changes a pull asks for at once.
pub const PAGE: u32 = 1000;

/// The store as the sync engine sees it.
#[derive(Debug)]
pub struct StoreReplica<'a> {
    pub store: &'a Store,
    pub clock: &'a dyn Clock,
}

impl Replica for StoreReplica<'_> {
    type Error = StoreError;

    fn position(&self) -> std::result::Result<(u64, u64), StoreError> {
        self.store.sync_position()
    }

    fn outbox(
        &self,
        device: DeviceId,
        after: u64,
        limit: usize,
    ) -> std::result::Result<Vec<Change>, StoreError> {
        self.store.outbox(device, after, limit)
    }

    fn devices(&self) -> std::result::Result<Vec<DeviceId>, StoreError> {
        self.store.sync_devices()
    }

    fn set_acked(&self, seq: u64) -> std::result::Result<(), StoreError> {
        self.store.set_acked(seq)
    }

    fn apply_page(
        &self,
        from: u64,
        to: u64,
        changes: &[Change],
        unopened: &[Unopened],
    ) -> std::result::Result<usize, StoreError> {
        let now = self.clock.now();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let quarantined = unopened
            .iter()
            .map(|u| {
                Ok(Quarantined {
                    cursor: u.cursor,
                    change_id: u.envelope.change_id,
                    device_id: u.envelope.device_id,
                    device_seq: u.envelope.device_seq,
                    envelope: serde_json::to_string(&u.envelope)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    reason: u.reason.clone(),
                    at: at.clone(),
                })
            })
            .collect::<std::result::Result<Vec<_>, StoreError>>()?;
        let ctx = WriteCtx { user: None, now };
        self.store
            .apply_page(ctx, from, to, changes, &quarantined)
            .map(|a| a.new)
    }

    fn quarantined(&self) -> std::result::Result<Vec<(u64, Envelope)>, StoreError> {
        self.store
            .quarantine()?
            .into_iter()
            .map(|q| {
                let envelope = serde_json::from_str(&q.envelope)
                    .map_err(|e| StoreError::Corrupt(format!("a quarantined envelope: {e}")))?;
                Ok((q.cursor, envelope))
            })
            .collect()
    }

    fn keep_keys(&self, keys: &[ClinicKey]) -> std::result::Result<(), StoreError> {
        let at = self.clock.now().to_rfc3339();
        self.store
            .add_clinic_keys(&keys.iter().map(stored_key).collect::<Vec<_>>(), &at)
    }

    fn release(&self, opened: &[(u64, Change)]) -> std::result::Result<usize, StoreError> {
        let ctx = WriteCtx {
            user: None,
            now: self.clock.now(),
        };
        self.store.release_quarantined(ctx, opened).map(|a| a.new)
    }
}

/// One round of sync of `store` through `transport`, with the clinic key and clinic id from
/// the store's sync settings.
pub fn round_with(
    store: &Store,
    clock: &dyn Clock,
    transport: &impl Transport,
    page: u32,
    progress: impl FnMut(Progress),
) -> std::result::Result<Round, SyncError> {
    let local = |e: StoreError| SyncError::Local(e.to_string());
    let ring = key_ring(store).map_err(local)?;
    if ring.is_empty() {
        return Err(SyncError::Local("this desktop has no clinic key".into()));
    }
    let secret = device_secret(store).map_err(local)?;
    let clinic: Uuid = store
        .sync_setting(keys::CLINIC)
        .map_err(local)?
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| SyncError::Local("this desktop has no clinic sync id".into()))?;
    let mut engine = Engine {
        replica: &StoreReplica { store, clock },
        transport,
        ring,
        secret: secret.as_ref(),
        clinic,
        page,
    };
    let round = engine.round(progress)?;
    let holes = store.end_round_holes().map_err(local)?;
    for hole in holes.iter().filter(|h| h.rounds >= HOLE_ROUNDS) {
        tracing::error!(
            device = %hole.device,
            missing_from = hole.missing_from,
            max_seen = hole.max_seen,
            rounds = hole.rounds,
            "the sync server has not sent a change of another desktop for several rounds"
        );
    }
    Ok(round)
}

fn refused(code: &'static str, field: Option<&'static str>, words: impl Into<Words>) -> CoreError {
    CoreError::refused(code, field, words)
}

fn client_error(e: ClientError) -> CoreError {
    match &e {
        // The server's own words: it is another program, whose text no catalog holds.
        ClientError::Refused { message, .. } => {
            refused("sync_server_refused", None, Words::verbatim(message))
        }
        ClientError::Unreachable(_) => refused(
            "sync_server_unreachable",
            Some("server"),
            Words::verbatim(e.to_string()),
        ),
        ClientError::BadAnswer(_) => refused(
            "sync_server_bad_answer",
            Some("server"),
            Words::verbatim(e.to_string()),
        ),
    }
}

fn sync_error(e: SyncError) -> CoreError {
    match e {
        SyncError::Client(c) => client_error(c),
        // The store's own words (SQL, file names) go to the log, not to the front desk.
        SyncError::Local(detail) => {
            tracing::error!(%detail, "sync could not read or write this desktop's database");
            refused(
                "sync_local_failed",
                None,
                "this desktop's copy of the clinic could not take the changes; nothing of them \
                 was applied, and the details are in the log",
            )
        }
        other => refused("sync_failed", None, Words::verbatim(other.to_string())),
    }
}

fn setting(tend: &Tend, key: &str) -> Result<Option<String>> {
    Ok(tend.store().sync_setting(key)?)
}

fn client(tend: &Tend) -> Result<HttpClient> {
    let server = setting(tend, keys::SERVER)?.ok_or_else(|| {
        refused(
            "not_connected",
            None,
            "this desktop is not connected to a sync server",
        )
    })?;
    let insecure = setting(tend, keys::INSECURE)?.is_some();
    let server = check_server(&server, insecure)?;
    server_client(
        &server,
        setting(tend, keys::TOKEN)?,
        setting(tend, keys::PIN)?.as_deref(),
    )
}

/// The client for `server`: pinned to the clinic's own certificate when it has a pin.
fn server_client(server: &str, token: Option<String>, pin: Option<&str>) -> Result<HttpClient> {
    match pin {
        Some(pin) => HttpClient::pinned(server, token, pin).map_err(client_error),
        None => Ok(HttpClient::new(server, token)),
    }
}

/// Whether this desktop syncs at all (for the background loop).
pub fn is_configured(tend: &Tend) -> bool {
    matches!(setting(tend, keys::TOKEN), Ok(Some(_)))
}

#[cfg(test)]
mod tests {
    use super::rounds::unpanicked;
    use super::*;

    #[test]
    fn plain_http_is_refused_off_this_computer_unless_an_admin_allows_it() {
        for ok in [
            "https://sync.example.org",
            "https://192.168.1.10:8443/",
            "http://127.0.0.1:8443",
            "http://localhost:8443",
            "http://[::1]:8443",
        ] {
            assert!(check_server(ok, false).is_ok(), "{ok}");
        }
        for lan in [
            "http://192.168.1.10:8443",
            "http://sync.clinic.lan",
            "http://localhost.example.org",
            "http://127.0.0.1.nip.io",
        ] {
            let err = check_server(lan, false).unwrap_err();
            assert!(
                matches!(&err, CoreError::Refused { code: "plain_http", field: Some("server"), words } if words.contains("insecure local network")),
                "{lan}: {err:?}"
            );
            assert!(check_server(lan, true).is_ok(), "{lan}");
        }
        for bad in ["ftp://x", "sync.example.org", "https://", "https://a b"] {
            assert!(check_server(bad, true).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_panic_inside_a_round_is_an_error_of_that_round() {
        // Before, a panic in a background round poisoned the desktop's round lock for good.
        let e = unpanicked::<()>(|| panic!("a bug")).unwrap_err();
        assert!(e.to_string().contains("next round will try again"), "{e}");
        assert_eq!(unpanicked(|| Ok(3)).unwrap(), 3);
    }
}
