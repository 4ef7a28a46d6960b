//! What sync shows: the status, the problems a person can act on, and the quarantined changes.

use tend_domain::Action;
use tend_store::Store;
use tend_store::sync::{HOLE_ROUNDS, keys};

use crate::api::{QuarantinedDto, SyncProblemDto, SyncStatusDto};
use crate::{Result, Session, Tend};

use super::joining::is_loopback;
use super::setting;

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
