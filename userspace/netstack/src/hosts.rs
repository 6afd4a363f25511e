//! `/etc/hosts`: `ADDRESS NAME [ALIAS...]` lines, `#` comments; consulted
//! before DNS. Lines that do not start with an address are skipped.

use alloc::vec::Vec;
use core::net::IpAddr;

/// The addresses `/etc/hosts` text gives `name` (case-insensitive), in
/// file order.
pub fn lookup(text: &str, name: &str) -> Vec<IpAddr> {
    let name = name.trim_end_matches('.');
    let mut found = Vec::new();
    for line in text.lines() {
        let mut words = line.split('#').next().unwrap_or("").split_whitespace();
        let Some(Ok(addr)) = words.next().map(str::parse::<IpAddr>) else { continue };
        if words.any(|w| w.eq_ignore_ascii_case(name)) && !found.contains(&addr) {
            found.push(addr);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_and_aliases() {
        let text = "127.0.0.1 localhost\n::1 localhost ip6-localhost\n10.0.2.100 peer Peer.example # host\n\
                    garbage line\n10.0.2.101 # no name\n";
        assert_eq!(lookup(text, "localhost"), [IpAddr::from([127, 0, 0, 1]), "::1".parse().unwrap()]);
        assert_eq!(lookup(text, "PEER.example."), [IpAddr::from([10, 0, 2, 100])]);
        assert!(lookup(text, "host").is_empty());
        assert!(lookup(text, "garbage").is_empty());
        assert!(lookup("", "x").is_empty());
    }
}
