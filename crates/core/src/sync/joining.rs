//! Connecting the first desktop to a server, pairing codes, and joining the others to the clinic.

use std::path::Path;
use tend_domain::Words;

use data_encoding::HEXLOWER;
use serde_json::json;
use tend_domain::user::check_passphrase;
use tend_domain::words;
use tend_domain::{Action, DatabaseId, DeviceCode, DeviceId, Entity, Fields, Value};
use tend_store::key::random_bytes;
use tend_store::sync::keys;
use tend_store::{AuditEntry, DataPaths, Identity, Outcome, Store, StoreError, WriteCtx};
use tend_sync::{
    ClientError, ClinicKey, DeviceSecret, KeyRing, KeyScheme, Pairing, Progress, Round,
};
use zeroize::Zeroizing;

use crate::api::{PairingCodeDto, SyncStatusDto};
use crate::{CoreError, Environment, Result, Session, Tend};

use super::rounds::retried;
use super::{
    client, client_error, ensure_device_key, keep_clinic_keys, key_ring, refused, server_client,
    setting, status, sync_now,
};

/// Whether a server address names this computer (where plain http never leaves it).
pub(super) fn is_loopback(url: &str) -> bool {
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
pub(super) fn check_server(url: &str, insecure_allowed: bool) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let (plain, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (false, rest),
        (None, Some(rest)) => (true, rest),
        _ => (false, ""),
    };
    if rest.is_empty() || rest.contains(char::is_whitespace) || rest.len() > 300 {
        return Err(refused(
            "bad_server_address",
            Some("server"),
            "the server address starts with https:// and names the server, like \
             https://sync.example.org",
        ));
    }
    if plain && !insecure_allowed && !is_loopback(url) {
        return Err(refused(
            "plain_http",
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
        Some(p) => Some(
            tend_sync::pin::parse_pin(p)
                .map_err(|e| refused("bad_pin", Some("pin"), Words::verbatim(e.to_string())))?,
        ),
        None => None,
    };
    if setting(tend, keys::TOKEN)?.is_some() {
        return Err(refused(
            "already_connected",
            None,
            "this desktop is already connected to a sync server",
        ));
    }
    if enrol_token.trim().is_empty() {
        return Err(refused(
            "enrol_token_needed",
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
            let key = ClinicKey::generate()
                .map_err(|e| refused("random_failed", None, Words::verbatim(e.to_string())))?;
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
            "not_connected",
            None,
            "this desktop is not connected to a sync server",
        ));
    }
    let client = client(tend)?;
    let server = setting(tend, keys::SERVER)?.unwrap_or_default();
    let clinic = tend.store().read(|r| r.clinic())?;
    // The keys go to the server wrapped under a secret that only the code carries.
    let secret = tend_sync::keys::pairing_secret()
        .map_err(|e| refused("random_failed", None, Words::verbatim(e.to_string())))?;
    let wrapped = tend_sync::keys::wrap_ring(&secret, clinic.id.as_uuid(), &ring)
        .map_err(|e| refused("random_failed", None, Words::verbatim(e.to_string())))?;
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
            "bad_pairing_code",
            Some("pairing_code"),
            Words::verbatim(e.to_string().replace("pairing_code: ", "")),
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
            "pairing_clinic_mismatch",
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
                "pairing_code_used",
                Some("pairing_code"),
                "this pairing code was already used or has expired; ask the admin for a new one",
            )
        })?;
    let secret = DeviceSecret::generate()
        .map_err(|e| refused("random_failed", None, Words::verbatim(e.to_string())))?;
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
                "join_failed",
                None,
                words!(
                    "the clinic's records could not be received ({e}); nothing was kept on this \
                     computer. Ask the administrator for a new pairing code and try again",
                    e = e
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
