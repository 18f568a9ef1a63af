//! Which local user is at the other end of a loopback TCP connection.
//!
//! Every user of a machine can connect to 127.0.0.1, so a local server that holds something of
//! this user's (the proxy forwarder adds the account's proxy credentials) must tell its own
//! user's programs from another user's. On Linux the kernel lists every TCP socket with its
//! owner's uid in `/proc/net/tcp` and `/proc/net/tcp6`: the client's socket is the one whose
//! local address is the accepted connection's peer and whose remote address is this end.

use std::net::SocketAddr;

/// Whether the client connected from `peer` to this process's `local` address runs as this
/// process's user. Not found (the client already gone, `/proc` unreadable) is refused: a
/// connection is served only when its owner is known to be this user. On systems other than
/// Linux this answers `true` (see the README on what other local users can reach there).
pub fn is_same_user(local: SocketAddr, peer: SocketAddr) -> bool {
    #[cfg(target_os = "linux")]
    {
        match (socket_owner(peer, local), own_uid()) {
            (Some(owner), Some(me)) => owner == me,
            _ => false,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (local, peer);
        true
    }
}

/// The effective uid of this process: the owner of its `/proc/self` folder.
#[cfg(target_os = "linux")]
fn own_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// The uid owning the TCP socket whose local address is `local` and remote address `remote`.
#[cfg(target_os = "linux")]
pub fn socket_owner(local: SocketAddr, remote: SocketAddr) -> Option<u32> {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .find_map(|table| {
            let text = std::fs::read_to_string(table).ok()?;
            owner_in_table(&text, local, remote)
        })
}

/// Reads a `/proc/net/tcp` table: after a header line, one socket per line,
/// `sl local_address rem_address st tx:rx tr:when retrnsmt uid …`, addresses in hex.
fn owner_in_table(text: &str, local: SocketAddr, remote: SocketAddr) -> Option<u32> {
    text.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (l, r, uid) = (fields.get(1)?, fields.get(2)?, fields.get(7)?);
        (same_address(parse_address(l)?, local) && same_address(parse_address(r)?, remote))
            .then(|| uid.parse().ok())
            .flatten()
    })
}

/// Compares addresses, an IPv4 one written as IPv6 (`::ffff:127.0.0.1`) included.
fn same_address(a: SocketAddr, b: SocketAddr) -> bool {
    let canonical = |addr: SocketAddr| (addr.ip().to_canonical(), addr.port());
    canonical(a) == canonical(b)
}

/// `0100007F:1F90` (IPv4) or 32 hex digits and a port (IPv6). The kernel prints each 32-bit
/// word of the address in the machine's byte order, the port as a plain number.
fn parse_address(text: &str) -> Option<SocketAddr> {
    let (ip, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| -> Option<[u8; 4]> {
        let hex = ip.get(i * 8..i * 8 + 8)?;
        Some(u32::from_str_radix(hex, 16).ok()?.to_ne_bytes())
    };
    let ip: std::net::IpAddr = match ip.len() {
        8 => std::net::Ipv4Addr::from(word(0)?).into(),
        32 => {
            let mut bytes = [0u8; 16];
            for i in 0..4 {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            std::net::Ipv6Addr::from(bytes).into()
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_endian = "little")]
    #[test]
    fn reads_the_kernels_socket_table() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n\
   1: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000 65534        0 2 1 0 20 4 30 10 -1\n";
        let client: SocketAddr = "127.0.0.1:50000".parse().unwrap();
        let server: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(owner_in_table(table, client, server), Some(65534));
        assert_eq!(owner_in_table(table, server, client), None);
        assert_eq!(
            parse_address("00000000000000000000000001000000:0050"),
            Some("[::1]:80".parse().unwrap())
        );
        assert!(same_address(
            "[::ffff:127.0.0.1]:80".parse().unwrap(),
            "127.0.0.1:80".parse().unwrap()
        ));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_connection_of_this_user_is_its_own() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, peer) = listener.accept().unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert!(is_same_user(server.local_addr().unwrap(), peer));
        let stranger: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert!(
            !is_same_user(server.local_addr().unwrap(), stranger),
            "an unknown socket is refused"
        );
    }
}
