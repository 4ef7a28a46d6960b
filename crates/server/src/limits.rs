//! Rate limits, all keyed so that no one can use up a bucket others share: every request is
//! counted against its address (`/health` and the anonymous routes included), a device's
//! requests against its token's hash too, and requests without a valid token (enrolment,
//! registration, guessed tokens) against a stricter bucket of their address.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::Config;

pub(crate) struct Limits {
    addresses: DefaultKeyedRateLimiter<IpAddr>,
    devices: DefaultKeyedRateLimiter<[u8; 32]>,
    anonymous: DefaultKeyedRateLimiter<IpAddr>,
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

fn quota(per_second: u32) -> Quota {
    Quota::per_second(nz(per_second)).allow_burst(nz(per_second.saturating_mul(4)))
}

impl Limits {
    pub(crate) fn new(config: &Config) -> Self {
        Limits {
            addresses: RateLimiter::keyed(quota(config.per_address_per_second)),
            devices: RateLimiter::keyed(
                Quota::per_second(nz(config.per_device_per_second))
                    .allow_burst(nz(config.per_device_burst)),
            ),
            anonymous: RateLimiter::keyed(quota(config.anonymous_per_second)),
        }
    }

    /// Any request from `ip`.
    pub(crate) fn address(&self, ip: IpAddr) -> bool {
        let ok = self.addresses.check_key(&ip).is_ok();
        // The maps only grow with the addresses seen; forget the idle ones now and then.
        if self.addresses.len() > 10_000 {
            self.addresses.retain_recent();
            self.anonymous.retain_recent();
            self.devices.retain_recent();
        }
        ok
    }

    pub(crate) fn device(&self, token_hash: &[u8; 32]) -> bool {
        self.devices.check_key(token_hash).is_ok()
    }

    /// A request from `ip` without a valid device token.
    pub(crate) fn anonymous(&self, ip: IpAddr) -> bool {
        self.anonymous.check_key(&ip).is_ok()
    }
}
