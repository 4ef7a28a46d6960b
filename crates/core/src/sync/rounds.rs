//! A sync round: push and pull through the engine, retried on a transient failure, a panic inside
//! it an error of that round only.

use tend_store::sync::keys;
use tend_sync::{ClientError, Progress, Round};

use crate::{Result, Tend};

use super::clinic_keys::manage_keys;
use super::{
    PAGE, client, client_error, ensure_device_key, refused, round_with, setting, sync_error,
};

pub(super) fn sync_round(tend: &Tend, progress: impl FnMut(Progress)) -> Result<Round> {
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
pub(super) fn announce(tend: &Tend) -> Result<()> {
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
pub(super) fn retried<T>(
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
pub(super) fn unpanicked<T>(round: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(round)).unwrap_or_else(|_| {
        tracing::error!("a sync round panicked; the next round will try again");
        Err(refused(
            "sync_round_panicked",
            None,
            "an internal error stopped this sync round; the next round will try again",
        ))
    })
}
