//! Reading an HTTP/1 head (request or response) off a stream, keeping what follows it.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

/// The largest head accepted, from the browser or from a proxy.
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// Headers parsed per head; more is a malformed head.
pub(crate) const MAX_HEADERS: usize = 128;

#[derive(Debug)]
pub(crate) enum HeadError {
    /// More than [`MAX_HEAD`] bytes without the end of a head.
    TooLarge,
    /// The peer closed after sending `read` bytes.
    Closed {
        read: usize,
    },
    /// The first bytes are not the expected prefix (e.g. `HTTP/1.`).
    WrongPrefix,
    Io(io::Error),
}

/// A head and the bytes read after it (the start of a body, or of tunnelled data).
pub(crate) struct Head {
    pub buf: Vec<u8>,
    pub len: usize,
}

impl Head {
    pub fn head(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    pub fn rest(&self) -> &[u8] {
        &self.buf[self.len..]
    }
}

/// Reads until the blank line that ends a head. With `prefix`, fails as soon as the bytes read
/// differ from it, so a server that speaks something else is recognised without waiting.
pub(crate) async fn read_head<R: AsyncRead + Unpin>(
    reader: &mut R,
    prefix: Option<&[u8]>,
) -> Result<Head, HeadError> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    loop {
        let n = reader.read(&mut chunk).await.map_err(HeadError::Io)?;
        if n == 0 {
            return Err(HeadError::Closed { read: buf.len() });
        }
        let search_from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(prefix) = prefix {
            let m = buf.len().min(prefix.len());
            if buf[..m] != prefix[..m] {
                return Err(HeadError::WrongPrefix);
            }
        }
        if let Some(pos) = find(&buf[search_from..], b"\r\n\r\n") {
            let len = search_from + pos + 4;
            if len > MAX_HEAD {
                return Err(HeadError::TooLarge);
            }
            return Ok(Head { buf, len });
        }
        if buf.len() > MAX_HEAD {
            return Err(HeadError::TooLarge);
        }
    }
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// What is needed of a response head.
pub(crate) struct ResponseHead {
    pub status: u16,
    pub content_length: Option<usize>,
    pub chunked: bool,
    /// It asks for credentials (`WWW-Authenticate` or `Proxy-Authenticate`).
    pub asks_credentials: bool,
}

pub(crate) fn parse_response(head: &[u8]) -> Option<ResponseHead> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return None,
    }
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
    };
    Some(ResponseHead {
        status: response.code?,
        content_length: header("content-length")
            .and_then(|h| std::str::from_utf8(h.value).ok())
            .and_then(|v| v.trim().parse().ok()),
        asks_credentials: header("www-authenticate").is_some()
            || header("proxy-authenticate").is_some(),
        chunked: header("transfer-encoding").is_some_and(|h| {
            String::from_utf8_lossy(h.value)
                .to_ascii_lowercase()
                .contains("chunked")
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_a_head_and_keeps_the_rest() {
        let data: &[u8] = b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody";
        let mut reader = data;
        let head = read_head(&mut reader, Some(b"HTTP/1.")).await.unwrap();
        assert_eq!(head.head(), b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n");
        assert_eq!(head.rest(), b"body");
    }

    #[tokio::test]
    async fn recognises_another_protocol_at_once() {
        let mut reader: &[u8] = b"SSH-2.0-OpenSSH";
        assert!(matches!(
            read_head(&mut reader, Some(b"HTTP/1.")).await,
            Err(HeadError::WrongPrefix)
        ));
        let mut reader: &[u8] = b"HTTP/1.0 200";
        assert!(matches!(
            read_head(&mut reader, Some(b"HTTP/1.")).await,
            Err(HeadError::Closed { read: 12 })
        ));
    }

    #[tokio::test]
    async fn refuses_an_endless_head() {
        let big = vec![b'a'; MAX_HEAD + 10];
        let mut reader: &[u8] = &big;
        assert!(matches!(
            read_head(&mut reader, None).await,
            Err(HeadError::TooLarge)
        ));
    }
}
