//! Rate limits: a token bucket per device (keyed by its token's hash) and one shared bucket for
//! requests that carry no valid token, so guessing tokens or pairing codes is slow.

use std::num::NonZeroU32;

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::Config;

pub(crate) struct Limits {
    devices: DefaultKeyedRateLimiter<[u8; 32]>,
    anonymous: DefaultDirectRateLimiter,
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

impl Limits {
    pub(crate) fn new(config: &Config) -> Self {
        Limits {
            devices: RateLimiter::keyed(
                Quota::per_second(nz(config.per_device_per_second))
                    .allow_burst(nz(config.per_device_burst)),
            ),
            anonymous: RateLimiter::direct(
                Quota::per_second(nz(config.anonymous_per_second))
                    .allow_burst(nz(config.anonymous_per_second.saturating_mul(4))),
            ),
        }
    }

    pub(crate) fn device(&self, token_hash: &[u8; 32]) -> bool {
        self.devices.check_key(token_hash).is_ok()
    }

    pub(crate) fn anonymous(&self) -> bool {
        self.anonymous.check().is_ok()
    }
}
