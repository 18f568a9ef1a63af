//! "Test the proxy": reach an IP echo through the proxy and read the address it saw.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::head::{MAX_HEAD, find, parse_response};
use super::upstream::{connect_untimed, io_error};
use super::{ProxyError, Upstream, authority, parse_http_url};

/// What a successful check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyCheck {
    /// The address the echo saw: the proxy's exit address.
    pub exit_ip: String,
    /// Round trip of the GET through the open tunnel (request sent to last byte read).
    pub latency_ms: u32,
}

/// Whether [`check`] can use `echo_url`: an absolute `http://` URL with a host (no user info).
pub fn is_valid_echo_url(echo_url: &str) -> bool {
    parse_http_url(echo_url).is_some()
}

/// Opens a tunnel to `echo_url`'s host through `upstream` (so the errors are those of
/// [`super::connect`]), then `GET`s `echo_url` through it and reads the body as the exit
/// address, all within `timeout`. `echo_url` must be `http://` and answer a bare IP address.
pub async fn check(
    upstream: &Upstream,
    echo_url: &str,
    timeout: Duration,
) -> Result<ProxyCheck, ProxyError> {
    let url = parse_http_url(echo_url).ok_or_else(|| ProxyError::InvalidTarget {
        detail: "the address echo must be an http:// URL".into(),
    })?;
    let result = tokio::time::timeout(timeout, async {
        let mut tunnel = connect_untimed(upstream, &url.host, url.port).await?;
        let host = match authority(&url.host, url.port) {
            with_port if url.port == 80 => with_port[..with_port.len() - 3].to_owned(),
            with_port => with_port,
        };
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {host}\r\nAccept: text/plain\r\nUser-Agent: seller-panel\r\nConnection: close\r\n\r\n",
            url.path
        );
        let started = Instant::now();
        tunnel.write_all(request.as_bytes()).await.map_err(|e| io_error(&e))?;
        let (status, body) = read_response(&mut tunnel).await?;
        let latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        if !(200..=299).contains(&status) {
            return Err(ProxyError::EchoFailed { detail: format!("HTTP {status}") });
        }
        let text = String::from_utf8_lossy(&body);
        let ip: IpAddr = text
            .trim()
            .parse()
            .map_err(|_| ProxyError::EchoFailed { detail: "the answer is not an IP address".into() })?;
        Ok(ProxyCheck { exit_ip: ip.to_string(), latency_ms })
    })
    .await
    .unwrap_or(Err(ProxyError::Timeout));
    match &result {
        Ok(found) => {
            tracing::info!(kind = %upstream.kind, exit_ip = %found.exit_ip, latency_ms = found.latency_ms, "proxy check passed")
        }
        Err(error) => tracing::info!(kind = %upstream.kind, %error, "proxy check failed"),
    }
    result
}

/// Reads a whole (small) response: until `Content-Length` bytes of body or the end of the
/// connection. Returns the status and the body, de-chunked.
async fn read_response<R: tokio::io::AsyncRead + Unpin>(
    reader: &mut R,
) -> Result<(u16, Vec<u8>), ProxyError> {
    let bad = |detail: &str| ProxyError::EchoFailed {
        detail: detail.into(),
    };
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let n = reader.read(&mut chunk).await.map_err(|e| io_error(&e))?;
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > MAX_HEAD {
            return Err(bad("answer larger than 64 KiB"));
        }
        let head_len = find(&buf, b"\r\n\r\n").map(|p| p + 4);
        let parsed = head_len.and_then(|len| parse_response(&buf[..len]).map(|r| (len, r)));
        if let Some((len, response)) = &parsed
            && let Some(length) = response.content_length
            && buf.len() >= len + length
        {
            return Ok((response.status, buf[*len..*len + length].to_vec()));
        }
        if n == 0 {
            let Some((len, response)) = parsed else {
                return Err(bad("no complete HTTP answer"));
            };
            let body = &buf[len..];
            let body = if response.chunked {
                dechunk(body).ok_or_else(|| bad("malformed chunked body"))?
            } else {
                body.to_vec()
            };
            return Ok((response.status, body));
        }
    }
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = find(data, b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dechunks() {
        assert_eq!(
            dechunk(b"4\r\n127.\r\n5;x=y\r\n0.0.2\r\n0\r\n\r\n").unwrap(),
            b"127.0.0.2"
        );
        assert!(dechunk(b"9\r\n12").is_none());
    }

    #[tokio::test]
    async fn reads_by_length_or_to_the_end() {
        let mut r: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef";
        assert_eq!(read_response(&mut r).await.unwrap(), (200, b"abc".to_vec()));
        let mut r: &[u8] = b"HTTP/1.0 200 OK\r\n\r\n1.2.3.4\n";
        assert_eq!(
            read_response(&mut r).await.unwrap(),
            (200, b"1.2.3.4\n".to_vec())
        );
        let mut r: &[u8] =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        assert_eq!(read_response(&mut r).await.unwrap(), (200, b"abc".to_vec()));
    }
}
