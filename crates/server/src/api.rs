//! The HTTP handlers of protocol v1. Logs name devices, clinics, counts and cursors; the
//! changes themselves are sealed and only ever stored and returned as they came.

use std::fmt::Write as _;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use data_encoding::BASE64URL_NOPAD;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use sqlx::Row;
use subtle::ConstantTimeEq;
use tend_sync::protocol::{
    AnnounceRequest, DeviceId, DeviceInfo, Devices, EnrolRequest, Grant, GrantRequest, Grants,
    Hello, KeyGrant, MAX_PAGE, MissingGrants, PairingRequest, PairingToken, PullRequest,
    PushRequest, PushResponse, RegisterRequest, Registered, RotateRequest, VERSION,
};
use uuid::Uuid;

use crate::{ApiError, AppState};

/// A pulled page stops growing past this many bytes of envelopes, whatever the limit asked.
const MAX_PAGE_BYTES: usize = 8 << 20;

pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let guarded = state.clone();
    Router::new()
        .route("/health", get(health))
        .route("/v1/hello", get(hello))
        .route("/v1/push", post(push))
        .route("/v1/pull", post(pull))
        .route("/v1/clinics", post(enrol))
        .route("/v1/pairings", post(pairing))
        .route("/v1/register", post(register))
        .route("/v1/announce", post(announce))
        .route("/v1/devices", get(devices))
        .route("/v1/devices/{id}/revoke", post(revoke))
        .route("/v1/devices/{id}/manager", post(make_manager))
        .route("/v1/keys", post(rotate))
        .route("/v1/keys/grants", get(grants).post(add_grants))
        .route("/v1/keys/missing", get(missing_grants))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(guarded, guard))
        .with_state(state)
}

/// In front of every route: the caller's address is counted against its own bucket, and the
/// whole request (its body read included) must be done within the request timeout.
async fn guard(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let ip = peer(&request);
    if !state.limits.address(ip) {
        return ApiError::RateLimited.into_response();
    }
    let mut request = request;
    request.extensions_mut().insert(Peer(ip));
    match tokio::time::timeout(state.config.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout.into_response(),
    }
}

/// The caller's address, as the connection gave it.
#[derive(Debug, Clone, Copy)]
struct Peer(std::net::IpAddr);

fn peer(request: &axum::extract::Request) -> std::net::IpAddr {
    request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip())
}

/// A device, as its bearer token identifies it.
struct Device {
    id: Uuid,
    clinic_id: Uuid,
    /// May pair desktops, revoke them, change the clinic key and make managers.
    manager: bool,
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn new_token(prefix: &str) -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|_| ApiError::BadRequest("the server's random source failed".into()))?;
    Ok(format!("{prefix}{}", BASE64URL_NOPAD.encode(&bytes)))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn anonymous(state: &AppState, ip: std::net::IpAddr) -> Result<(), ApiError> {
    if state.limits.anonymous(ip) {
        Ok(())
    } else {
        Err(ApiError::RateLimited)
    }
}

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
) -> Result<Device, ApiError> {
    let Some(token) = bearer(headers) else {
        anonymous(state, ip)?;
        return Err(ApiError::Unauthorized);
    };
    let token_hash = hash(token);
    let row = sqlx::query(
        "SELECT id, clinic_id, revoked_at, replaced_at, manager FROM device WHERE token_hash = $1",
    )
    .bind(&token_hash[..])
    .fetch_optional(&state.pool)
    .await?;
    let Some(row) = row else {
        anonymous(state, ip)?;
        return Err(ApiError::Unauthorized);
    };
    if !state.limits.device(&token_hash) {
        return Err(ApiError::RateLimited);
    }
    if row.get::<Option<DateTime<Utc>>, _>("revoked_at").is_some() {
        return Err(ApiError::Revoked);
    }
    if row.get::<Option<DateTime<Utc>>, _>("replaced_at").is_some() {
        return Err(ApiError::Replaced);
    }
    Ok(Device {
        id: row.get("id"),
        clinic_id: row.get("clinic_id"),
        manager: row.get("manager"),
    })
}

/// Pairing, revoking, changing the clinic key and making managers are for manager desktops.
fn require_manager(device: &Device) -> Result<(), ApiError> {
    if device.manager {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only a desktop allowed to manage the clinic's desktops may do this; an admin can \
             allow this one from a desktop that is"
                .into(),
        ))
    }
}

/// Reads a JSON body, turning every way it can be wrong into a sentence.
fn body<T: DeserializeOwned>(bytes: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = bytes.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge,
        _ => ApiError::BadRequest("the request body could not be read".into()),
    })?;
    // The parser's message would quote the request back; the log keeps its position only.
    serde_json::from_slice(&bytes).map_err(|e| {
        tracing::debug!(
            line = e.line(),
            column = e.column(),
            "a request body did not parse"
        );
        ApiError::BadRequest(
            "the request is not valid for this endpoint of protocol version 1".into(),
        )
    })
}

fn version(v: u32) -> Result<(), ApiError> {
    if v == VERSION {
        Ok(())
    } else {
        Err(ApiError::Version(v))
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn health(State(state): State<AppState>) -> Response {
    match sqlx::query("SELECT 1").execute(&state.pool).await {
        Ok(_) => Json(serde_json::json!({ "status": "ok" })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "database unavailable" })),
            )
                .into_response()
        }
    }
}

async fn hello(
    State(state): State<AppState>,
    axum::Extension(Peer(ip)): axum::Extension<Peer>,
    headers: HeaderMap,
) -> Result<Json<Hello>, ApiError> {
    let device = authenticate(&state, &headers, ip).await?;
    let row = sqlx::query(
        "UPDATE device SET last_seen_at = now() FROM clinic
         WHERE device.id = $1 AND clinic.id = device.clinic_id
         RETURNING clinic.key_id, clinic.key_epoch, clinic.next_cursor, device.acked_through",
    )
    .bind(device.id)
    .fetch_one(&state.pool)
    .await?;
    // A desktop that says hello has its registration answer, and with it the clinic keys its
    // pairing left: they are deleted, so the code that carried their secret now opens nothing.
    let dropped = sqlx::query(
        "UPDATE pairing SET wrapped_keys = NULL WHERE used_by = $1 AND wrapped_keys IS NOT NULL",
    )
    .bind(device.id)
    .execute(&state.pool)
    .await?
    .rows_affected();
    if dropped > 0 {
        tracing::info!(device = %device.id, "the keys left with a used pairing were deleted");
    }
    Ok(Json(Hello {
        v: VERSION,
        clinic_id: device.clinic_id,
        device_id: DeviceId::from_uuid(device.id),
        key_id: row.get("key_id"),
        acked_through: u64::try_from(row.get::<i64, _>("acked_through")).unwrap_or(0),
        head: u64::try_from(row.get::<i64, _>("next_cursor") - 1).unwrap_or(0),
        key_epoch: u32::try_from(row.get::<i32, _>("key_epoch")).unwrap_or(0),
        manager: device.manager,
    }))
}

async fn push(
    State(state): State<AppState>,
    axum::Extension(Peer(ip)): axum::Extension<Peer>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Json<PushResponse>, ApiError> {
    let device = authenticate(&state, &headers, ip).await?;
    let mut req: PushRequest = body(bytes)?;
    version(req.v)?;
    // A device pushes its own changes, or those of the devices it succeeded after a restore.
    let target = req.device_id.as_uuid();
    if target != device.id && !predecessors(&state, device.id).await?.contains(&target) {
        return Err(ApiError::Forbidden(
            "a device pushes only its own changes".into(),
        ));
    }
    if req.changes.len() > MAX_PAGE as usize {
        return Err(ApiError::BadRequest(format!(
            "a push carries at most {MAX_PAGE} changes"
        )));
    }
    req.changes.sort_by_key(|e| e.device_seq);
    for env in &req.changes {
        if env.device_id.as_uuid() != target {
            return Err(ApiError::Forbidden(format!(
                "change {} names another device",
                env.change_id
            )));
        }
        if env.device_seq == 0 {
            return Err(ApiError::BadRequest(format!(
                "change {} has sequence number 0; sequences start at 1",
                env.change_id
            )));
        }
        tend_sync::envelope::check_shape(env).map_err(|why| {
            ApiError::BadRequest(format!("change {} is not stored: {why}", env.change_id))
        })?;
    }

    let mut tx = state.pool.begin().await?;
    // The clinic's row lock orders pushes: cursors are handed out in commit order.
    let clinic = sqlx::query(
        "SELECT key_id, next_cursor, stored_bytes FROM clinic WHERE id = $1 FOR UPDATE",
    )
    .bind(device.clinic_id)
    .fetch_one(&mut *tx)
    .await?;
    let key_id: String = clinic.get("key_id");
    let mut next: i64 = clinic.get("next_cursor");
    let stored_bytes: i64 = clinic.get("stored_bytes");
    let mut seqs = Vec::with_capacity(req.changes.len());
    for env in &req.changes {
        if env.key_id != key_id {
            return Err(ApiError::Conflict(format!(
                "change {} is sealed with another clinic key than this clinic's ({key_id}); \
                 nothing was stored",
                env.change_id
            )));
        }
        seqs.push(
            i64::try_from(env.device_seq)
                .map_err(|_| ApiError::BadRequest("a sequence number is too large".into()))?,
        );
    }
    // What the server already holds under these numbers: the same change is a repeat (fine),
    // another change is a desktop restored from an older backup (refused, nothing stored).
    let held: Vec<(i64, Uuid)> = sqlx::query_as(
        "SELECT device_seq, change_id FROM change WHERE device_id = $1 AND device_seq = ANY($2)",
    )
    .bind(target)
    .bind(&seqs)
    .fetch_all(&mut *tx)
    .await?;
    let held: std::collections::HashMap<i64, Uuid> = held.into_iter().collect();
    let (mut cursors, mut ids, mut numbers, mut texts, mut sizes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for (env, seq) in req.changes.iter().zip(&seqs) {
        match held.get(seq) {
            Some(id) if *id == env.change_id.as_uuid() => continue,
            Some(_) => {
                return Err(ApiError::Conflict(format!(
                    "this server already holds another change numbered {} from this device: \
                     the desktop was restored from an older backup; nothing was stored",
                    env.device_seq
                )));
            }
            None => {}
        }
        if !seen.insert(*seq) {
            return Err(ApiError::BadRequest(format!(
                "change number {} appears twice in one push",
                env.device_seq
            )));
        }
        let text = serde_json::to_string(env)
            .map_err(|_| ApiError::BadRequest("a change could not be stored".into()))?;
        sizes.push(i32::try_from(text.len()).unwrap_or(i32::MAX));
        texts.push(text);
        cursors.push(next);
        ids.push(env.change_id.as_uuid());
        numbers.push(*seq);
        next += 1;
    }
    let stored = ids.len();
    let adding: i64 = sizes.iter().map(|s| i64::from(*s)).sum();
    if stored_bytes + adding > state.config.clinic_quota_bytes {
        tracing::warn!(clinic = %device.clinic_id, stored_bytes, adding, "a clinic's storage is full");
        return Err(ApiError::Full);
    }
    if stored > 0 {
        let inserted = sqlx::query(
            "INSERT INTO change (clinic_id, cursor, change_id, device_id, device_seq, envelope, size)
             SELECT $1, c, i, $2, s, e, z
             FROM UNNEST($3::bigint[], $4::uuid[], $5::bigint[], $6::text[], $7::int[])
                  AS t (c, i, s, e, z)
             ON CONFLICT (clinic_id, change_id) DO NOTHING",
        )
        .bind(device.clinic_id)
        .bind(target)
        .bind(&cursors)
        .bind(&ids)
        .bind(&numbers)
        .bind(&texts)
        .bind(&sizes)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted != stored as u64 {
            // Dropping the transaction rolls everything back, so no cursor is left unused.
            return Err(ApiError::Conflict(
                "a change of this push is already held under another sequence number; nothing \
                 was stored"
                    .into(),
            ));
        }
    }
    sqlx::query(
        "UPDATE clinic SET next_cursor = $2, stored_bytes = stored_bytes + $3 WHERE id = $1",
    )
    .bind(device.clinic_id)
    .bind(next)
    .bind(adding)
    .execute(&mut *tx)
    .await?;
    let acked = advance_acked(&mut tx, target).await?;
    tx.commit().await?;
    sqlx::query("UPDATE device SET last_seen_at = now() WHERE id = $1")
        .bind(device.id)
        .execute(&state.pool)
        .await?;
    tracing::info!(device = %device.id, of = %target, clinic = %device.clinic_id, received = req.changes.len(), stored, acked, "push");
    Ok(Json(PushResponse {
        v: VERSION,
        acked_through: u64::try_from(acked).unwrap_or(0),
    }))
}

/// The devices `device` succeeded, nearest first.
async fn predecessors(state: &AppState, device: Uuid) -> Result<Vec<Uuid>, ApiError> {
    let mut out = Vec::new();
    let mut at = device;
    while out.len() < 64 {
        let next: Option<Option<Uuid>> =
            sqlx::query_scalar("SELECT predecessor FROM device WHERE id = $1")
                .bind(at)
                .fetch_optional(&state.pool)
                .await?;
        match next.flatten() {
            Some(p) => {
                out.push(p);
                at = p;
            }
            None => break,
        }
    }
    Ok(out)
}

/// Moves a device's acknowledged number up over every sequence number now held without a gap.
async fn advance_acked(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    device: Uuid,
) -> Result<i64, ApiError> {
    let mut acked: i64 =
        sqlx::query_scalar("SELECT acked_through FROM device WHERE id = $1 FOR UPDATE")
            .bind(device)
            .fetch_one(&mut **tx)
            .await?;
    loop {
        let seqs: Vec<i64> = sqlx::query_scalar(
            "SELECT device_seq FROM change WHERE device_id = $1 AND device_seq > $2
             ORDER BY device_seq LIMIT 1000",
        )
        .bind(device)
        .bind(acked)
        .fetch_all(&mut **tx)
        .await?;
        let before = acked;
        for s in &seqs {
            if *s == acked + 1 {
                acked = *s;
            } else {
                break;
            }
        }
        if acked == before || seqs.len() < 1000 {
            break;
        }
    }
    sqlx::query("UPDATE device SET acked_through = $2 WHERE id = $1")
        .bind(device)
        .bind(acked)
        .execute(&mut **tx)
        .await?;
    Ok(acked)
}

async fn pull(
    State(state): State<AppState>,
    axum::Extension(Peer(ip)): axum::Extension<Peer>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let device = authenticate(&state, &headers, ip).await?;
    let req: PullRequest = body(bytes)?;
    version(req.v)?;
    if req.limit == 0 || req.limit > MAX_PAGE {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_PAGE}"
        )));
    }
    let after = i64::try_from(req.after)
        .map_err(|_| ApiError::BadRequest("the cursor is too large".into()))?;
    // The page is chosen from the stored sizes first, so no more than its byte budget (and at
    // least one change) is ever read from the table; then those envelopes are read.
    let sizes: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT cursor, (sum(size) OVER (ORDER BY cursor) - size)::bigint AS before
         FROM (SELECT cursor, size FROM change WHERE clinic_id = $1 AND cursor > $2
               ORDER BY cursor LIMIT $3) AS t
         ORDER BY cursor",
    )
    .bind(device.clinic_id)
    .bind(after)
    .bind(i64::from(req.limit) + 1)
    .fetch_all(&state.pool)
    .await?;
    let chosen = sizes
        .iter()
        .take(req.limit as usize)
        .enumerate()
        .take_while(|(i, (_, before))| *i == 0 || *before < MAX_PAGE_BYTES as i64)
        .count();
    let more = sizes.len() > chosen;
    let rows = match sizes.get(chosen.wrapping_sub(1)).filter(|_| chosen > 0) {
        None => Vec::new(),
        Some((last, _)) => {
            sqlx::query(
                "SELECT cursor, envelope FROM change
                 WHERE clinic_id = $1 AND cursor > $2 AND cursor <= $3 ORDER BY cursor",
            )
            .bind(device.clinic_id)
            .bind(after)
            .bind(*last)
            .fetch_all(&state.pool)
            .await?
        }
    };
    // The stored envelopes go out as they came, without being parsed again.
    let mut out = String::with_capacity(64 + rows.len() * 512);
    out.push_str("{\"v\":1,\"changes\":[");
    let mut sent = 0usize;
    for row in &rows {
        let cursor: i64 = row.get("cursor");
        let envelope: &str = row.get("envelope");
        if sent > 0 {
            out.push(',');
        }
        let _ = write!(out, "{{\"cursor\":{cursor},\"change\":{envelope}}}");
        sent += 1;
    }
    let _ = write!(out, "],\"more\":{more}}}");
    tracing::info!(device = %device.id, clinic = %device.clinic_id, after = req.after, sent, more, "pull");
    Ok(([(header::CONTENT_TYPE, "application/json")], out).into_response())
}

async fn enrol(
    State(state): State<AppState>,
    axum::Extension(Peer(ip)): axum::Extension<Peer>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    anonymous(&state, ip)?;
    let given = bearer(&headers).unwrap_or_default();
    let allowed = state
        .config
        .enrol_token
        .as_deref()
        .is_some_and(|t| bool::from(t.as_bytes().ct_eq(given.as_bytes())));
    if !allowed {
        return Err(ApiError::Forbidden(
            "enrolling a clinic needs this server's enrolment token".into(),
        ));
    }
    let req: EnrolRequest = body(bytes)?;
    version(req.v)?;
    check_code(&req.code)?;
    let token = new_token("tnd_")?;
    let mut tx = state.pool.begin().await?;
    let created =
        sqlx::query("INSERT INTO clinic (id, key_id) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING")
            .bind(req.clinic_id)
            .bind(&req.key_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if created == 0 {
        // The same desktop asking again (its answer was lost): the same clinic, key, device
        // and code get a new token, and the one it never received stops working.
        if reissue(
            &mut tx,
            req.device_id.as_uuid(),
            req.clinic_id,
            &req.code,
            &token,
        )
        .await?
            && same_key(&mut tx, req.clinic_id, &req.key_id).await?
        {
            tx.commit().await?;
            tracing::info!(clinic = %req.clinic_id, device = %req.device_id, "enrolment repeated");
            return Ok((
                StatusCode::CREATED,
                Json(Registered {
                    v: VERSION,
                    clinic_id: req.clinic_id,
                    device_id: req.device_id,
                    token,
                    wrapped_keys: None,
                }),
            ));
        }
        return Err(ApiError::Conflict(
            "this clinic is already enrolled here; pair this desktop from one that syncs".into(),
        ));
    }
    insert_device(
        &mut tx,
        req.device_id.as_uuid(),
        req.clinic_id,
        &req.code,
        &token,
        true,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(clinic = %req.clinic_id, device = %req.device_id, "clinic enrolled");
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            v: VERSION,
            clinic_id: req.clinic_id,
            device_id: req.device_id,
            token,
            wrapped_keys: None,
        }),
    ))
}

/// Gives `device` (of `clinic`, with `code`, neither revoked nor replaced) a new token, for a
/// request repeated because its answer was lost. False when there is no such device.
async fn reissue(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    device: Uuid,
    clinic: Uuid,
    code: &str,
    token: &str,
) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "UPDATE device SET token_hash = $4
         WHERE id = $1 AND clinic_id = $2 AND code = $3
           AND revoked_at IS NULL AND replaced_at IS NULL",
    )
    .bind(device)
    .bind(clinic)
    .bind(code)
    .bind(&hash(token)[..])
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(done == 1)
}

async fn same_key(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    clinic: Uuid,
    key_id: &str,
) -> Result<bool, ApiError> {
    let held: Option<String> = sqlx::query_scalar("SELECT key_id FROM clinic WHERE id = $1")
        .bind(clinic)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(held.is_some_and(|k| bool::from(k.as_bytes().ct_eq(key_id.as_bytes()))))
}

fn check_code(code: &str) -> Result<(), ApiError> {
    let ok = code.len() == 2
        && code.as_bytes()[0].is_ascii_uppercase()
        && code.as_bytes()[1].is_ascii_digit();
    if ok {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "code: a device code is a capital letter and a digit, like K7".into(),
        ))
    }
}

async fn insert_device(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    device: Uuid,
    clinic: Uuid,
    code: &str,
    token: &str,
    manager: bool,
) -> Result<(), ApiError> {
    let taken: Option<(Uuid, String)> = sqlx::query_as(
        "SELECT clinic_id, code FROM device WHERE id = $1 OR (clinic_id = $2 AND code = $3)",
    )
    .bind(device)
    .bind(clinic)
    .bind(code)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some((_, held)) = taken {
        return Err(if held == code {
            ApiError::Conflict(format!(
                "code: another desktop of this clinic already uses the code {code}"
            ))
        } else {
            ApiError::Conflict("this device is already registered".into())
        });
    }
    sqlx::query(
        "INSERT INTO device (id, clinic_id, code, token_hash, manager) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(device)
    .bind(clinic)
    .bind(code)
    .bind(&hash(token)[..])
    .bind(manager)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The most a pairing's wrapped keys may take (a clinic rotating its key daily for years fits).
const MAX_WRAPPED_KEYS: usize = 256 << 10;

fn check_wrapped(text: &str, field: &str) -> Result<(), ApiError> {
    let ok = !text.is_empty()
        && text.len() <= MAX_WRAPPED_KEYS
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "{field}: wrapped keys are base64url, at most {MAX_WRAPPED_KEYS} characters"
        )))
    }
}

/// Deletes expired pairings (with the keys they hold) and used ones an hour after use (a
/// desktop whose answer was lost asks again within that hour).
pub async fn purge_pairings(pool: &sqlx::PgPool) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "DELETE FROM pairing WHERE expires_at < now() OR used_at < now() - interval '1 hour'",
    )
    .execute(pool)
    .await?
    .rows_affected())
}

async fn pairing(
    State(state): State<AppState>,
    axum::Extension(Peer(ip)): axum::Extension<Peer>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<PairingToken>), ApiError> {
    let device = authenticate(&state, &headers, ip).await?;
    require_manager(&device)?;
    let req: PairingRequest = body(bytes)?;
    version(req.v)?;
    check_wrapped(&req.wrapped_keys, "wrapped_keys")?;
    purge_pairings(&state.pool).await?;
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pairing
         WHERE clinic_id = $1 AND used_at IS NULL AND expires_at > now()",
    )
    .bind(device.clinic_id)
    .fetch_one(&state.pool)
    .await?;
    if open >= state.config.open_pairings {
        return Err(ApiError::Conflict(format!(
            "this clinic already has {open} pairing codes waiting to be used; use one, or wait \
             for them to expire"
        )));
    }
    let token = new_token("pair_")?;
    let ttl = chrono::Duration::from_std(state.config.pairing_ttl)
        .unwrap_or_else(|_| chrono::Duration::hours(24));
    let expires_at = Utc::now() + ttl;
    sqlx::query(
        "INSERT INTO pairing (token_hash, clinic_id, created_by, expires_at, wrapped_keys)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&hash(&token)[..])
    .bind(device.clinic_id)
    .bind(device.id)
    .bind(expires_at)
    .bind(&req.wrapped_keys)
    .execute(&state.pool)
    .await?;
    tracing::info!(device = %device.id, clinic = %device.clinic_id, "pairing token issued");
    Ok((
        StatusCode::CREATED,
        Json(PairingToken {
            v: VERSION,
            pairing_token: token,
            expires_at: rfc3339(expires_at),
        }),
    ))
}

async fn register(
    State(state): State<AppState>,
    axum::Extension(Peer(ip)): axum::Extension<Peer>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    anonymous(&state, ip)?;
    let req: RegisterRequest = body(bytes)?;
    version(req.v)?;
    check_code(&req.code)?;
    let mut tx = state.pool.begin().await?;
    let pairing: Option<(Uuid, Option<Uuid>, bool, Option<String>)> = sqlx::query_as(
        "SELECT clinic_id, used_by, used_at IS NOT NULL, wrapped_keys FROM pairing
         WHERE token_hash = $1 AND expires_at > now() FOR UPDATE",
    )
    .bind(&hash(&req.pairing_token)[..])
    .fetch_optional(&mut *tx)
    .await?;
    let wrapped_keys = pairing.as_ref().and_then(|p| p.3.clone());
    // The device that used this pairing, asking again because its answer was lost (before it
    // said hello: after that, the keys are gone and the pairing is done).
    if let Some((clinic, Some(used_by), _, Some(_))) = pairing
        && used_by == req.device_id.as_uuid()
    {
        let token = new_token("tnd_")?;
        if reissue(&mut tx, used_by, clinic, &req.code, &token).await? {
            tx.commit().await?;
            tracing::info!(clinic = %clinic, device = %req.device_id, "registration repeated");
            return Ok((
                StatusCode::CREATED,
                Json(Registered {
                    v: VERSION,
                    clinic_id: clinic,
                    device_id: req.device_id,
                    token,
                    wrapped_keys,
                }),
            ));
        }
    }
    let clinic = pairing.and_then(|(clinic, _, used, _)| (!used).then_some(clinic));
    let Some(clinic) = clinic else {
        return Err(ApiError::Forbidden(
            "this pairing code is unknown, already used or expired; ask the admin for a new one"
                .into(),
        ));
    };
    let token = new_token("tnd_")?;
    insert_device(
        &mut tx,
        req.device_id.as_uuid(),
        clinic,
        &req.code,
        &token,
        false,
    )
    .await?;
    sqlx::query("UPDATE pairing SET used_at = now(), used_by = $2 WHERE token_hash = $1")
        .bind(&hash(&req.pairing_token)[..])
        .bind(req.device_id.as_uuid())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(clinic = %clinic, device = %req.device_id, "device registered");
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            v: VERSION,
            clinic_id: clinic,
            device_id: req.device_id,
            token,
            wrapped_keys,
        }),
    ))
}

async fn announce(
    State(state): State<AppState>,
    axum::Extension(Peer(ip)): axum::Extension<Peer>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    let req: AnnounceRequest = body(bytes)?;
    version(req.v)?;
    check_code(&req.code)?;
    // The restored desktop asking again because its answer was lost: its old token already
    // names the device that succeeded it, which gets a new token.
    if let Some(token) = bearer(&headers) {
        let mut tx = state.pool.begin().await?;
        let successor: Option<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT new.id, new.clinic_id FROM device AS old
             JOIN device AS new ON new.predecessor = old.id
             WHERE old.token_hash = $1 AND old.revoked_at IS NULL AND old.replaced_at IS NOT NULL
               AND new.id = $2 AND new.registered_at > now() - interval '1 hour'",
        )
        .bind(&hash(token)[..])
        .bind(req.device_id.as_uuid())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((device, clinic)) = successor {
            let fresh = new_token("tnd_")?;
            if reissue(&mut tx, device, clinic, &req.code, &fresh).await? {
                tx.commit().await?;
                tracing::info!(clinic = %clinic, device = %device, "announcement repeated");
                return Ok((
                    StatusCode::CREATED,
                    Json(Registered {
                        v: VERSION,
                        clinic_id: clinic,
                        device_id: req.device_id,
                        token: fresh,
                        wrapped_keys: None,
                    }),
                ));
            }
        }
    }
    let old = authenticate(&state, &headers, ip).await?;
    let token = new_token("tnd_")?;
    let mut tx = state.pool.begin().await?;
    insert_device(
        &mut tx,
        req.device_id.as_uuid(),
        old.clinic_id,
        &req.code,
        &token,
        old.manager,
    )
    .await?;
    sqlx::query("UPDATE device SET predecessor = $2 WHERE id = $1")
        .bind(req.device_id.as_uuid())
        .bind(old.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE device SET replaced_at = now() WHERE id = $1")
        .bind(old.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(clinic = %old.clinic_id, device = %req.device_id, predecessor = %old.id, "restored device announced");
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            v: VERSION,
            clinic_id: old.clinic_id,
            device_id: req.device_id,
            token,
            wrapped_keys: None,
        }),
    ))
}

async fn devices(
    State(state): State<AppState>,
    axum::Extension(Peer(ip)): axum::Extension<Peer>,
    headers: HeaderMap,
) -> Result<Json<Devices>, ApiError> {
    let device = authenticate(&state, &headers, ip).await?;
    let rows = sqlx::query(
        "SELECT id, code, registered_at, revoked_at, last_seen_at, acked_through, manager
         FROM device WHERE clinic_id = $1 ORDER BY registered_at, id",
    )
    .bind(device.clinic_id)
    .fetch_all(&state.pool)
    .await?;
    let devices = rows
        .iter()
        .map(|r| DeviceInfo {
            device_id: DeviceId::from_uuid(r.get("id")),
            code: r.get("code"),
            registered_at: rfc3339(r.get("registered_at")),
            revoked_at: r.get::<Option<DateTime<Utc>>, _>("revoked_at").map(rfc3339),
            last_seen_at: r
                .get::<Option<DateTime<Utc>>, _>("last_seen_at")
                .map(rfc3339),
            acked_through: u64::try_from(r.get::<i64, _>("acked_through")).unwrap_or(0),
            manager: r.get("manager"),
        })
        .collect();
    Ok(Json(Devices {
        v: VERSION,
        devices,
    }))
}

async fn revoke(
    State(state): State<AppState>,
    axum::Extension(Peer(ip)): axum::Extension<Peer>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let device = authenticate(&state, &headers, ip).await?;
    require_manager(&device)?;
    if id == device.id {
        return Err(ApiError::Forbidden(
            "a desktop does not revoke itself; stop syncing it instead".into(),
        ));
    }
    let mut tx = state.pool.begin().await?;
    let done = sqlx::query(
        "UPDATE device SET revoked_at = COALESCE(revoked_at, now()), manager = false
         WHERE id = $1 AND clinic_id = $2",
    )
    .bind(id)
    .bind(device.clinic_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(ApiError::BadRequest(
            "no device of this clinic has that id".into(),
        ));
    }
    // Pairing codes it made die with it (and the keys they hold with them).
    let pairings = sqlx::query("DELETE FROM pairing WHERE created_by = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    tracing::info!(clinic = %device.clinic_id, revoked = %id, by = %device.id, pairings, "device revoked");
    Ok(StatusCode::NO_CONTENT)
}

async fn make_manager(
    State(state): State<AppState>,
    axum::Extension(Peer(ip)): axum::Extension<Peer>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let device = authenticate(&state, &headers, ip).await?;
    require_manager(&device)?;
    let done = sqlx::query(
        "UPDATE device SET manager = true
         WHERE id = $1 AND clinic_id = $2 AND revoked_at IS NULL AND replaced_at IS NULL",
    )
    .bind(id)
    .bind(device.clinic_id)
    .execute(&state.pool)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(ApiError::BadRequest(
            "no syncing device of this clinic has that id".into(),
        ));
    }
    tracing::info!(clinic = %device.clinic_id, manager = %id, by = %device.id, "device made a manager");
    Ok(Json(serde_json::json!({ "v": VERSION })))
}

fn check_key_id(id: &str) -> Result<(), ApiError> {
    if id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "key_id: a key id is 16 hexadecimal digits".into(),
        ))
    }
}

/// Stores grants of `epoch` for devices of the clinic that still sync; others are passed over.
async fn store_grants(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    clinic: Uuid,
    epoch: i32,
    key_id: &str,
    grants: &[Grant],
) -> Result<u64, ApiError> {
    if grants.len() > 1000 {
        return Err(ApiError::BadRequest("grants: at most 1000 at once".into()));
    }
    let mut stored = 0;
    for g in grants {
        if g.grant.len() > 1024 || g.grant.is_empty() {
            return Err(ApiError::BadRequest(
                "grants: a grant is at most 1024 characters".into(),
            ));
        }
        stored += sqlx::query(
            "INSERT INTO key_grant (clinic_id, device_id, epoch, key_id, wrapped)
             SELECT $1, id, $3, $4, $5 FROM device
             WHERE id = $2 AND clinic_id = $1 AND revoked_at IS NULL AND replaced_at IS NULL
             ON CONFLICT (device_id, epoch) DO NOTHING",
        )
        .bind(clinic)
        .bind(g.device_id.as_uuid())
        .bind(epoch)
        .bind(key_id)
        .bind(&g.grant)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    Ok(stored)
}

async fn rotate(
    State(state): State<AppState>,
    axum::Extension(Peer(ip)): axum::Extension<Peer>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let device = authenticate(&state, &headers, ip).await?;
    require_manager(&device)?;
    let req: RotateRequest = body(bytes)?;
    version(req.v)?;
    check_key_id(&req.key_id)?;
    let epoch =
        i32::try_from(req.epoch).map_err(|_| ApiError::BadRequest("epoch: too large".into()))?;
    let mut tx = state.pool.begin().await?;
    let (key_id, current): (String, i32) =
        sqlx::query_as("SELECT key_id, key_epoch FROM clinic WHERE id = $1 FOR UPDATE")
            .bind(device.clinic_id)
            .fetch_one(&mut *tx)
            .await?;
    let repeat = epoch == current && bool::from(key_id.as_bytes().ct_eq(req.key_id.as_bytes()));
    if !repeat {
        if epoch != current + 1 {
            return Err(ApiError::Conflict(format!(
                "the clinic key is at epoch {current}; sync this desktop and try again"
            )));
        }
        sqlx::query(
            "UPDATE clinic SET key_id = $2, key_epoch = $3, key_made_by = $4 WHERE id = $1",
        )
        .bind(device.clinic_id)
        .bind(&req.key_id)
        .bind(epoch)
        .bind(device.id)
        .execute(&mut *tx)
        .await?;
    }
    let stored = store_grants(&mut tx, device.clinic_id, epoch, &req.key_id, &req.grants).await?;
    tx.commit().await?;
    tracing::info!(clinic = %device.clinic_id, by = %device.id, epoch, stored, repeat, "clinic key changed");
    Ok(Json(serde_json::json!({ "v": VERSION })))
}

async fn add_grants(
    State(state): State<AppState>,
    axum::Extension(Peer(ip)): axum::Extension<Peer>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let device = authenticate(&state, &headers, ip).await?;
    require_manager(&device)?;
    let req: GrantRequest = body(bytes)?;
    version(req.v)?;
    let mut tx = state.pool.begin().await?;
    let (key_id, current): (String, i32) =
        sqlx::query_as("SELECT key_id, key_epoch FROM clinic WHERE id = $1")
            .bind(device.clinic_id)
            .fetch_one(&mut *tx)
            .await?;
    if i64::from(req.epoch) != i64::from(current) {
        return Err(ApiError::Conflict(format!(
            "the clinic key is at epoch {current}; sync this desktop and try again"
        )));
    }
    let stored = store_grants(&mut tx, device.clinic_id, current, &key_id, &req.grants).await?;
    tx.commit().await?;
    tracing::info!(clinic = %device.clinic_id, by = %device.id, stored, "key grants added");
    Ok(Json(serde_json::json!({ "v": VERSION })))
}

async fn grants(
    State(state): State<AppState>,
    axum::Extension(Peer(ip)): axum::Extension<Peer>,
    headers: HeaderMap,
) -> Result<Json<Grants>, ApiError> {
    let device = authenticate(&state, &headers, ip).await?;
    let rows: Vec<(i32, String, String)> = sqlx::query_as(
        "SELECT epoch, key_id, wrapped FROM key_grant WHERE device_id = $1 ORDER BY epoch",
    )
    .bind(device.id)
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(Grants {
        v: VERSION,
        grants: rows
            .into_iter()
            .map(|(epoch, key_id, grant)| KeyGrant {
                epoch: u32::try_from(epoch).unwrap_or(0),
                key_id,
                grant,
            })
            .collect(),
    }))
}

async fn missing_grants(
    State(state): State<AppState>,
    axum::Extension(Peer(ip)): axum::Extension<Peer>,
    headers: HeaderMap,
) -> Result<Json<MissingGrants>, ApiError> {
    let device = authenticate(&state, &headers, ip).await?;
    require_manager(&device)?;
    let (key_id, epoch, made_by): (String, i32, Option<Uuid>) =
        sqlx::query_as("SELECT key_id, key_epoch, key_made_by FROM clinic WHERE id = $1")
            .bind(device.clinic_id)
            .fetch_one(&state.pool)
            .await?;
    // At epoch 0 every desktop got the key by enrolling or pairing.
    let devices: Vec<Uuid> = if epoch == 0 {
        Vec::new()
    } else {
        sqlx::query_scalar(
            "SELECT d.id FROM device d
             WHERE d.clinic_id = $1 AND d.revoked_at IS NULL AND d.replaced_at IS NULL
               AND d.id IS DISTINCT FROM $3
               AND NOT EXISTS (SELECT 1 FROM key_grant g WHERE g.device_id = d.id AND g.epoch = $2)
             ORDER BY d.registered_at LIMIT 1000",
        )
        .bind(device.clinic_id)
        .bind(epoch)
        .bind(made_by)
        .fetch_all(&state.pool)
        .await?
    };
    Ok(Json(MissingGrants {
        v: VERSION,
        epoch: u32::try_from(epoch).unwrap_or(0),
        key_id,
        devices: devices.into_iter().map(DeviceId::from_uuid).collect(),
    }))
}
