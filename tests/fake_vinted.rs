//! The fake Vinted site the browser-session tests and benchmarks use behaves as VINTED.md says
//! the real one does: login and its cookies, the user menu, refused logins, the DataDome
//! challenge, an expired session, the read endpoints, `/ip`, and a record of every request with
//! its peer address.

use seller_panel_tests::fake_vinted;

use std::net::{IpAddr, Ipv4Addr};

use fake_vinted::{FakeVinted, Mode};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode};
use serde_json::Value;

/// A client that follows no redirect (so the login's `Set-Cookie` is seen) and no proxy from
/// the environment.
fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The `name=value` pairs of `Set-Cookie` headers, as a `Cookie` header.
fn cookie_header(set_cookies: &[String]) -> String {
    set_cookies
        .iter()
        .map(|c| c.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ")
}

async fn form_login(fake: &FakeVinted, login: &str, password: &str) -> reqwest::Response {
    let body = format!(
        "username={}&password={}&ref_url=%2F",
        encode(login),
        encode(password)
    );
    client()
        .post(fake.url(fake_vinted::LOGIN_PATH))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Logs the test account in and returns the `Cookie` header its browser would send.
async fn logged_in_cookies(fake: &FakeVinted) -> String {
    let response = form_login(fake, fake_vinted::USERNAME, fake_vinted::PASSWORD).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    cookie_header(&set_cookies(&response))
}

async fn get(
    fake: &FakeVinted,
    path: &str,
    cookies: Option<&str>,
) -> (StatusCode, Vec<String>, String) {
    let mut request = client().get(fake.url(path));
    if let Some(cookies) = cookies {
        request = request.header(COOKIE, cookies);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let cookies = set_cookies(&response);
    (status, cookies, response.text().await.unwrap())
}

async fn get_json(fake: &FakeVinted, path: &str, cookies: &str) -> (StatusCode, Value) {
    let (status, _, body) = get(fake, path, Some(cookies)).await;
    let json = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("{path} answered non-JSON ({e}): {body}"));
    (status, json)
}

const USER_MENU: &str = r#"data-testid="user-menu-button""#;
const LOGIN_BUTTON: &str = r#"data-testid="header--login-button""#;

#[tokio::test]
async fn the_right_password_sets_lasting_cookies_and_the_home_shows_the_user_menu() {
    let fake = FakeVinted::start();

    let (status, cookies, home) = get(&fake, "/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        home.contains(LOGIN_BUTTON) && !home.contains(USER_MENU),
        "logged-out home: {home}"
    );
    assert!(
        cookies.iter().any(|c| c.starts_with("anon_id=")),
        "an anon_id for every visitor: {cookies:?}"
    );

    let (status, _, form) = get(&fake, fake_vinted::LOGIN_PATH, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains(r#"name="username""#) && form.contains(r#"name="password""#),
        "{form}"
    );

    let response = form_login(&fake, fake_vinted::USERNAME, fake_vinted::PASSWORD).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()[LOCATION], "/");
    let set = set_cookies(&response);
    for name in [
        fake_vinted::SESSION_COOKIE,
        fake_vinted::REFRESH_COOKIE,
        fake_vinted::RAILS_SESSION_COOKIE,
    ] {
        let cookie = set
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} in {set:?}"));
        // Persistent, so a kept browser profile stays logged in across restarts.
        assert!(
            cookie.contains(&format!("Max-Age={}", fake_vinted::COOKIE_MAX_AGE_SECS)),
            "{cookie}"
        );
    }
    const { assert!(fake_vinted::COOKIE_MAX_AGE_SECS >= 7 * 24 * 3600) };
    let cookies = cookie_header(&set);

    let (status, _, home) = get(&fake, "/", Some(&cookies)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        home.contains(USER_MENU) && !home.contains(LOGIN_BUTTON),
        "logged-in home: {home}"
    );
    assert!(home.contains(&format!(
        "background:{}",
        fake_vinted::LOGGED_IN_BACKGROUND_CSS
    )));
    // The CSRF token is the session's, escaped inside the Next.js payload as on Vinted.
    let csrf = fake.csrf_token().expect("a session was issued");
    assert_eq!(csrf.len(), 36, "{csrf}");
    assert!(
        home.contains(&format!(r#"\"CSRF_TOKEN\":\"{csrf}\""#)),
        "{home}"
    );
    assert!(home.contains(r#"\"ANON_ID\":\""#), "{home}");
    assert!(home.contains(r#"data-testid="prohibited-listing-education-upload-button""#));
    let [r, g, b] = fake_vinted::LOGGED_IN_BACKGROUND;
    assert_eq!(
        format!("#{r:02x}{g:02x}{b:02x}"),
        fake_vinted::LOGGED_IN_BACKGROUND_CSS
    );

    let (status, current) = get_json(&fake, "/api/v2/users/current", &cookies).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(current["user"]["id"], fake_vinted::USER_ID);
    assert_eq!(current["user"]["login"], fake_vinted::USERNAME);

    // The e-mail address logs in too; a logged-in visit to the login form goes home.
    let response = form_login(&fake, fake_vinted::EMAIL, fake_vinted::PASSWORD).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let (status, _, _) = get(&fake, fake_vinted::LOGIN_PATH, Some(&cookies)).await;
    assert_eq!(status, StatusCode::FOUND);
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_vinteds_error_shape() {
    let fake = FakeVinted::start();

    let response = form_login(&fake, fake_vinted::USERNAME, "not-the-password").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let set = set_cookies(&response);
    assert!(
        !set.iter()
            .any(|c| c.starts_with(fake_vinted::SESSION_COOKIE)),
        "{set:?}"
    );
    let page = response.text().await.unwrap();
    assert!(
        page.contains(r#"data-testid="login-error""#) && !page.contains(USER_MENU),
        "{page}"
    );

    let response = client()
        .post(fake.url(fake_vinted::JSON_LOGIN_PATH))
        .header(CONTENT_TYPE, "application/json")
        .body(
            serde_json::json!({"username": fake_vinted::USERNAME, "password": "nope"}).to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        !set_cookies(&response)
            .iter()
            .any(|c| c.starts_with(fake_vinted::SESSION_COOKIE))
    );
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["code"], 100);
    assert_eq!(body["message_code"], "invalid_authentication_token");

    // The right one through the JSON login works; no cookie or a forged one is not logged in.
    let response = client()
        .post(fake.url(fake_vinted::JSON_LOGIN_PATH))
        .header(CONTENT_TYPE, "application/json")
        .body(serde_json::json!({"username": fake_vinted::USERNAME, "password": fake_vinted::PASSWORD}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        set_cookies(&response)
            .iter()
            .any(|c| c.starts_with(fake_vinted::SESSION_COOKIE))
    );
    let forged = format!(
        "{}=fka.{}.1.0000000000000000",
        fake_vinted::SESSION_COOKIE,
        fake_vinted::USER_ID
    );
    for cookies in ["", forged.as_str()] {
        let (status, body) = get_json(&fake, "/api/v2/users/current", cookies).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["code"], 100);
    }
}

#[tokio::test]
async fn challenge_mode_serves_datadomes_captcha() {
    let fake = FakeVinted::start();
    let cookies = logged_in_cookies(&fake).await;
    fake.set_mode(Mode::Challenge);
    assert_eq!(fake.mode(), Mode::Challenge);

    for path in ["/", fake_vinted::LOGIN_PATH, "/items/new"] {
        let (status, _, page) = get(&fake, path, Some(&cookies)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            page.contains(r#"<iframe src="/geo.captcha-delivery.com/captcha/?"#),
            "{path}: {page}"
        );
        assert!(!page.contains(USER_MENU));
    }
    let (status, body) = get_json(&fake, "/api/v2/users/current", &cookies).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body.to_string().contains(fake_vinted::CAPTCHA_MARKER),
        "{body}"
    );
    // The iframe's page and the address echo are still served.
    let (status, _, _) = get(&fake, fake_vinted::CAPTCHA_FRAME_PATH, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, ip) = get(&fake, fake_vinted::IP_PATH, None).await;
    assert_eq!((status, ip.as_str()), (StatusCode::OK, "127.0.0.1"));

    // Solved: the session is still there.
    fake.set_mode(Mode::Normal);
    let (_, _, home) = get(&fake, "/", Some(&cookies)).await;
    assert!(home.contains(USER_MENU));
    // `/challenge` is the challenge whatever the mode.
    let (status, _, page) = get(&fake, fake_vinted::CHALLENGE_PATH, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("captcha-delivery.com"));
}

#[tokio::test]
async fn an_expired_session_logs_the_user_out_until_they_log_in_again() {
    let fake = FakeVinted::start();
    let cookies = logged_in_cookies(&fake).await;
    fake.set_mode(Mode::SessionExpired);

    let (status, set, home) = get(&fake, "/", Some(&cookies)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        home.contains(LOGIN_BUTTON) && !home.contains(USER_MENU),
        "{home}"
    );
    assert!(
        set.iter()
            .any(|c| c.starts_with("access_token_web=;") && c.contains("Max-Age=0")),
        "{set:?}"
    );
    let (status, body) = get_json(&fake, "/api/v2/wardrobe/4242/items", &cookies).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        (body["code"].as_u64(), body["message_code"].as_str()),
        (Some(100), Some("invalid_authentication_token"))
    );

    // The refresh cannot revive it either; going back to Normal does not revive it.
    let response = client()
        .post(fake.url(fake_vinted::REFRESH_PATH))
        .header(COOKIE, &cookies)
        .header("x-csrf-token", fake.csrf_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    fake.set_mode(Mode::Normal);
    let (_, _, home) = get(&fake, "/", Some(&cookies)).await;
    assert!(!home.contains(USER_MENU));

    let fresh = logged_in_cookies(&fake).await;
    let (_, _, home) = get(&fake, "/", Some(&fresh)).await;
    assert!(home.contains(USER_MENU));
    // A live refresh token with the page's CSRF token gets a new access token.
    let response = client()
        .post(fake.url(fake_vinted::REFRESH_PATH))
        .header(COOKIE, &fresh)
        .header("x-csrf-token", fake.csrf_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        set_cookies(&response)
            .iter()
            .any(|c| c.starts_with("access_token_web=fka."))
    );
}

#[tokio::test]
async fn ip_answers_the_peer_address_and_every_request_is_recorded_with_it() {
    let fake = FakeVinted::start();
    let (status, _, ip) = get(&fake, fake_vinted::IP_PATH, None).await;
    assert_eq!((status, ip.as_str()), (StatusCode::OK, "127.0.0.1"));

    // From another loopback address, as through a proxy bound to 127.0.0.2.
    let from_proxy = Client::builder()
        .no_proxy()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .build()
        .unwrap();
    let ip = from_proxy
        .get(fake.url("/ip"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(ip, "127.0.0.2");
    from_proxy
        .get(fake.url("/api/v2/inbox?page=1&per_page=5"))
        .header(COOKIE, "anon_id=abc; datadome=dd1")
        .header("user-agent", "FakeAgent/1.0")
        .send()
        .await
        .unwrap();

    let requests = fake.requests();
    assert_eq!(requests.len(), 3, "{requests:#?}");
    let peers: Vec<String> = requests.iter().map(|r| r.peer.ip().to_string()).collect();
    assert_eq!(peers, ["127.0.0.1", "127.0.0.2", "127.0.0.2"]);
    let inbox = &requests[2];
    assert_eq!(
        (inbox.method.as_str(), inbox.path.as_str()),
        ("GET", "/api/v2/inbox")
    );
    assert_eq!(inbox.query.as_deref(), Some("page=1&per_page=5"));
    assert_eq!(inbox.query_param("per_page").as_deref(), Some("5"));
    assert_eq!(
        inbox.host.as_deref(),
        Some(fake.addr().to_string().as_str())
    );
    assert_eq!(inbox.cookie("anon_id"), Some("abc"));
    assert_eq!(inbox.cookie("datadome"), Some("dd1"));
    assert_eq!(inbox.header("User-Agent"), Some("FakeAgent/1.0"));
    assert_ne!(inbox.peer.port(), 0);

    fake.clear_requests();
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn the_read_endpoints_answer_vinted_md_shapes_with_fixed_data() {
    let fake = FakeVinted::start();
    let cookies = logged_in_cookies(&fake).await;

    let (status, wardrobe) = get_json(
        &fake,
        "/api/v2/wardrobe/4242/items?page=1&per_page=4&order=newest_first",
        &cookies,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(wardrobe["pagination"]["total_entries"], 6);
    assert_eq!(wardrobe["pagination"]["total_pages"], 2);
    let items = wardrobe["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    // Newest first: the draft (5006), then the sold bag.
    assert_eq!(items[1]["id"], 5005);
    assert_eq!(items[1]["price"]["amount"], "40.00");
    assert_eq!(items[1]["is_closed"], true);
    assert_eq!(items[1]["item_closing_action"], "sold");
    assert!(items[1]["photos"][0]["full_size_url"].is_string());
    assert!(items[1]["photos"][0]["high_resolution"]["timestamp"].is_number());

    let (status, edit) = get_json(&fake, "/api/v2/item_upload/items/5001", &cookies).await;
    assert_eq!(
        (status, &edit["item"]["title"]),
        (StatusCode::OK, &Value::from("Veste en jean Levi's"))
    );
    let (status, sold) = get_json(&fake, "/api/v2/item_upload/items/5005", &cookies).await;
    assert_eq!(
        (status, &sold["message_code"]),
        (StatusCode::NOT_FOUND, &Value::from("not_found"))
    );

    let (_, inbox) = get_json(&fake, "/api/v2/inbox?page=1&per_page=20", &cookies).await;
    assert_eq!(
        inbox["conversations"][0]["opposite_user"]["login"],
        "acheteuse_marie"
    );
    let (_, conversation) = get_json(&fake, "/api/v2/conversations/7002", &cookies).await;
    assert_eq!(
        conversation["conversation"]["messages"][0]["entity_type"],
        "offer_request_message"
    );
    assert_eq!(conversation["conversation"]["transaction"]["id"], 8002);

    let (_, sold) = get_json(
        &fake,
        "/api/v2/my_orders?type=sold&status=all&page=1&per_page=20",
        &cookies,
    )
    .await;
    assert_eq!(sold["my_orders"][0]["transaction_id"], 8001);
    let (_, purchased) = get_json(
        &fake,
        "/api/v2/my_orders?type=purchased&status=all",
        &cookies,
    )
    .await;
    assert_eq!(purchased["my_orders"][0]["transaction_id"], 8003);
    let (_, transaction) = get_json(&fake, "/api/v2/transactions/8001", &cookies).await;
    assert_eq!(
        transaction["transaction"]["buyer"]["login"],
        "acheteuse_marie"
    );

    let (_, notifications) =
        get_json(&fake, "/api/v2/notifications?page=1&per_page=20", &cookies).await;
    let types: Vec<u64> = notifications["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["entry_type"].as_u64().unwrap())
        .collect();
    assert_eq!(types, [20, 30, 110, 120, 300]);
    let (_, favourites) = get_json(&fake, "/api/v2/users/4242/items/favourites", &cookies).await;
    assert_eq!(favourites["items"].as_array().unwrap().len(), 2);

    // A moved endpoint answers HTML, as Vinted does.
    let (status, _, body) = get(&fake, "/api/v2/no_such_endpoint", Some(&cookies)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.starts_with("<!doctype html>"));

    fake.set_mode(Mode::RateLimited);
    let (status, limited) = get_json(&fake, "/api/v2/users/current", &cookies).await;
    assert_eq!(
        (status, &limited["code"]),
        (StatusCode::TOO_MANY_REQUESTS, &Value::from(106))
    );
}
