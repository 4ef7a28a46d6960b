//! Sync's use cases: connecting the first desktop to a server, pairing the others, syncing, and
//! the conflicts a clinician or the front desk settles.
//!
//! A clinic with one desktop never calls any of this. The clinic key and this device's token
//! live in the encrypted database (`meta`), never in a file or a log.

use std::path::Path;

use data_encoding::HEXLOWER;
use serde_json::json;
use tend_domain::conflict_access::conflict_access;
use tend_domain::user::check_passphrase;
use tend_domain::{
    Action, Change, ChangeId, DatabaseId, DeviceCode, DeviceId, Entity, Fields, Value,
};
use tend_store::key::random_bytes;
use tend_store::sync::{ConflictRecord, HOLE_ROUNDS, Quarantined, StoredKey, keys};
use tend_store::{AuditEntry, DataPaths, Identity, Outcome, Store, StoreError, WriteCtx};
use tend_sync::{
    ClientError, ClinicKey, DeviceSecret, Engine, Envelope, HttpClient, KeyRing, KeyScheme,
    Pairing, Progress, Replica, Round, SyncError, Transport, Unopened,
};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::api::{
    ConflictValueDto, DeviceDto, PairingCodeDto, QuarantinedDto, RotatedDto, SyncConflictDto,
    SyncProblemDto, SyncStatusDto,
};
use crate::{Clock, CoreError, Environment, Result, Session, Tend};

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

fn refused(field: Option<&'static str>, message: impl Into<String>) -> CoreError {
    CoreError::Refused {
        field,
        message: message.into(),
    }
}

fn client_error(e: ClientError) -> CoreError {
    match e {
        ClientError::Refused { message, .. } => refused(None, message),
        other => refused(Some("server"), other.to_string()),
    }
}

fn sync_error(e: SyncError) -> CoreError {
    match e {
        SyncError::Client(c) => client_error(c),
        // The store's own words (SQL, file names) go to the log, not to the front desk.
        SyncError::Local(detail) => {
            tracing::error!(%detail, "sync could not read or write this desktop's database");
            refused(
                None,
                "this desktop's copy of the clinic could not take the changes; nothing of them \
                 was applied, and the details are in the log",
            )
        }
        other => refused(None, other.to_string()),
    }
}

fn setting(tend: &Tend, key: &str) -> Result<Option<String>> {
    Ok(tend.store().sync_setting(key)?)
}

fn stored_key(key: &ClinicKey) -> StoredKey {
    StoredKey {
        epoch: key.epoch(),
        scheme: key.scheme().as_str().to_owned(),
        secret: Zeroizing::new(HEXLOWER.encode(key.as_bytes())),
    }
}

/// The clinic keys this desktop holds.
pub fn key_ring(store: &Store) -> std::result::Result<KeyRing, StoreError> {
    let unreadable = || StoreError::Corrupt("a clinic key is unreadable".into());
    let keys = store
        .clinic_keys()?
        .iter()
        .map(|k| {
            let bytes: [u8; 32] = HEXLOWER
                .decode(k.secret.as_bytes())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(unreadable)?;
            let scheme = KeyScheme::parse(&k.scheme).ok_or_else(unreadable)?;
            Ok(ClinicKey::with(bytes, k.epoch, scheme))
        })
        .collect::<std::result::Result<Vec<_>, StoreError>>()?;
    Ok(KeyRing::new(keys))
}

/// Keeps clinic keys in this desktop's encrypted database.
pub fn keep_clinic_keys(
    store: &Store,
    keys: &KeyRing,
    now: chrono::DateTime<chrono::Utc>,
) -> std::result::Result<(), StoreError> {
    store.add_clinic_keys(
        &keys.iter().map(stored_key).collect::<Vec<_>>(),
        &now.to_rfc3339(),
    )
}

fn device_secret(store: &Store) -> std::result::Result<Option<DeviceSecret>, StoreError> {
    Ok(store
        .sync_setting(keys::DEVICE_SECRET)?
        .and_then(|hex| HEXLOWER.decode(hex.as_bytes()).ok())
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .map(DeviceSecret::from_bytes))
}

/// This desktop's key pair for receiving clinic keys: made once, the secret kept in its
/// encrypted database and the public key written to its device record (which syncs, sealed).
pub fn ensure_device_key(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
) -> std::result::Result<DeviceSecret, StoreError> {
    let secret = match device_secret(store)? {
        Some(s) => s,
        None => {
            let s = DeviceSecret::generate().map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let hex = Zeroizing::new(HEXLOWER.encode(&s.to_bytes()[..]));
            store.set_sync_settings(&[(keys::DEVICE_SECRET, Some(&hex))])?;
            s
        }
    };
    let me = store.identity().device_id;
    let public = secret.public();
    let recorded = store.read(|r| r.device_public_key(me))?;
    if recorded.as_deref() != Some(public.as_str()) {
        store.write(WriteCtx { user: None, now }, |tx| {
            tx.update(
                Entity::Device,
                me.as_uuid(),
                [("public_key".to_owned(), Value::from(public.clone()))].into(),
            )?;
            tx.audit(AuditEntry::new("sync.device_key", Outcome::Ok))
        })?;
    }
    Ok(secret)
}

fn client(tend: &Tend) -> Result<HttpClient> {
    let server = setting(tend, keys::SERVER)?
        .ok_or_else(|| refused(None, "this desktop is not connected to a sync server"))?;
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

/// Whether a server address names this computer (where plain http never leaves it).
fn is_loopback(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Checks a server address: https, or plain http on this computer or where an admin allowed an
/// insecure local network; a host, nothing else.
fn check_server(url: &str, insecure_allowed: bool) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let (plain, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (false, rest),
        (None, Some(rest)) => (true, rest),
        _ => (false, ""),
    };
    if rest.is_empty() || rest.contains(char::is_whitespace) || rest.len() > 300 {
        return Err(refused(
            Some("server"),
            "the server address starts with https:// and names the server, like \
             https://sync.example.org",
        ));
    }
    if plain && !insecure_allowed && !is_loopback(url) {
        return Err(refused(
            Some("server"),
            "plain http:// would send the desktop's sync token unencrypted over the network: \
             use https://, or, for a server on the clinic's own network without a certificate, \
             tick “insecure local network”",
        ));
    }
    Ok(url.to_owned())
}

/// How the first desktop connects to a sync server.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConnectRequest<'a> {
    pub server: &'a str,
    pub enrol_token: &'a str,
    /// The pin of the server's own certificate (`tend-server` logs it), for a server whose
    /// certificate no public authority signed.
    pub pin: Option<&'a str>,
    /// Plain http to a server on the clinic's own network: allowed only when asked for, and
    /// the badge says so for as long as it lasts.
    pub insecure_http: bool,
}

/// Connects the clinic's first desktop to a sync server at `server` (https, or http on this
/// computer), trusting the public certificate authorities.
pub fn connect(
    tend: &Tend,
    session: &Session,
    server: &str,
    enrol_token: &str,
) -> Result<SyncStatusDto> {
    connect_with(
        tend,
        session,
        &ConnectRequest {
            server,
            enrol_token,
            ..ConnectRequest::default()
        },
    )
}

/// Allows (or stops allowing) plain http to this desktop's sync server on the clinic's own
/// network (admins). The badge says so for as long as it is allowed.
pub fn allow_insecure_http(tend: &Tend, session: &Session, allow: bool) -> Result<()> {
    tend.authorize(session, Action::SyncManage)?;
    tend.store()
        .set_sync_settings(&[(keys::INSECURE, allow.then_some("1"))])?;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(
                AuditEntry::new("sync.insecure_http", Outcome::Ok)
                    .detail(json!({ "allowed": allow })),
            )
        })?;
    Ok(())
}

/// Connects the clinic's first desktop to a sync server: makes the clinic key, enrols the
/// clinic with the server's enrolment token, and keeps the device token. Then syncs once.
pub fn connect_with(
    tend: &Tend,
    session: &Session,
    req: &ConnectRequest<'_>,
) -> Result<SyncStatusDto> {
    tend.authorize(session, Action::SyncManage)?;
    let enrol_token = req.enrol_token;
    let server = check_server(req.server, req.insecure_http)?;
    let pin = match req.pin.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => {
            Some(tend_sync::pin::parse_pin(p).map_err(|e| refused(Some("pin"), e.to_string()))?)
        }
        None => None,
    };
    if setting(tend, keys::TOKEN)?.is_some() {
        return Err(refused(
            None,
            "this desktop is already connected to a sync server",
        ));
    }
    if enrol_token.trim().is_empty() {
        return Err(refused(
            Some("enrol_token"),
            "the server's enrolment token is needed to connect the clinic's first desktop",
        ));
    }
    // The key is kept (in the encrypted database) before the server is asked, so asking again
    // after a lost answer sends the same request, which the server then answers again.
    let key = match setting(tend, keys::PENDING_KEY)?
        .and_then(|hex| HEXLOWER.decode(hex.as_bytes()).ok())
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
    {
        Some(bytes) => ClinicKey::with(bytes, 0, KeyScheme::V2),
        None => {
            let key = ClinicKey::generate().map_err(|e| refused(None, e.to_string()))?;
            let hex = Zeroizing::new(HEXLOWER.encode(key.as_bytes()));
            tend.store()
                .set_sync_settings(&[(keys::PENDING_KEY, Some(&hex))])?;
            key
        }
    };
    let identity = tend.store().identity();
    let clinic = tend.store().read(|r| r.clinic())?;
    let anonymous = server_client(&server, None, pin.as_deref())?;
    let registered = retried(|| {
        anonymous.enrol(
            enrol_token.trim(),
            clinic.id.as_uuid(),
            key.id(),
            identity.device_id,
            identity.device_code.to_string(),
        )
    })
    .map_err(client_error)?;
    keep_clinic_keys(tend.store(), &KeyRing::new(vec![key]), tend.now())?;
    tend.store().set_sync_settings(&[
        (keys::SERVER, Some(&server)),
        (keys::TOKEN, Some(&registered.token)),
        (keys::CLINIC, Some(&clinic.id.to_string())),
        (keys::PENDING_KEY, None),
        (keys::PIN, pin.as_deref()),
        (
            keys::INSECURE,
            (req.insecure_http && server.starts_with("http://")).then_some("1"),
        ),
    ])?;
    ensure_device_key(tend.store(), tend.now())?;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(AuditEntry::new("sync.connect", Outcome::Ok).detail(json!({
                "server": server,
                "pinned": pin.is_some(),
                "insecure_http": req.insecure_http,
            })))
        })?;
    // The first round sends what the clinic already has; a failure here is shown as status.
    let _ = sync_now(tend, |_| {});
    status(tend, session)
}

pub fn pairing_code(tend: &Tend, session: &Session) -> Result<PairingCodeDto> {
    tend.authorize(session, Action::SyncManage)?;
    let ring = key_ring(tend.store())?;
    if ring.is_empty() {
        return Err(refused(
            None,
            "this desktop is not connected to a sync server",
        ));
    }
    let client = client(tend)?;
    let server = setting(tend, keys::SERVER)?.unwrap_or_default();
    let clinic = tend.store().read(|r| r.clinic())?;
    // The keys go to the server wrapped under a secret that only the code carries.
    let secret = tend_sync::keys::pairing_secret().map_err(|e| refused(None, e.to_string()))?;
    let wrapped = tend_sync::keys::wrap_ring(&secret, clinic.id.as_uuid(), &ring)
        .map_err(|e| refused(None, e.to_string()))?;
    let token = client.pairing(wrapped).map_err(client_error)?;
    let code = Pairing {
        server,
        token: token.pairing_token,
        clinic_id: clinic.id.as_uuid(),
        secret,
        pin: setting(tend, keys::PIN)?,
        insecure: setting(tend, keys::INSECURE)?.is_some(),
    }
    .encode();
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(AuditEntry::new("sync.pairing_code", Outcome::Ok))
        })?;
    Ok(PairingCodeDto {
        code,
        expires_at: token.expires_at,
    })
}

/// What joining an existing clinic asks for.
#[derive(Debug, Clone, Copy)]
pub struct JoinRequest<'a> {
    pub pairing_code: &'a str,
    pub device_name: &'a str,
    /// The passphrase that unlocks this desktop's own copy of the clinic.
    pub passphrase: &'a str,
}

#[derive(Debug)]
pub struct Joined {
    pub tend: Tend,
    pub recovery_key: Zeroizing<String>,
    pub keyring_saved: bool,
    pub round: Round,
}

/// Makes this desktop a copy of an existing clinic: registers it with the server using the
/// pairing code, creates its own encrypted database (its own key and passphrase), and pulls
/// everything. `progress` hears about each page.
pub fn join(
    dir: &Path,
    req: &JoinRequest<'_>,
    env: Environment,
    progress: impl FnMut(Progress),
) -> Result<Joined> {
    let pairing = Pairing::decode(req.pairing_code).map_err(|e| {
        refused(
            Some("pairing_code"),
            e.to_string().replace("pairing_code: ", ""),
        )
    })?;
    let device_name = tend_domain::error::required_text("device_name", req.device_name, 60)?;
    check_passphrase(req.passphrase)?;
    let paths = DataPaths::new(dir);
    if paths.exists() {
        return Err(StoreError::AlreadyExists(dir.to_owned()).into());
    }
    let server = check_server(&pairing.server, pairing.insecure)?;
    let anonymous = server_client(&server, None, pairing.pin.as_deref())?;
    let device_id = DeviceId::new();
    // The device code must be unique in the clinic; the server says when it is taken.
    let mut attempt = 0;
    let (registered, code) = loop {
        let code = DeviceCode::from_random(random_bytes()?);
        match retried(|| anonymous.register(&pairing.token, device_id, code.to_string())) {
            Ok(r) => break (r, code),
            Err(ClientError::Refused { message, .. })
                if message.starts_with("code:") && attempt < 20 =>
            {
                attempt += 1;
            }
            Err(e) => return Err(client_error(e)),
        }
    };
    if registered.clinic_id != pairing.clinic_id {
        return Err(refused(
            Some("pairing_code"),
            "the pairing code and the server disagree about the clinic",
        ));
    }
    let ring = registered
        .wrapped_keys
        .as_deref()
        .and_then(|w| tend_sync::keys::unwrap_ring(&pairing.secret, pairing.clinic_id, w).ok())
        .ok_or_else(|| {
            refused(
                Some("pairing_code"),
                "this pairing code was already used or has expired; ask the admin for a new one",
            )
        })?;
    let secret = DeviceSecret::generate().map_err(|e| refused(None, e.to_string()))?;
    let identity = Identity {
        database_id: DatabaseId::new(),
        device_id,
        device_code: code,
    };
    let (key, recovery) =
        crate::clinic::new_key_slots(&paths, identity.database_id, req.passphrase)?;
    let now = env.clock.now();
    let (store, ()) = Store::create(&paths, &key, identity, WriteCtx { user: None, now }, |tx| {
        let fields: Fields = [
            ("code".to_owned(), Value::from(code.to_string())),
            ("name".to_owned(), Value::from(device_name.clone())),
            ("public_key".to_owned(), Value::from(secret.public())),
        ]
        .into();
        tx.create(Entity::Device, device_id, fields)?;
        tx.audit(
            AuditEntry::new("sync.join", Outcome::Ok)
                .detail(json!({ "device_code": code.to_string(), "server": server })),
        )
    })
    .map_err(CoreError::from)?;
    keep_clinic_keys(&store, &ring, now)?;
    let secret_hex = Zeroizing::new(HEXLOWER.encode(&secret.to_bytes()[..]));
    store.set_sync_settings(&[
        (keys::SERVER, Some(&server)),
        (keys::TOKEN, Some(&registered.token)),
        (keys::CLINIC, Some(&pairing.clinic_id.to_string())),
        (keys::DEVICE_SECRET, Some(&secret_hex)),
        (keys::PIN, pairing.pin.as_deref()),
        (keys::INSECURE, pairing.insecure.then_some("1")),
    ])?;
    let tend = Tend::new(store, env.clone());
    let round = match sync_now(&tend, progress) {
        Ok(round) => round,
        Err(e) => {
            // Without the clinic's records this copy is of no use, and keeping it would leave
            // a desktop that cannot sign anyone in: nothing stays, and the person starts again.
            drop(tend);
            if let Err(removal) = paths.discard_new_clinic() {
                tracing::error!(error = %removal, "a failed join could not be cleaned up");
            }
            return Err(refused(
                None,
                format!(
                    "the clinic's records could not be received ({e}); nothing was kept on this \
                     computer. Ask the administrator for a new pairing code and try again"
                ),
            ));
        }
    };
    let keyring_saved = env.keyring.set(identity.database_id, &key).is_ok();
    Ok(Joined {
        tend,
        recovery_key: recovery.display(),
        keyring_saved,
        round,
    })
}

fn sync_round(tend: &Tend, progress: impl FnMut(Progress)) -> Result<Round> {
    if setting(tend, keys::ANNOUNCE)?.is_some() {
        announce(tend)?;
    }
    // A desktop from before key rotation makes its key pair at its first round.
    ensure_device_key(tend.store(), tend.now())?;
    let client = client(tend)?;
    round_with(
        tend.store(),
        tend.env.clock.as_ref(),
        &client,
        PAGE,
        progress,
    )
    .map_err(sync_error)
}

/// A desktop restored from a backup took a new device identity; the server learns it from the
/// old token, which then stops working.
fn announce(tend: &Tend) -> Result<()> {
    let identity = tend.store().identity();
    let client = client(tend)?;
    let registered =
        retried(|| client.announce(identity.device_id, identity.device_code.to_string()))
            .map_err(client_error)?;
    tend.store().set_sync_settings(&[
        (keys::TOKEN, Some(&registered.token)),
        (keys::ANNOUNCE, None),
    ])?;
    tracing::info!(device = %identity.device_id, "announced the restored desktop as a new device");
    Ok(())
}

/// A new identity for a restored copy: a new device id and a device code unlike `old`.
pub(crate) fn new_device_identity(old: DeviceCode) -> Result<(DeviceId, DeviceCode)> {
    loop {
        let code = DeviceCode::from_random(random_bytes()?);
        if code != old {
            return Ok((DeviceId::new(), code));
        }
    }
}

/// This desktop and the desktops it succeeded after earlier restores: a backup of any of them
/// is a backup of this desktop.
pub(crate) fn lineage(store: &Store) -> Result<Vec<DeviceId>> {
    let mut ids = vec![store.identity().device_id];
    if let Some(json) = store.sync_setting(keys::PREDECESSORS)? {
        let earlier: Vec<DeviceId> = serde_json::from_str(&json)
            .map_err(|_| CoreError::Store(StoreError::Corrupt("sync predecessors".into())))?;
        ids.extend(earlier);
    }
    Ok(ids)
}

/// Gives a desktop whose identity a restore changed its device record, once: right after the
/// restore, or at the next opening if the computer stopped in between (the identity itself
/// was written into the restored copy before it replaced the database). Named like the desktop
/// it succeeded.
pub(crate) fn ensure_device_record(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let me = store.identity();
    if store.read(|r| r.device_name(me.device_id))?.is_some() {
        return Ok(());
    }
    let predecessors = lineage(store)?;
    let Some(previous) = predecessors.last().filter(|p| **p != me.device_id) else {
        return Ok(());
    };
    let name = store
        .read(|r| r.device_name(*previous))?
        .unwrap_or_default();
    let was = store
        .read(|r| r.device_code_of(*previous))?
        .unwrap_or_default();
    store.write(WriteCtx { user: None, now }, |tx| {
        let fields: Fields = [
            ("code".to_owned(), Value::from(me.device_code.to_string())),
            ("name".to_owned(), Value::from(name.clone())),
        ]
        .into();
        tx.create(Entity::Device, me.device_id, fields)?;
        tx.audit(
            AuditEntry::new("sync.new_identity", Outcome::Ok).detail(json!({
                "device_code": me.device_code.to_string(),
                "was": was,
            })),
        )
    })?;
    Ok(())
}

/// One sync round (no session: the app runs it in the background). The outcome is kept for
/// the status badge; an error names what to do, never a patient.
pub fn sync_now(tend: &Tend, progress: impl FnMut(Progress)) -> Result<Round> {
    let outcome = unpanicked(|| {
        let round = sync_round(tend, progress)?;
        if round.manager {
            manage_keys(tend)?;
        }
        Ok(round)
    });
    let now = tend
        .now()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let _ = match &outcome {
        Ok(round) => {
            tracing::info!(
                pushed = round.pushed,
                pulled = round.pulled,
                cursor = round.cursor,
                "sync round"
            );
            tend.store()
                .set_sync_settings(&[(keys::LAST_OK, Some(&now)), (keys::LAST_ERROR, None)])
        }
        Err(e) => {
            tracing::warn!(error = %e, "sync round failed");
            let message = format!("{now} {e}");
            tend.store()
                .set_sync_settings(&[(keys::LAST_ERROR, Some(&message))])
        }
    };
    outcome
}

/// A request to the server asked again, the same, when the answer was lost on the way (the
/// server may have done it: enrolment, registration and announcement answer a repeat), a
/// couple of times with a short pause.
fn retried<T>(
    mut ask: impl FnMut() -> std::result::Result<T, ClientError>,
) -> std::result::Result<T, ClientError> {
    let mut pause = std::time::Duration::from_millis(200);
    for _ in 0..3 {
        match ask() {
            Err(e) if e.is_transient() => {
                tracing::info!(error = %e, "asking the sync server again");
                std::thread::sleep(pause);
                pause *= 3;
            }
            other => return other,
        }
    }
    ask()
}

/// Runs a round so that a panic inside it (a bug, a library's) ends that round with an error the
/// badge shows, and never the sync of the rest of the session.
fn unpanicked<T>(round: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(round)).unwrap_or_else(|_| {
        tracing::error!("a sync round panicked; the next round will try again");
        Err(refused(
            None,
            "an internal error stopped this sync round; the next round will try again",
        ))
    })
}

/// Whether this desktop syncs at all (for the background loop).
pub fn is_configured(tend: &Tend) -> bool {
    matches!(setting(tend, keys::TOKEN), Ok(Some(_)))
}

pub fn status(tend: &Tend, session: &Session) -> Result<SyncStatusDto> {
    tend.authorize(session, Action::SyncView)?;
    status_unchecked(tend)
}

pub(crate) fn status_unchecked(tend: &Tend) -> Result<SyncStatusDto> {
    let store = tend.store();
    let (cursor, _) = store.sync_position()?;
    let conflicts = store.conflicts()?;
    Ok(SyncStatusDto {
        configured: setting(tend, keys::TOKEN)?.is_some(),
        server: setting(tend, keys::SERVER)?,
        device_code: store.identity().device_code.to_string(),
        last_ok: setting(tend, keys::LAST_OK)?,
        last_error: setting(tend, keys::LAST_ERROR)?,
        pending: store.pending_changes()?,
        cursor,
        conflicts: conflicts.len() as u64,
        safety_conflicts: conflicts.iter().filter(|c| c.safety).count() as u64,
        problems: problems(store)?,
        insecure: setting(tend, keys::SERVER)?.is_some_and(|s| s.starts_with("http://"))
            && setting(tend, keys::SERVER)?.is_some_and(|s| !is_loopback(&s)),
        pinned: setting(tend, keys::PIN)?.is_some(),
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// What is wrong with sync, in words for the badge and the sync screen.
pub fn problems(store: &Store) -> Result<Vec<SyncProblemDto>> {
    let mut out = Vec::new();
    for hole in store.sequence_holes()? {
        if hole.rounds < HOLE_ROUNDS {
            continue;
        }
        let device = store.device_label(hole.device)?;
        out.push(SyncProblemDto {
            kind: "missing",
            serious: true,
            message: format!(
                "The sync server has not sent change {} of desktop {device}, though it sent \
                 later ones ({} rounds so far): this desktop may be missing its work. Ask whoever \
                 runs the sync server to check it; an admin can then have this desktop fetch \
                 everything again from the Sync screen.",
                hole.missing_from, hole.rounds
            ),
        });
    }
    let quarantine = store.quarantine()?;
    if !quarantine.is_empty() {
        let mut devices: Vec<String> = Vec::new();
        for q in &quarantine {
            let label = store.device_label(q.device_id)?;
            if !devices.contains(&label) {
                devices.push(label);
            }
        }
        out.push(SyncProblemDto {
            kind: "quarantine",
            serious: true,
            message: format!(
                "{} from desktop {} did not open here and {} set aside; everything else arrived. Tend \
                 tries them again at every sync; an admin can see them on the Sync screen.",
                plural(quarantine.len(), "change", "changes"),
                devices.join(", "),
                if quarantine.len() == 1 { "was" } else { "were" },
            ),
        });
    }
    if let Some(server) = store.sync_setting(keys::SERVER)?
        && server.starts_with("http://")
        && !is_loopback(&server)
        && store.sync_setting(keys::INSECURE)?.is_none()
    {
        out.push(SyncProblemDto {
            kind: "plain_http",
            serious: true,
            message: "This desktop does not sync: its server address is plain http://, which \
                      would send its sync token unencrypted over the network. An admin can give \
                      the server a certificate (https://), or allow an insecure local network."
                .into(),
        });
    }
    if store.sync_setting(keys::ROTATE_DUE)?.is_some() {
        out.push(SyncProblemDto {
            kind: "key_change",
            serious: true,
            message: "A desktop was revoked, but the clinic key has not been changed yet: until \
                      it is, that desktop could still read what is sent. This desktop changes it \
                      at its next sync with the server."
                .into(),
        });
    }
    if let Some(ahead) = store.clock_ahead()? {
        let device = store.device_label(ahead.device)?;
        let days = ahead.ahead_ms / (24 * 3600 * 1000);
        out.push(SyncProblemDto {
            kind: "clock_ahead",
            serious: false,
            message: format!(
                "The clock of desktop {device} is {} ahead of this desktop's. Its changes were \
                 kept; set the date and time on both desktops.",
                plural(days as usize, "day", "days")
            ),
        });
    }
    Ok(out)
}

/// Has the next round pull every change of the clinic again (admins only): for a change the
/// server held back, or one damaged on the way.
pub fn pull_everything_again(tend: &Tend, session: &Session) -> Result<()> {
    tend.authorize(session, Action::SyncManage)?;
    tend.store()
        .pull_everything_again(tend.ctx(Some(session.user_id())))?;
    Ok(())
}

/// The envelopes this desktop set aside because they did not open (admins only).
pub fn quarantine(tend: &Tend, session: &Session) -> Result<Vec<QuarantinedDto>> {
    tend.authorize(session, Action::SyncManage)?;
    let store = tend.store();
    store
        .quarantine()?
        .into_iter()
        .map(|q| {
            Ok(QuarantinedDto {
                cursor: q.cursor,
                change_id: q.change_id.to_string(),
                device: store.device_label(q.device_id)?,
                device_seq: q.device_seq,
                reason: q.reason,
                at: q.at,
            })
        })
        .collect()
}

fn show(value: &Value) -> String {
    match value {
        Value::Null => "(empty)".into(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::Int(i) => i.to_string(),
        Value::Text(t) => t.clone(),
    }
}

/// The fields two desktops changed at once and nobody has settled, safety list first.
pub fn conflicts(tend: &Tend, session: &Session) -> Result<Vec<SyncConflictDto>> {
    tend.authorize(session, Action::SyncView)?;
    let list = tend.store().conflicts()?;
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        // Everyone learns that a record is in conflict; its values follow the permission
        // table (a receptionist does not read a draft note or a user's roles through sync).
        let shown = match conflict_access(c.entity, &c.field).see {
            None => Shown::Never,
            Some(action) if tend.authorize_quietly(session, action) => Shown::Values,
            Some(_) => Shown::NotToYou,
        };
        let access = conflict_access(c.entity, &c.field);
        let can_settle = tend.authorize_quietly(session, access.settle)
            && access
                .see
                .is_none_or(|a| tend.authorize_quietly(session, a));
        let mut dto = conflict_dto(tend, &c, shown)?;
        dto.can_settle = can_settle;
        out.push(dto);
    }
    crate::audit::record_read(
        tend,
        session,
        AuditEntry::new("sync.conflicts_read", Outcome::Ok)
            .detail(json!({ "conflicts": out.len() })),
    )?;
    Ok(out)
}

/// How much of a conflict's values a person sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Values,
    /// Their role may not read this field.
    NotToYou,
    /// Nobody reads it (a password hash).
    Never,
}

fn conflict_dto(tend: &Tend, c: &ConflictRecord, shown: Shown) -> Result<SyncConflictDto> {
    let patient_id = tend.store().read(|r| r.patient_of(c.entity, c.record_id))?;
    let record = match patient_id {
        Some(id) => tend
            .store()
            .read(|r| r.patient(tend_domain::patient::PatientId::from_uuid(id)))?,
        None => None,
    };
    let patient = record.as_ref().map(|p| p.demographics.display_name());
    let mrn = record.as_ref().map(|p| p.mrn.to_string());
    let mut values = Vec::new();
    for (i, h) in c.heads.iter().enumerate() {
        let (by, device) = tend.store().read(|r| r.change_author(h.change_id))?;
        values.push(ConflictValueDto {
            change_id: h.change_id.to_string(),
            value: match shown {
                Shown::Values => show(&h.value),
                Shown::NotToYou => "(not shown: your role may not read this)".into(),
                Shown::Never => format!("changed on both desktops ({})", i + 1),
            },
            by,
            device,
            at: h.hlc.wall_ms.to_string(),
            shown: i == 0,
        });
    }
    Ok(SyncConflictDto {
        id: c.id.to_string(),
        entity: c.entity.as_str().to_owned(),
        record_id: c.record_id.to_string(),
        patient_id: patient_id.map(|p| p.to_string()),
        patient,
        mrn,
        field: c.field.clone(),
        safety: c.safety,
        can_settle: false,
        values,
    })
}

/// Settles a conflict by choosing one of its values: an edit that replaces every value the
/// field holds, synced like any other. A safety-list field needs a clinician.
pub fn resolve(tend: &Tend, session: &Session, conflict_id: &str, change_id: &str) -> Result<()> {
    tend.authorize(session, Action::ConflictResolve)?;
    let list = tend.store().conflicts()?;
    let conflict = list
        .iter()
        .find(|c| c.id.to_string() == conflict_id.trim())
        .ok_or_else(|| {
            refused(
                Some("conflict"),
                "this conflict is already settled (perhaps on another desktop)",
            )
        })?;
    // Settling needs the permission to write the field, and to see what is chosen between.
    let access = conflict_access(conflict.entity, &conflict.field);
    if let Some(see) = access.see {
        tend.authorize(session, see)?;
    }
    tend.authorize(session, access.settle)?;
    let chosen: ChangeId = crate::ids::parse_id("value", "one of the values shown", change_id)?;
    let head = conflict
        .heads
        .iter()
        .find(|h| h.change_id == chosen)
        .ok_or_else(|| refused(Some("value"), "choose one of the values shown"))?;
    let entity = conflict.entity;
    let record = conflict.record_id;
    let field = conflict.field.clone();
    let value = head.value.clone();
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.settle(entity, record, &field, value)?;
            tx.audit(
                AuditEntry::new("sync.resolve", Outcome::Ok)
                    .record(entity, record)
                    .detail(json!({ "field": field, "conflict": conflict_id })),
            )
        })?;
    Ok(())
}

/// Stops this desktop syncing: forgets the server, its token and the clinic key. The records
/// stay; pairing again (or connecting as the first desktop) starts over.
pub fn disconnect(tend: &Tend, session: &Session) -> Result<()> {
    tend.authorize(session, Action::SyncManage)?;
    tend.store().set_sync_settings(&[
        (keys::SERVER, None),
        (keys::TOKEN, None),
        (keys::CLINIC, None),
        (keys::LAST_ERROR, None),
        (keys::ROTATE_DUE, None),
        (keys::PIN, None),
        (keys::INSECURE, None),
    ])?;
    tend.store().forget_clinic_keys()?;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(AuditEntry::new("sync.disconnect", Outcome::Ok))
        })?;
    Ok(())
}

pub fn devices(tend: &Tend, session: &Session) -> Result<Vec<DeviceDto>> {
    tend.authorize(session, Action::SyncManage)?;
    let listed = client(tend)?.devices().map_err(client_error)?;
    let me = tend.store().identity().device_id;
    let mut out = Vec::new();
    for d in listed.devices {
        let name = tend.store().read(|r| r.device_name(d.device_id))?;
        out.push(DeviceDto {
            device_id: d.device_id.to_string(),
            code: d.code,
            name,
            registered_at: d.registered_at,
            revoked_at: d.revoked_at,
            last_seen_at: d.last_seen_at,
            this_desktop: d.device_id == me,
            manager: d.manager,
        });
    }
    Ok(out)
}

/// The devices this desktop revoked (never granted a key again, whatever the server says).
fn revoked_here(tend: &Tend) -> Result<Vec<DeviceId>> {
    Ok(setting(tend, keys::REVOKED)?
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Grants of `key` for `devices`, from the public keys in their device records (which sync
/// sealed, so the server cannot substitute one). Devices whose record has no public key yet are
/// left out: a manager desktop grants them once it arrives.
fn grants_for(
    tend: &Tend,
    key: &ClinicKey,
    clinic: Uuid,
    devices: impl IntoIterator<Item = DeviceId>,
) -> Result<(Vec<tend_sync::protocol::Grant>, usize)> {
    let mut grants = Vec::new();
    let mut without = 0;
    for device in devices {
        match tend.store().read(|r| r.device_public_key(device))? {
            Some(public) => match tend_sync::keys::grant(key, clinic, device, &public) {
                Ok(grant) => grants.push(tend_sync::protocol::Grant {
                    device_id: device,
                    grant,
                }),
                Err(e) => {
                    tracing::warn!(%device, error = %e, "a desktop's public key is not usable");
                    without += 1;
                }
            },
            None => without += 1,
        }
    }
    Ok((grants, without))
}

/// Makes the clinic's next key and grants it to every desktop still in the clinic: from then on
/// the server takes changes only under it, and a revoked desktop, which gets no grant, cannot
/// open anything sealed after. Nothing is pushed first (what is waiting goes out under the new
/// key); a desktop whose public key has not arrived here yet is granted the key later by a
/// manager desktop's round.
fn rotate(tend: &Tend, user: Option<tend_domain::UserId>) -> Result<u32> {
    let client = client(tend)?;
    let mut hello = client.hello().map_err(client_error)?;
    if key_ring(tend.store())?.find(&hello.key_id).is_none() {
        // This desktop lacks the current key: a round fetches its grant first.
        sync_round(tend, |_| {})?;
        hello = client.hello().map_err(client_error)?;
    }
    if !hello.manager {
        return Err(refused(
            None,
            "only a desktop allowed to manage the clinic's desktops may change the clinic key; \
             an admin can allow this one from a desktop that is",
        ));
    }
    let clinic = hello.clinic_id;
    let epoch = hello.key_epoch + 1;
    let mut ring = key_ring(tend.store())?;
    // A key made for this epoch by an attempt whose answer was lost is offered again.
    let key = match ring.of_epoch(epoch) {
        Some(k) => k.clone(),
        None => {
            let k = ClinicKey::generate_epoch(epoch).map_err(|e| refused(None, e.to_string()))?;
            ring.insert(k.clone());
            // Kept before the server hears of it: a key the server takes is never lost here.
            keep_clinic_keys(tend.store(), &KeyRing::new(vec![k.clone()]), tend.now())?;
            k
        }
    };
    let me = tend.store().identity().device_id;
    let revoked = revoked_here(tend)?;
    let listed = client.devices().map_err(client_error)?;
    let stay = listed
        .devices
        .iter()
        .filter(|d| d.revoked_at.is_none() && d.device_id != me && !revoked.contains(&d.device_id))
        .map(|d| d.device_id);
    let (grants, without) = grants_for(tend, &key, clinic, stay)?;
    let granted = grants.len();
    retried(|| {
        client.rotate(&tend_sync::protocol::RotateRequest {
            v: tend_sync::protocol::VERSION,
            epoch,
            key_id: key.id(),
            grants: grants.clone(),
        })
    })
    .map_err(client_error)?;
    tend.store()
        .set_sync_settings(&[(keys::ROTATE_DUE, None)])?;
    tend.store().write(tend.ctx(user), |tx| {
        tx.audit(AuditEntry::new("sync.rotate", Outcome::Ok).detail(json!({
            "epoch": epoch,
            "granted": granted,
            "waiting": without,
        })))
    })?;
    tracing::info!(
        epoch,
        granted,
        waiting = without,
        "the clinic key was changed"
    );
    Ok(epoch)
}

/// Changes the clinic key now (admins, on a manager desktop).
pub fn rotate_key(tend: &Tend, session: &Session) -> Result<RotatedDto> {
    tend.authorize(session, Action::SyncManage)?;
    Ok(RotatedDto {
        epoch: rotate(tend, Some(session.user_id()))?,
    })
}

/// On a manager desktop, after a round: changes the key if a revocation left that to do, and
/// grants the current key to desktops that lack it (those whose public key arrived late).
fn manage_keys(tend: &Tend) -> Result<()> {
    if setting(tend, keys::ROTATE_DUE)?.is_some() {
        rotate(tend, None)?;
        return Ok(());
    }
    let client = client(tend)?;
    let missing = client.missing_grants().map_err(client_error)?;
    if missing.devices.is_empty() {
        return Ok(());
    }
    let ring = key_ring(tend.store())?;
    let Some(key) = ring.find(&missing.key_id) else {
        return Ok(());
    };
    let revoked = revoked_here(tend)?;
    let clinic: Uuid = setting(tend, keys::CLINIC)?
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| refused(None, "this desktop has no clinic sync id"))?;
    let wanting = missing.devices.into_iter().filter(|d| !revoked.contains(d));
    let (grants, _) = grants_for(tend, key, clinic, wanting)?;
    if grants.is_empty() {
        return Ok(());
    }
    let n = grants.len();
    client
        .add_grants(&tend_sync::protocol::GrantRequest {
            v: tend_sync::protocol::VERSION,
            epoch: missing.epoch,
            grants,
        })
        .map_err(client_error)?;
    tracing::info!(
        granted = n,
        "granted the clinic key to desktops that lacked it"
    );
    Ok(())
}

/// Lets another desktop pair desktops, revoke them and change the clinic key.
pub fn allow_managing(tend: &Tend, session: &Session, device_id: &str) -> Result<()> {
    tend.authorize(session, Action::SyncManage)?;
    let device: DeviceId = crate::ids::parse_id("device", "a desktop of the clinic", device_id)?;
    client(tend)?.make_manager(device).map_err(client_error)?;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(
                AuditEntry::new("sync.allow_managing", Outcome::Ok)
                    .detail(json!({ "device": device.to_string() })),
            )
        })?;
    Ok(())
}

/// Revokes a desktop at the server (its token and the pairing codes it made stop working) and
/// changes the clinic key, so it cannot open anything sealed after. If the key cannot be
/// changed at once, this desktop does it at its next sync, and the badge says so meanwhile.
pub fn revoke(tend: &Tend, session: &Session, device_id: &str) -> Result<()> {
    tend.authorize(session, Action::SyncManage)?;
    let device: DeviceId = crate::ids::parse_id("device", "a desktop of the clinic", device_id)?;
    if device == tend.store().identity().device_id {
        return Err(refused(
            Some("device"),
            "this desktop cannot revoke itself; revoke it from another desktop",
        ));
    }
    client(tend)?.revoke(device).map_err(client_error)?;
    let mut revoked = revoked_here(tend)?;
    if !revoked.contains(&device) {
        revoked.push(device);
    }
    let json = serde_json::to_string(&revoked).map_err(|e| refused(None, e.to_string()))?;
    tend.store().set_sync_settings(&[
        (keys::REVOKED, Some(&json)),
        (keys::ROTATE_DUE, Some("revoked")),
    ])?;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(
                AuditEntry::new("sync.revoke", Outcome::Ok)
                    .detail(json!({ "device": device.to_string() })),
            )
        })?;
    if let Err(e) = rotate(tend, Some(session.user_id())) {
        tracing::warn!(error = %e, "the clinic key could not be changed after a revocation; the next sync will");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
                matches!(&err, CoreError::Refused { field: Some("server"), message } if message.contains("insecure local network")),
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
