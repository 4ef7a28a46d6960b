//! A hybrid logical clock: wall-clock milliseconds plus a counter, so every change a device makes
//! is ordered after every change it has seen, even when the wall clock stalls or steps back.
//!
//! Pure: the caller passes the physical time in. Ties between devices are broken by device id
//! where changes are compared (sync), not here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch.
    pub wall_ms: u64,
    pub counter: u32,
}

/// The latest wall time a clock holds: the most its fixed-width text form has room for (the
/// year 33658). A clock never goes past it, so a stored clock always reads back.
pub const MAX_WALL_MS: u64 = 999_999_999_999_999;

/// How far ahead of this desktop's own time another desktop's clock is followed. A change from
/// a desktop whose clock is further ahead is still applied, but this clock does not follow it
/// there (one wrong date would otherwise stamp every later change of the clinic in the future).
pub const MAX_AHEAD_MS: u64 = 2 * 24 * 3600 * 1000;

impl Hlc {
    pub const ZERO: Hlc = Hlc {
        wall_ms: 0,
        counter: 0,
    };

    /// Whether `remote` is further ahead of physical time `now_ms` than [`MAX_AHEAD_MS`].
    pub fn is_far_ahead(remote: Hlc, now_ms: u64) -> bool {
        remote.wall_ms > now_ms.saturating_add(MAX_AHEAD_MS)
    }

    /// The clock for a local event at physical time `now_ms`.
    pub fn tick(self, now_ms: u64) -> Hlc {
        let now_ms = now_ms.min(MAX_WALL_MS);
        if now_ms > self.wall_ms {
            Hlc {
                wall_ms: now_ms,
                counter: 0,
            }
        } else {
            self.bump()
        }
    }

    /// The clock after receiving a change stamped `remote`, at physical time `now_ms`. A remote
    /// clock far ahead ([`Hlc::is_far_ahead`]) is followed only as far as [`MAX_AHEAD_MS`].
    pub fn observe(self, remote: Hlc, now_ms: u64) -> Hlc {
        let now_ms = now_ms.min(MAX_WALL_MS);
        let limit = now_ms.saturating_add(MAX_AHEAD_MS).min(MAX_WALL_MS);
        let remote = if remote.wall_ms > limit {
            Hlc {
                wall_ms: limit,
                counter: 0,
            }
        } else {
            remote
        };
        let wall_ms = self.wall_ms.max(remote.wall_ms).max(now_ms);
        let seen = match (wall_ms == self.wall_ms, wall_ms == remote.wall_ms) {
            (true, true) => Some(self.counter.max(remote.counter)),
            (true, false) => Some(self.counter),
            (false, true) => Some(remote.counter),
            // Physical time is ahead of both clocks: a fresh millisecond.
            (false, false) => None,
        };
        match seen {
            Some(counter) => Hlc { wall_ms, counter }.bump(),
            None => Hlc {
                wall_ms,
                counter: 0,
            },
        }
    }

    fn bump(self) -> Hlc {
        match self.counter.checked_add(1) {
            Some(counter) => Hlc {
                wall_ms: self.wall_ms,
                counter,
            },
            // Four billion events in one millisecond cannot happen; if it did, borrowing a
            // millisecond keeps the clock strictly increasing (up to the last one it holds).
            None => Hlc {
                wall_ms: (self.wall_ms + 1).min(MAX_WALL_MS),
                counter: if self.wall_ms >= MAX_WALL_MS {
                    u32::MAX
                } else {
                    0
                },
            },
        }
    }
}

/// The text form sorts like the clock: fixed-width decimal `WWWWWWWWWWWWWWW-CCCCCCCCCC`.
impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:015}-{:010}", self.wall_ms, self.counter)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a clock value: {0:?}")]
pub struct HlcParseError(String);

impl FromStr for Hlc {
    type Err = HlcParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || HlcParseError(s.chars().take(40).collect());
        let (wall, counter) = s.split_once('-').ok_or_else(err)?;
        if wall.len() != 15 || counter.len() != 10 {
            return Err(err());
        }
        Ok(Hlc {
            wall_ms: wall.parse().map_err(|_| err())?,
            counter: counter.parse().map_err(|_| err())?,
        })
    }
}

impl Serialize for Hlc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(wall_ms: u64, counter: u32) -> Hlc {
        Hlc { wall_ms, counter }
    }

    #[test]
    fn tick_cases() {
        let cases = [
            // previous, physical now, expected
            (h(100, 0), 200, h(200, 0)),
            (h(100, 5), 100, h(100, 6)),
            (h(100, 5), 50, h(100, 6)), // the wall clock stepped back
            (h(100, u32::MAX), 100, h(101, 0)),
        ];
        for (prev, now, expected) in cases {
            assert_eq!(prev.tick(now), expected, "{prev} at {now}");
        }
    }

    #[test]
    fn observe_cases() {
        let cases = [
            // local, remote, physical now, expected
            (h(100, 1), h(90, 7), 300, h(300, 0)),
            (h(100, 1), h(100, 7), 50, h(100, 8)),
            (h(100, 9), h(100, 7), 50, h(100, 10)),
            (h(100, 1), h(200, 4), 150, h(200, 5)),
            (h(300, 2), h(200, 4), 150, h(300, 3)),
        ];
        for (local, remote, now, expected) in cases {
            let got = local.observe(remote, now);
            assert_eq!(got, expected, "{local} sees {remote} at {now}");
            assert!(got > local && got > remote);
        }
    }

    #[test]
    fn text_form_sorts_like_the_clock() {
        let a = h(1_732_435_200_000, 9);
        let b = h(1_732_435_200_000, 10);
        let c = h(1_732_435_200_001, 0);
        let texts: Vec<String> = [a, b, c].iter().map(Hlc::to_string).collect();
        let mut sorted = texts.clone();
        sorted.sort();
        assert_eq!(texts, sorted);
        assert_eq!(texts[0], "001732435200000-0000000009");
        for (t, v) in texts.iter().zip([a, b, c]) {
            assert_eq!(t.parse::<Hlc>().unwrap(), v);
        }
        assert!("12-3".parse::<Hlc>().is_err());
        assert!("".parse::<Hlc>().is_err());
    }

    #[test]
    fn a_clock_far_ahead_is_not_followed_and_every_clock_reads_back() {
        let day = 24 * 3600 * 1000;
        let now = 1_764_000_000_000;
        // A desktop whose date is a year ahead: this clock follows it only two days ahead.
        let ahead = h(now + 365 * day, 3);
        assert!(Hlc::is_far_ahead(ahead, now));
        let got = h(now, 0).observe(ahead, now);
        assert_eq!(got.wall_ms, now + MAX_AHEAD_MS);
        // A day ahead is followed as before.
        let near = h(now + day, 3);
        assert!(!Hlc::is_far_ahead(near, now));
        assert_eq!(h(now, 0).observe(near, now), h(now + day, 4));
        // Whatever arrives, the clock stays within what its text form holds, and reads back.
        // Before, a remote clock of 10^15 ms or more was followed and stored as a text that
        // did not parse, and every later write of the desktop failed.
        for remote in [
            h(MAX_WALL_MS, u32::MAX),
            h(u64::MAX, u32::MAX),
            h(10u64.pow(15), 0),
        ] {
            for local in [h(0, 0), h(MAX_WALL_MS, u32::MAX), h(now, 7)] {
                for at in [0, now, u64::MAX] {
                    let next = local.observe(remote, at).tick(at);
                    assert!(next.wall_ms <= MAX_WALL_MS, "{next}");
                    assert_eq!(next.to_string().parse::<Hlc>().unwrap(), next);
                }
            }
        }
    }
}
