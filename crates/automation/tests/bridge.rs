//! The live view's WebSocket bridge on real parts: a TCP echo target on 127.0.0.1, a real
//! WebSocket client (tokio-tungstenite), and, on Linux, a real x11vnc on a real Xvfb.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use seller_automation::bridge::Bridge;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error, Message};

const TIMEOUT: Duration = Duration::from_secs(10);

/// A TCP server on 127.0.0.1 that sends back whatever it receives.
async fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut read, mut write) = stream.split();
                let _ = tokio::io::copy(&mut read, &mut write).await;
            });
        }
    });
    address
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
    let target = echo_server().await;
    let bridge = Bridge::start().await.unwrap();
    let token = bridge.register("s1", target).unwrap();

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
    let target = echo_server().await;
    let bridge = Bridge::start().await.unwrap();
    let token = bridge.register("s1", target).unwrap();
    let other = bridge.register("s2", target).unwrap();
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

    // After unregister the token no longer works.
    bridge.unregister("s1");
    assert_forbidden(url(&bridge, &format!("/vnc/s1?token={}", token.expose()))).await;
    // Registering again gives a new token; the old one stays dead.
    let renewed = bridge.register("s1", target).unwrap();
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

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rfb_greeting_of_a_real_x11vnc_arrives_through_the_bridge() {
    use seller_automation::display::VirtualDisplay;
    use seller_automation::vnc::{VncServer, write_password_file};
    use seller_secrets::Secret;

    let dir = tempfile::tempdir().unwrap();
    let password_file = write_password_file(dir.path(), &Secret::new("Vnc12345")).unwrap();
    let marker = seller_automation::process::Marker::new("vnc-test", "a");
    let display = VirtualDisplay::start(&marker).await.unwrap();
    let vnc = VncServer::start(&display.name(), &password_file, &marker)
        .await
        .unwrap();

    let bridge = Bridge::start().await.unwrap();
    let target: SocketAddr = ([127, 0, 0, 1], vnc.port()).into();
    let token = bridge.register("live", target).unwrap();
    let (mut ws, _) = tokio_tungstenite::connect_async(url(
        &bridge,
        &format!("/vnc/live?token={}", token.expose()),
    ))
    .await
    .unwrap();
    let greeting = read_binary(&mut ws, 12).await;
    assert_eq!(&greeting[..12], b"RFB 003.008\n");

    drop(ws);
    vnc.stop().await;
    display.stop().await;
}
