//! The live view's WebSocket bridge on real parts: a small VNC server on 127.0.0.1 that accepts
//! any password and then echoes, a real WebSocket client (tokio-tungstenite), and, on Linux, a
//! real x11vnc on a real Xvfb that the bridge must log in to with the session's VNC password.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use seller_automation::bridge::Bridge;
use seller_secrets::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error, Message};

const TIMEOUT: Duration = Duration::from_secs(10);

/// A VNC server on 127.0.0.1 that takes any VNC Authentication response (RFB 3.8), then sends
/// back whatever it receives.
async fn echo_vnc_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                stream.write_all(b"RFB 003.008\n").await.unwrap();
                let mut version = [0u8; 12];
                stream.read_exact(&mut version).await.unwrap();
                assert_eq!(&version, b"RFB 003.008\n");
                stream.write_all(&[1, 2]).await.unwrap();
                assert_eq!(
                    stream.read_u8().await.unwrap(),
                    2,
                    "VNC Authentication chosen"
                );
                stream.write_all(&[7; 16]).await.unwrap();
                stream.read_exact(&mut [0u8; 16]).await.unwrap();
                stream.write_all(&0u32.to_be_bytes()).await.unwrap();
                let (mut read, mut write) = stream.split();
                let _ = tokio::io::copy(&mut read, &mut write).await;
            });
        }
    });
    address
}

/// A password for the servers that take any.
fn any_password() -> Secret {
    Secret::new("anything")
}

/// Reads exactly `count` bytes of RFB, whatever the frames carry: what arrives beyond them stays
/// in `pending` for the next read.
async fn read_exact<S>(ws: &mut S, pending: &mut Vec<u8>, count: usize) -> Vec<u8>
where
    S: futures_util::Stream<Item = Result<Message, Error>> + Unpin,
{
    if pending.len() < count {
        let more = read_binary(ws, count - pending.len()).await;
        pending.extend_from_slice(&more);
    }
    pending.drain(..count).collect()
}

/// Plays the viewer's side of the handshake as noVNC does: version 3.8, security type None.
/// The client's version goes out in two frames, as frames need not line up with RFB messages.
async fn viewer_handshake<S>(ws: &mut S)
where
    S: futures_util::Stream<Item = Result<Message, Error>>
        + futures_util::Sink<Message, Error = Error>
        + Unpin,
{
    assert_eq!(read_binary(ws, 12).await, b"RFB 003.008\n");
    ws.send(Message::Binary(b"RFB 003".to_vec().into()))
        .await
        .unwrap();
    ws.send(Message::Binary(b".008\n".to_vec().into()))
        .await
        .unwrap();
    assert_eq!(read_binary(ws, 2).await, [1, 1], "offered: None only");
    ws.send(Message::Binary(vec![1].into())).await.unwrap();
    assert_eq!(read_binary(ws, 4).await, [0, 0, 0, 0], "SecurityResult OK");
}

/// Waits for the end of the connection; returns the close frame's reason and every byte of data
/// that came before it.
async fn close_reason<S>(ws: &mut S) -> (String, Vec<u8>)
where
    S: futures_util::Stream<Item = Result<Message, Error>> + Unpin,
{
    let mut data = Vec::new();
    loop {
        let message = tokio::time::timeout(TIMEOUT, ws.next())
            .await
            .expect("the bridge closes the connection within the timeout");
        match message {
            Some(Ok(Message::Close(frame))) => {
                return (
                    frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                    data,
                );
            }
            Some(Ok(Message::Binary(bytes))) => data.extend_from_slice(&bytes),
            Some(Ok(_)) => {}
            Some(Err(error)) => panic!("the connection ended without a close frame: {error}"),
            None => panic!("the connection ended without a close frame"),
        }
    }
}

fn url(bridge: &Bridge, path: &str) -> String {
    format!("ws://127.0.0.1:{}{path}", bridge.port())
}

/// Connects and expects a refusal with HTTP 403 before any upgrade.
async fn assert_forbidden(request: impl IntoClientRequest + Unpin) {
    let result = tokio::time::timeout(TIMEOUT, tokio_tungstenite::connect_async(request))
        .await
        .expect("the bridge answers");
    match result {
        Err(Error::Http(response)) => assert_eq!(response.status(), 403),
        Err(other) => panic!("expected HTTP 403, got {other}"),
        Ok(_) => panic!("expected HTTP 403, the upgrade was accepted"),
    }
}

/// Reads binary frames until `expected` bytes have arrived.
async fn read_binary<S>(ws: &mut S, expected: usize) -> Vec<u8>
where
    S: futures_util::Stream<Item = Result<Message, Error>> + Unpin,
{
    let mut received = Vec::new();
    while received.len() < expected {
        let message = tokio::time::timeout(TIMEOUT, ws.next())
            .await
            .expect("bytes within the timeout")
            .expect("the connection stays open")
            .unwrap();
        match message {
            Message::Binary(bytes) => received.extend_from_slice(&bytes),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected message {other:?}"),
        }
    }
    received
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_frames_reach_the_target_and_come_back_with_the_right_token() {
    let target = echo_vnc_server().await;
    let bridge = Bridge::start().await.unwrap();
    let token = bridge.register("s1", target, any_password()).unwrap();

    let mut request = url(&bridge, &format!("/vnc/s1?token={}", token.expose()))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", HeaderValue::from_static("binary"));
    let (mut ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(
        response.headers().get("sec-websocket-protocol").unwrap(),
        "binary",
        "the offered binary subprotocol is echoed"
    );
    viewer_handshake(&mut ws).await;

    for payload in [
        b"hello".to_vec(),
        (0..=255u8).collect(),
        vec![0xAB; 200_000],
    ] {
        ws.send(Message::Binary(payload.clone().into()))
            .await
            .unwrap();
        assert_eq!(read_binary(&mut ws, payload.len()).await, payload);
    }

    // Unregistering closes the open connection too.
    bridge.unregister("s1");
    let end = tokio::time::timeout(TIMEOUT, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the connection was not closed on unregister");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_missing_or_stale_tokens_unknown_sessions_and_other_paths_get_403() {
    let target = echo_vnc_server().await;
    let bridge = Bridge::start().await.unwrap();
    let token = bridge.register("s1", target, any_password()).unwrap();
    let other = bridge.register("s2", target, any_password()).unwrap();
    let wrong = "0".repeat(64);

    assert_forbidden(url(&bridge, &format!("/vnc/s1?token={wrong}"))).await;
    assert_forbidden(url(&bridge, "/vnc/s1")).await;
    assert_forbidden(url(&bridge, "/vnc/s1?token=")).await;
    // Another session's token does not open this one.
    assert_forbidden(url(&bridge, &format!("/vnc/s1?token={}", other.expose()))).await;
    assert_forbidden(url(&bridge, &format!("/vnc/nope?token={}", token.expose()))).await;
    assert_forbidden(url(&bridge, &format!("/other/s1?token={}", token.expose()))).await;
    assert_forbidden(url(&bridge, &format!("/vnc/s1/x?token={}", token.expose()))).await;

    // A foreign web page's Origin is refused even with the right token.
    let mut request = url(&bridge, &format!("/vnc/s1?token={}", token.expose()))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_static("https://evil.example"));
    assert_forbidden(request).await;
    // The app's own Origin is accepted.
    let mut request = url(&bridge, &format!("/vnc/s1?token={}", token.expose()))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_static("tauri://localhost"));
    let (ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    drop(ws);
    // A token opens one connection only: the same address a second time is refused.
    assert_forbidden(url(&bridge, &format!("/vnc/s1?token={}", token.expose()))).await;

    // After unregister the token no longer works.
    bridge.unregister("s1");
    assert_forbidden(url(&bridge, &format!("/vnc/s1?token={}", token.expose()))).await;
    // Registering again gives a new token; the old one stays dead.
    let renewed = bridge.register("s1", target, any_password()).unwrap();
    assert_ne!(renewed, token);
    assert_forbidden(url(&bridge, &format!("/vnc/s1?token={}", token.expose()))).await;
    let (ws, _) = tokio_tungstenite::connect_async(url(
        &bridge,
        &format!("/vnc/s1?token={}", renewed.expose()),
    ))
    .await
    .unwrap();
    drop(ws);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_http_request_is_refused() {
    let bridge = Bridge::start().await.unwrap();
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", bridge.port()))
        .await
        .unwrap();
    stream
        .write_all(b"GET /vnc/s1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut answer = vec![0u8; 64];
    let n = tokio::time::timeout(TIMEOUT, stream.read(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 101"),
        "a request without upgrade headers was upgraded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_the_viewer_sends_with_its_security_choice_reach_the_server() {
    let target = echo_vnc_server().await;
    let bridge = Bridge::start().await.unwrap();
    let token = bridge.register("s1", target, any_password()).unwrap();
    let (mut ws, _) = tokio_tungstenite::connect_async(url(
        &bridge,
        &format!("/vnc/s1?token={}", token.expose()),
    ))
    .await
    .unwrap();

    assert_eq!(read_binary(&mut ws, 12).await, b"RFB 003.008\n");
    ws.send(Message::Binary(b"RFB 003.008\n".to_vec().into()))
        .await
        .unwrap();
    assert_eq!(read_binary(&mut ws, 2).await, [1, 1]);
    // The security choice and what follows it in one frame: the rest is the server's.
    ws.send(Message::Binary(b"\x01leftover".to_vec().into()))
        .await
        .unwrap();
    assert_eq!(read_binary(&mut ws, 4).await, [0, 0, 0, 0]);
    assert_eq!(read_binary(&mut ws, 8).await, b"leftover");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_speaking_3_3_and_3_7_get_their_handshake_and_a_wrong_choice_is_refused() {
    let target = echo_vnc_server().await;
    let bridge = Bridge::start().await.unwrap();
    // A token opens one connection: each viewer below gets its own.
    let path = || {
        let token = bridge.register("s1", target, any_password()).unwrap();
        format!("/vnc/s1?token={}", token.expose())
    };

    // 3.3: the server names the type (None, as a u32) and no SecurityResult follows.
    let (mut ws, _) = tokio_tungstenite::connect_async(url(&bridge, &path()))
        .await
        .unwrap();
    assert_eq!(read_binary(&mut ws, 12).await, b"RFB 003.008\n");
    ws.send(Message::Binary(b"RFB 003.003\n".to_vec().into()))
        .await
        .unwrap();
    assert_eq!(read_binary(&mut ws, 4).await, [0, 0, 0, 1]);
    ws.send(Message::Binary(b"ping".to_vec().into()))
        .await
        .unwrap();
    assert_eq!(read_binary(&mut ws, 4).await, b"ping");

    // 3.7: a list to choose from, but no SecurityResult after None.
    let (mut ws, _) = tokio_tungstenite::connect_async(url(&bridge, &path()))
        .await
        .unwrap();
    assert_eq!(read_binary(&mut ws, 12).await, b"RFB 003.008\n");
    ws.send(Message::Binary(b"RFB 003.007\n".to_vec().into()))
        .await
        .unwrap();
    assert_eq!(read_binary(&mut ws, 2).await, [1, 1]);
    ws.send(Message::Binary(b"\x01ping".to_vec().into()))
        .await
        .unwrap();
    assert_eq!(read_binary(&mut ws, 4).await, b"ping");

    // Asking for VNC Authentication, which is not offered, ends the connection.
    let (mut ws, _) = tokio_tungstenite::connect_async(url(&bridge, &path()))
        .await
        .unwrap();
    assert_eq!(read_binary(&mut ws, 12).await, b"RFB 003.008\n");
    ws.send(Message::Binary(b"RFB 003.008\n".to_vec().into()))
        .await
        .unwrap();
    assert_eq!(read_binary(&mut ws, 2).await, [1, 1]);
    ws.send(Message::Binary(vec![2].into())).await.unwrap();
    let (reason, data) = close_reason(&mut ws).await;
    assert_eq!(reason, "RFB handshake with the live view failed");
    assert!(
        data.is_empty(),
        "got past a wrong security choice: {data:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_vnc_server_closes_the_websocket_with_a_reason() {
    // A port that was free a moment ago: nothing listens there.
    let target = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let bridge = Bridge::start().await.unwrap();
    let token = bridge.register("s1", target, any_password()).unwrap();
    let (mut ws, _) = tokio_tungstenite::connect_async(url(
        &bridge,
        &format!("/vnc/s1?token={}", token.expose()),
    ))
    .await
    .unwrap();

    let (reason, data) = close_reason(&mut ws).await;
    assert_eq!(reason, "VNC login failed: the VNC server is not answering");
    assert!(data.is_empty(), "the viewer was greeted: {data:?}");
}

/// A real x11vnc on a real Xvfb, protected by `password`.
#[cfg(target_os = "linux")]
struct RealVnc {
    display: seller_automation::display::VirtualDisplay,
    vnc: seller_automation::vnc::VncServer,
    _dir: tempfile::TempDir,
}

#[cfg(target_os = "linux")]
impl RealVnc {
    async fn start(password: &str) -> RealVnc {
        use seller_automation::display::VirtualDisplay;
        use seller_automation::vnc::{VncServer, write_password_file};

        let dir = tempfile::tempdir().unwrap();
        let password_file = write_password_file(dir.path(), &Secret::new(password)).unwrap();
        let marker = seller_automation::process::Marker::new("vnc-test", "a");
        let display = VirtualDisplay::start(&marker).await.unwrap();
        let vnc = VncServer::start(&display, &password_file, &marker)
            .await
            .unwrap();
        RealVnc {
            display,
            vnc,
            _dir: dir,
        }
    }

    fn address(&self) -> SocketAddr {
        ([127, 0, 0, 1], self.vnc.port()).into()
    }

    async fn stop(self) {
        self.vnc.stop().await;
        self.display.stop().await;
    }
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_right_password_the_viewer_gets_a_real_x11vnc_screen_without_one() {
    use seller_automation::display::SCREEN;

    let server = RealVnc::start("Vnc12345").await;
    let bridge = Bridge::start().await.unwrap();
    let token = bridge
        .register("live", server.address(), Secret::new("Vnc12345"))
        .unwrap();
    let (mut ws, _) = tokio_tungstenite::connect_async(url(
        &bridge,
        &format!("/vnc/live?token={}", token.expose()),
    ))
    .await
    .unwrap();

    viewer_handshake(&mut ws).await;
    // ClientInit: shared.
    ws.send(Message::Binary(vec![1].into())).await.unwrap();
    // ServerInit: width, height, a 16-byte pixel format, then the desktop's name.
    let mut pending = Vec::new();
    let server_init = read_exact(&mut ws, &mut pending, 24).await;
    let width = u16::from_be_bytes([server_init[0], server_init[1]]);
    let height = u16::from_be_bytes([server_init[2], server_init[3]]);
    assert_eq!((u32::from(width), u32::from(height)), SCREEN);
    let name_length = u32::from_be_bytes(server_init[20..24].try_into().unwrap()) as usize;
    read_exact(&mut ws, &mut pending, name_length).await;
    assert!(pending.is_empty(), "a message before the first request");

    // FramebufferUpdateRequest, not incremental, of the top-left 16x16 pixels.
    let mut request = vec![3, 0];
    for value in [0u16, 0, 16, 16] {
        request.extend_from_slice(&value.to_be_bytes());
    }
    ws.send(Message::Binary(request.into())).await.unwrap();
    let update = read_exact(&mut ws, &mut pending, 4).await;
    assert_eq!(update[0], 0, "a FramebufferUpdate");
    let rectangles = u16::from_be_bytes([update[2], update[3]]);
    assert!(rectangles > 0, "the update holds no rectangle");

    drop(ws);
    server.stop().await;
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_wrong_password_the_viewer_is_never_greeted_and_is_told_why() {
    let server = RealVnc::start("Vnc12345").await;
    let bridge = Bridge::start().await.unwrap();
    let token = bridge
        .register("live", server.address(), Secret::new("NotIt999"))
        .unwrap();
    let (mut ws, _) = tokio_tungstenite::connect_async(url(
        &bridge,
        &format!("/vnc/live?token={}", token.expose()),
    ))
    .await
    .unwrap();

    let (reason, data) = close_reason(&mut ws).await;
    assert_eq!(reason, "VNC login failed: the VNC password was rejected");
    assert!(
        data.is_empty(),
        "the viewer got past the login, no ServerInit may come: {data:?}"
    );

    server.stop().await;
}
