//! Free ports for `"auto"`, chosen where outgoing connections never land.
//!
//! wptserve's `get_port` binds port 0, reads the port and releases it; the listener binds it
//! later. Port 0 hands out a port from the kernel's ephemeral range, the very range every
//! outgoing connection takes its local port from. So between the probe and the listener's bind,
//! any client on the machine (a test suite runs servers and their clients side by side) can take
//! the port, and the listener fails with "Address already in use". Ports below the ephemeral
//! range are never given to outgoing connections: probing random ones there leaves only another
//! server picking the same port in the same few milliseconds, one chance in ~20,000.

use super::error::ConfigError;
use super::ports::is_bad_port;
use std::collections::hash_map::RandomState;
use std::collections::BTreeSet;
use std::hash::BuildHasher;
use std::net::{Ipv4Addr, TcpListener};
use std::ops::RangeInclusive;

/// Below this are the ports people fix in their configurations (wpt's own: 8000, 8443, 9000...).
const LOWEST_AUTO_PORT: u16 = 10_000;
/// A gap narrower than this is not worth probing; port 0 is used instead.
const NARROWEST_GAP: u16 = 1_024;
const ATTEMPTS: usize = 100;

/// A port free on 127.0.0.1 now, not a bad port and not in `taken`. As with wptserve, it is
/// released again and bound by the listener later.
pub(crate) fn free_port(key: &str, taken: &BTreeSet<u16>) -> Result<u16, ConfigError> {
    let usable = |port: u16| !is_bad_port(port) && !taken.contains(&port);
    let mut last_error = None;
    if let Some(gap) = non_ephemeral_gap(ephemeral_range()) {
        let random = RandomState::new();
        let width = u64::from(gap.end() - gap.start()) + 1;
        for attempt in 0..ATTEMPTS {
            let offset = random.hash_one(attempt) % width;
            let port = gap.start() + u16::try_from(offset).unwrap_or(0);
            if !usable(port) {
                continue;
            }
            match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
                Ok(_) => return Ok(port),
                Err(e) => last_error = Some(e),
            }
        }
    }
    // No room outside the ephemeral range (or all of it busy): wptserve's way.
    for _ in 0..ATTEMPTS {
        match TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr()) {
            Ok(addr) if usable(addr.port()) => return Ok(addr.port()),
            Ok(_) => {}
            Err(e) => last_error = Some(e),
        }
    }
    Err(ConfigError::NoFreePort {
        key: key.to_string(),
        source: last_error
            .unwrap_or_else(|| std::io::Error::other("every port offered was unusable")),
    })
}

/// The kernel's ephemeral port range, if it says.
fn ephemeral_range() -> Option<RangeInclusive<u16>> {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut bounds = text.split_whitespace().map(str::parse::<u16>);
    let low = bounds.next()?.ok()?;
    let high = bounds.next()?.ok()?;
    (low <= high).then_some(low..=high)
}

/// The wider of the two stretches of ports at or above `LOWEST_AUTO_PORT` outside `ephemeral`,
/// if it is wide enough to probe at random.
fn non_ephemeral_gap(ephemeral: Option<RangeInclusive<u16>>) -> Option<RangeInclusive<u16>> {
    let ephemeral = ephemeral?;
    let below =
        (*ephemeral.start() > LOWEST_AUTO_PORT).then(|| LOWEST_AUTO_PORT..=ephemeral.start() - 1);
    let above = (*ephemeral.end() < u16::MAX)
        .then(|| (ephemeral.end() + 1).max(LOWEST_AUTO_PORT)..=u16::MAX);
    let width = |r: &RangeInclusive<u16>| r.end().saturating_sub(*r.start()).saturating_add(1);
    [below, above]
        .into_iter()
        .flatten()
        .filter(|r| r.start() <= r.end() && width(r) >= NARROWEST_GAP)
        .max_by_key(width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gap_is_the_wider_side_of_the_ephemeral_range() {
        assert_eq!(non_ephemeral_gap(Some(32768..=60999)), Some(10_000..=32767));
        assert_eq!(non_ephemeral_gap(Some(1024..=50000)), Some(50001..=65535));
        assert_eq!(non_ephemeral_gap(Some(1024..=65000)), None);
        assert_eq!(non_ephemeral_gap(Some(10_500..=65535)), None);
        assert_eq!(non_ephemeral_gap(None), None);
    }

    #[test]
    fn auto_ports_avoid_the_ephemeral_range() {
        let Some(ephemeral) = ephemeral_range() else {
            return; // not Linux: nothing to avoid
        };
        if non_ephemeral_gap(Some(ephemeral.clone())).is_none() {
            return; // this machine leaves no room outside it
        }
        let taken = BTreeSet::new();
        for _ in 0..20 {
            let port = free_port("ports.http[0]", &taken).expect("a free port");
            assert!(!ephemeral.contains(&port), "{port} is in {ephemeral:?}");
            assert!(port >= LOWEST_AUTO_PORT && !is_bad_port(port));
        }
    }

    #[test]
    fn taken_ports_are_not_offered_again() {
        let mut taken = BTreeSet::new();
        for _ in 0..50 {
            let port = free_port("ports.http[0]", &taken).expect("a free port");
            assert!(taken.insert(port), "{port} offered twice");
        }
    }
}
