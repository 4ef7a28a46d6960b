//! The sign-in throttle: how long a person must wait after failed attempts, and when an account
//! locks. Pure: the caller passes the failure count, the time of the last failure and `now`.

use chrono::{DateTime, Duration, Utc};

/// Consecutive failed sign-ins after which the account locks until an admin unlocks it (an
/// admin's own account: for [`ADMIN_LOCKOUT`]).
pub const LOCKOUT_AFTER: u32 = 10;

/// How long an administrator's account waits after [`LOCKOUT_AFTER`] failures. Admins are locked
/// out for a time, never for good: someone at the sign-in screen typing wrong passwords must not
/// be able to lock every admin out of the clinic. (The clinic passphrase or the recovery key
/// also unlocks an admin at once.)
pub const ADMIN_LOCKOUT: Duration = Duration::minutes(15);

/// What reaching [`LOCKOUT_AFTER`] failures does to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lockout {
    /// Locked until an admin unlocks it.
    UntilUnlocked,
    /// Refused for this long after the last failure, then tried again (admins).
    For(Duration),
}

/// Failures allowed before any delay, so a typo or two costs nothing.
const FREE_ATTEMPTS: u32 = 3;

/// Longest wait between attempts before lockout.
const MAX_DELAY_SECS: i64 = 60;

/// The wait imposed after `failures` consecutive failures: none for the first three, then
/// 1 s, 2 s, 4 s, … doubling up to a minute.
pub fn retry_delay(failures: u32) -> Duration {
    if failures < FREE_ATTEMPTS {
        return Duration::zero();
    }
    let exponent = (failures - FREE_ATTEMPTS).min(10);
    Duration::seconds((1i64 << exponent).min(MAX_DELAY_SECS))
}

/// Whether a sign-in attempt may even be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Too soon after the last failure; try again after this long.
    Wait(Duration),
    Locked,
}

pub fn gate(
    locked: bool,
    failures: u32,
    last_failure: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    lockout: Lockout,
) -> Gate {
    if locked {
        return Gate::Locked;
    }
    let delay = match (failures >= LOCKOUT_AFTER, lockout) {
        (true, Lockout::UntilUnlocked) => return Gate::Locked,
        (true, Lockout::For(wait)) => wait,
        (false, _) => retry_delay(failures),
    };
    let Some(last) = last_failure else {
        return Gate::Open;
    };
    let ready_at = last + delay;
    if now < ready_at {
        Gate::Wait(ready_at - now)
    } else {
        Gate::Open
    }
}

/// Whether this failure (the `failures`-th in a row, counting it) locks the account for good.
pub fn locks_after(failures: u32, lockout: Lockout) -> bool {
    lockout == Lockout::UntilUnlocked && failures >= LOCKOUT_AFTER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_cap() {
        let secs: Vec<i64> = (0..12).map(|n| retry_delay(n).num_seconds()).collect();
        assert_eq!(secs, [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn gate_cases() {
        let t0 = DateTime::parse_from_rfc3339("2026-11-24T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let s = Duration::seconds;
        let cases = [
            // locked, failures, last failure, now, expected
            (false, 0, None, t0, Gate::Open),
            (false, 2, Some(t0), t0, Gate::Open),
            (false, 3, Some(t0), t0, Gate::Wait(s(1))),
            (false, 3, Some(t0), t0 + s(1), Gate::Open),
            (false, 6, Some(t0), t0 + s(3), Gate::Wait(s(5))),
            (false, 9, Some(t0), t0 + s(59), Gate::Wait(s(1))),
            (false, 10, Some(t0), t0 + s(3600), Gate::Locked),
            (true, 0, None, t0, Gate::Locked),
        ];
        for (locked, failures, last, now, expected) in cases {
            assert_eq!(
                gate(locked, failures, last, now, Lockout::UntilUnlocked),
                expected,
                "{failures} failures"
            );
        }
        assert!(!locks_after(9, Lockout::UntilUnlocked));
        assert!(locks_after(10, Lockout::UntilUnlocked));
    }

    #[test]
    fn an_admin_is_locked_out_for_a_time_never_for_good() {
        let t0 = DateTime::parse_from_rfc3339("2026-11-24T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let admin = Lockout::For(ADMIN_LOCKOUT);
        let m = Duration::minutes;
        assert_eq!(
            gate(false, 10, Some(t0), t0 + m(1), admin),
            Gate::Wait(m(14))
        );
        assert_eq!(gate(false, 10, Some(t0), t0 + m(15), admin), Gate::Open);
        // Each further failure waits the whole time again.
        assert_eq!(
            gate(false, 25, Some(t0), t0 + m(10), admin),
            Gate::Wait(m(5))
        );
        assert!(!locks_after(10, admin));
        assert!(!locks_after(1000, admin));
        // An admin an admin locked on purpose stays locked.
        assert_eq!(gate(true, 0, None, t0, admin), Gate::Locked);
    }
}
