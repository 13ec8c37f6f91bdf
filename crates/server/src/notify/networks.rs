//! Where webhook calls may go: every address an endpoint's host resolves
//! to is checked against these ranges before any request is made, so a
//! subscription cannot point Kept at its own network (the metadata
//! service, the database, an admin port on loopback).
//!
//! By default only public unicast addresses are called; a configured list
//! of ranges replaces that default. An unspecified address (`0.0.0.0`,
//! `::`, which reach the local host), a multicast or a broadcast one is
//! never called, whatever the list says. An IPv4 address written as IPv6
//! (`::ffff:127.0.0.1`) is checked as the IPv4 address it is.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// The address ranges webhook calls may go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Networks {
    /// Public unicast addresses only (the default).
    PublicUnicast,
    /// Only these ranges (the configured list).
    Only(Vec<IpNet>),
}

impl Networks {
    /// Only `nets` (the configured `webhook_allowed_networks`), or the
    /// default when there are none.
    pub fn of(nets: Vec<IpNet>) -> Self {
        if nets.is_empty() {
            Self::PublicUnicast
        } else {
            Self::Only(nets)
        }
    }

    /// Whether a call may go to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        if never(ip) {
            return false;
        }
        match self {
            Self::PublicUnicast => match ip {
                IpAddr::V4(v4) => public_v4(v4),
                IpAddr::V6(v6) => public_v6(v6),
            },
            Self::Only(nets) => nets.iter().any(|n| n.contains(&ip)),
        }
    }
}

impl fmt::Display for Networks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PublicUnicast => f.write_str("public unicast addresses"),
            Self::Only(nets) => {
                let list: Vec<String> = nets.iter().map(ToString::to_string).collect();
                write!(f, "{}", list.join(", "))
            }
        }
    }
}

/// Addresses no list opens: they are not one host somewhere else.
fn never(ip: IpAddr) -> bool {
    ip.is_unspecified() || ip.is_multicast() || matches!(ip, IpAddr::V4(v4) if v4.is_broadcast())
}

/// Whether `ip` is in `net`/`len`.
fn in_v4(ip: Ipv4Addr, net: [u8; 4], len: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

/// IPv4 special-purpose ranges (RFC 6890 and its updates) that are not
/// one public host: this network, private, shared (CGNAT), loopback,
/// link-local, protocol assignments, documentation, 6to4 relays,
/// benchmarking, multicast and reserved.
const SPECIAL_V4: &[([u8; 4], u32)] = &[
    ([0, 0, 0, 0], 8),
    ([10, 0, 0, 0], 8),
    ([100, 64, 0, 0], 10),
    ([127, 0, 0, 0], 8),
    ([169, 254, 0, 0], 16),
    ([172, 16, 0, 0], 12),
    ([192, 0, 0, 0], 24),
    ([192, 0, 2, 0], 24),
    ([192, 88, 99, 0], 24),
    ([192, 168, 0, 0], 16),
    ([198, 18, 0, 0], 15),
    ([198, 51, 100, 0], 24),
    ([203, 0, 113, 0], 24),
    ([224, 0, 0, 0], 4),
    ([240, 0, 0, 0], 4),
];

fn public_v4(ip: Ipv4Addr) -> bool {
    !SPECIAL_V4.iter().any(|&(net, len)| in_v4(ip, net, len))
}

/// Whether `ip` is in the IPv6 range starting with `prefix` (its first
/// 32 bits) of length `len` (at most 32).
fn in_v6(ip: Ipv6Addr, prefix: u32, len: u32) -> bool {
    let top = (ip.to_bits() >> 96) as u32;
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    top & mask == prefix & mask
}

/// Global unicast (2000::/3) outside the special-purpose ranges in it:
/// protocol assignments (Teredo among them), documentation and 6to4,
/// whose addresses stand for others. Loopback, unique-local (fc00::/7),
/// link-local, multicast, NAT64 and the rest lie outside 2000::/3.
fn public_v6(ip: Ipv6Addr) -> bool {
    in_v6(ip, 0x2000_0000, 3)
        && !in_v6(ip, 0x2001_0000, 23)
        && !in_v6(ip, 0x2001_0db8, 32)
        && !in_v6(ip, 0x2002_0000, 16)
        && !in_v6(ip, 0x3fff_0000, 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn only(nets: &[&str]) -> Networks {
        Networks::of(nets.iter().map(|n| n.parse().expect("a range")).collect())
    }

    #[test]
    fn by_default_only_public_unicast_is_called() {
        let default = Networks::of(Vec::new());
        for public in [
            "93.184.215.14",
            "8.8.8.8",
            "2606:4700::6810:84e5",
            "2a00:1450::1",
        ] {
            assert!(default.allows(ip(public)), "{public} allowed");
        }
        for special in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "240.0.0.1",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "3fff::1",
            "2002:7f00:1::1",
            "2001:0:4136:e378::1",
            "64:ff9b::7f00:1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
        ] {
            assert!(!default.allows(ip(special)), "{special} refused");
        }
        assert!(default.allows(ip("172.32.0.1")), "just outside 172.16/12");
        assert!(default.allows(ip("100.128.0.1")), "just outside 100.64/10");
    }

    #[test]
    fn a_list_replaces_the_default_but_never_opens_the_unspecified_address() {
        let nets = only(&["127.0.0.1/32", "10.0.0.0/8"]);
        assert!(nets.allows(ip("127.0.0.1")));
        assert!(nets.allows(ip("::ffff:127.0.0.1")), "checked as IPv4");
        assert!(nets.allows(ip("10.9.9.9")));
        assert!(!nets.allows(ip("127.0.0.2")));
        assert!(!nets.allows(ip("8.8.8.8")), "public is no longer allowed");
        let everything = only(&["0.0.0.0/0", "::/0"]);
        assert!(!everything.allows(ip("0.0.0.0")));
        assert!(!everything.allows(ip("::")));
        assert!(!everything.allows(ip("224.0.0.1")));
        assert!(everything.allows(ip("192.168.0.1")));
    }
}
