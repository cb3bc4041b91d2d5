//! The client's address behind reverse proxies. Behind nginx every request comes from
//! nginx's address; the visitor's is in `X-Forwarded-For`, which any client can also write.
//! So the header counts only when the connection comes from a proxy the operator trusts
//! (`MADANG_TRUSTED_PROXIES`), and then only as far as trusted proxies wrote it: reading the
//! chain from the right (the nearest hop first), the client is the first address that is
//! not a trusted proxy. Whatever a client put further left is never believed. By default
//! nobody is trusted and the header is ignored.

use std::net::IpAddr;

use thiserror::Error;

/// A list of trusted proxies: single addresses and networks (CIDR), IPv4 and IPv6.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<(IpAddr, u8)>,
}

/// An entry of the list that is not an address or a network.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{0:?} is not an IP address or a network (like 10.0.0.1, 192.168.0.0/16 or fd00::/8)")]
pub struct ProxyListError(pub String);

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`, how a dual-stack socket reports
/// IPv4 peers) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// Whether `ip` is in the network `net`/`prefix` (both of one family; never across them).
fn in_network(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// One address from a forwarded chain: a bare address, or one with a port
/// (`1.2.3.4:5678`, `[2001:db8::1]:443`); `None` for anything else.
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .map(canonical)
}

impl TrustedProxies {
    /// Reads a list separated by commas or spaces: `10.0.0.1, 192.168.0.0/16 fd00::/8`.
    /// An empty list trusts nobody.
    pub fn parse(list: &str) -> Result<TrustedProxies, ProxyListError> {
        let mut networks = Vec::new();
        for entry in list.split([',', ' ', '\t', '\n']).filter(|e| !e.is_empty()) {
            let bad = || ProxyListError(entry.to_owned());
            let (address, prefix) = match entry.split_once('/') {
                Some((address, prefix)) => (address, Some(prefix)),
                None => (entry, None),
            };
            let ip = canonical(address.parse::<IpAddr>().map_err(|_| bad())?);
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => max,
                Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            };
            networks.push((ip, prefix));
        }
        Ok(TrustedProxies { networks })
    }

    /// Whether nobody is trusted (the default).
    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }

    /// Whether `ip` is a trusted proxy.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.networks
            .iter()
            .any(|(net, prefix)| in_network(ip, *net, *prefix))
    }

    /// The client's address for a connection from `peer` carrying the `X-Forwarded-For`
    /// header lines `forwarded` (in the order received): `peer` unless it is trusted; then
    /// the right-most address of the chain that is not a trusted proxy. When every address
    /// is trusted, the left-most; when the chain holds something that is not an address,
    /// the trusted hop just right of it (nothing beyond it can be believed).
    pub fn client_address<'a>(
        &self,
        peer: IpAddr,
        forwarded: impl IntoIterator<Item = &'a str>,
    ) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        let chain: Vec<&str> = forwarded
            .into_iter()
            .flat_map(|line| line.split(','))
            .collect();
        for entry in chain.iter().rev() {
            match forwarded_address(entry) {
                Some(ip) => {
                    client = ip;
                    if !self.trusts(ip) {
                        break;
                    }
                }
                None => break,
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn lists() {
        let list = TrustedProxies::parse("10.0.0.1, 192.168.0.0/16 fd00::/8\n::1").unwrap();
        assert!(list.trusts(ip("10.0.0.1")));
        assert!(!list.trusts(ip("10.0.0.2")));
        assert!(list.trusts(ip("192.168.44.7")));
        assert!(!list.trusts(ip("192.169.0.1")));
        assert!(list.trusts(ip("fd12:3456::1")));
        assert!(list.trusts(ip("::1")));
        assert!(!list.trusts(ip("2001:db8::1")));
        // IPv4 peers as a dual-stack socket reports them.
        assert!(list.trusts(ip("::ffff:10.0.0.1")));
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert!(TrustedProxies::parse(" , ").unwrap().is_empty());
        let everyone = TrustedProxies::parse("0.0.0.0/0").unwrap();
        assert!(everyone.trusts(ip("203.0.113.9")));
        assert!(!everyone.trusts(ip("2001:db8::1")), "no family crossing");
        for bad in [
            "10.0.0",
            "10.0.0.1/33",
            "fd00::/129",
            "10.0.0.0/",
            "nginx",
            "/8",
        ] {
            assert_eq!(
                TrustedProxies::parse(bad),
                Err(ProxyListError(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn nobody_trusted_means_the_peer() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_address(ip("10.0.0.1"), ["203.0.113.5"]),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_right_most_untrusted_address() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let peer = ip("10.0.0.1");
        assert_eq!(
            proxies.client_address(peer, ["203.0.113.5"]),
            ip("203.0.113.5")
        );
        // A client's own forged entry stays on the left, unbelieved.
        assert_eq!(
            proxies.client_address(peer, ["1.1.1.1, 203.0.113.5"]),
            ip("203.0.113.5")
        );
        // Through two trusted proxies, and over several header lines.
        assert_eq!(
            proxies.client_address(peer, ["6.6.6.6, 203.0.113.5, 10.2.3.4"]),
            ip("203.0.113.5")
        );
        assert_eq!(
            proxies.client_address(peer, ["6.6.6.6", "203.0.113.5", "10.2.3.4"]),
            ip("203.0.113.5")
        );
        // Ports and brackets; IPv6.
        assert_eq!(
            proxies.client_address(peer, ["203.0.113.5:41234"]),
            ip("203.0.113.5")
        );
        assert_eq!(
            proxies.client_address(peer, ["[2001:db8::7]:443"]),
            ip("2001:db8::7")
        );
        // No header, or only trusted addresses: the left-most known.
        assert_eq!(proxies.client_address(peer, []), peer);
        assert_eq!(proxies.client_address(peer, ["10.9.9.9"]), ip("10.9.9.9"));
        // Garbage: the trusted hop right of it.
        assert_eq!(
            proxies.client_address(peer, ["203.0.113.5, unknown, 10.2.3.4"]),
            ip("10.2.3.4")
        );
        assert_eq!(proxies.client_address(peer, ["junk"]), peer);
        // An untrusted peer's header is ignored whatever it says.
        assert_eq!(
            proxies.client_address(ip("198.51.100.1"), ["10.0.0.1"]),
            ip("198.51.100.1")
        );
    }
}
