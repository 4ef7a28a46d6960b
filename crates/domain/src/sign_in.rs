//! The sign-in throttle: how long a person must wait after failed attempts, and when an account
//! locks. Pure: the caller passes the failure count, the time of the last failure and `now`.

use chrono::{DateTime, Duration, Utc};

/// Consecutive failed sign-ins after which the account locks until an admin unlocks it.
pub const LOCKOUT_AFTER: u32 = 10;

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
) -> Gate {
    if locked || failures >= LOCKOUT_AFTER {
        return Gate::Locked;
    }
    let Some(last) = last_failure else {
        return Gate::Open;
    };
    let ready_at = last + retry_delay(failures);
    if now < ready_at {
        Gate::Wait(ready_at - now)
    } else {
        Gate::Open
    }
}

/// Whether this failure (the `failures`-th in a row, counting it) locks the account.
pub fn locks_after(failures: u32) -> bool {
    failures >= LOCKOUT_AFTER
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
                gate(locked, failures, last, now),
                expected,
                "{failures} failures"
            );
        }
        assert!(!locks_after(9));
        assert!(locks_after(10));
    }
}
