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

    // Notifications: newest first on both routes, only the last 7 days.
    let now = std::time::SystemTime::now();
    let hours = |h: u64| now - std::time::Duration::from_secs(h * 3600);
    for (entry_type, at) in [(300, 5), (120, 4), (110, 3), (30, 2), (20, 1), (50, 24 * 8)] {
        fake.push_notification(fake_vinted::NewNotification {
            recipient: fake_vinted::USER_ID,
            entry_type,
            subject_id: Some(5001),
            user_id: Some(6201),
            user_login: Some("fan_lea".into()),
            body: format!("entry {entry_type}"),
            link: None,
            at: hours(at),
        });
    }
    for path in [
        "/api/v2/notifications?page=1&per_page=20",
        "/inbox-notifications/v1/notifications?page=1&per_page=20",
    ] {
        let (_, notifications) = get_json(&fake, path, &cookies).await;
        let types: Vec<u64> = notifications["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["entry_type"].as_u64().unwrap())
            .collect();
        assert_eq!(types, [20, 30, 110, 120, 300], "{path}");
    }
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

// --- The write side: a logged-in page's `fetch` calls, as the automation makes them ---------------

/// What a logged-in page holds: its cookies, and the CSRF token and anon id of its HTML.
struct Page {
    base: String,
    cookies: String,
    csrf: String,
    anon: String,
}

/// Logs `login` in, opens the home and reads the tokens from the Next.js payload, as the
/// automation does.
async fn open_page(fake: &FakeVinted, login: &str, password: &str) -> Page {
    let response = form_login(fake, login, password).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let mut cookies = cookie_header(&set_cookies(&response));
    let (_, set, home) = get(fake, "/", Some(&cookies)).await;
    cookies = format!("{cookies}; {}", cookie_header(&set));
    let between = |start: &str| {
        let at = home
            .find(start)
            .unwrap_or_else(|| panic!("{start} in {home}"))
            + start.len();
        home[at..].split('\\').next().unwrap().to_owned()
    };
    Page {
        base: fake.base_url(),
        csrf: between(r#"\"CSRF_TOKEN\":\""#),
        anon: between(r#"\"ANON_ID\":\""#),
        cookies,
    }
}

/// One answer: status, headers, body text.
struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("non-JSON ({e}), status {}: {}", self.status, self.text))
    }
}

impl Page {
    /// A JSON call with VINTED.md's upload headers.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.try_call(method, path, body).await.unwrap()
    }

    async fn try_call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Result<Answer> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = client()
            .request(method, format!("{}{path}", self.base))
            .header(COOKIE, &self.cookies)
            .header("x-csrf-token", &self.csrf)
            .header("x-anon-id", &self.anon)
            .header("x-upload-form", "true")
            .header("x-enable-multiple-size-groups", "true");
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let response = request.send().await?;
        Ok(Answer {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await?,
        })
    }

    /// `POST /api/v2/photos` multipart, as the form's script sends it.
    async fn upload(&self, file: &[u8]) -> Answer {
        let boundary = "----fakeVintedBoundary7MA4YWxk";
        let mut body = Vec::new();
        for (name, value) in [("photo[type]", "item"), ("photo[temp_uuid]", "tmp-1")] {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photo[file]\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let response = client()
            .post(format!("{}/api/v2/photos", self.base))
            .header(COOKIE, &self.cookies)
            .header("x-csrf-token", &self.csrf)
            .header("x-anon-id", &self.anon)
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.unwrap(),
        }
    }

    async fn photo_id(&self) -> u64 {
        let answer = self.upload(&jpeg(640, 480)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        answer.json()["id"].as_u64().unwrap()
    }
}

/// A JPEG's first bytes and its frame header: enough for a magic-bytes and size check.
fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&[0x03; 10]);
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

/// A valid create body for a dress (size and condition as `*_id` AND attributes).
fn dress(photos: &[u64], title: &str) -> Value {
    let assigned: Vec<Value> = photos
        .iter()
        .map(|id| serde_json::json!({"id": id, "orientation": 0}))
        .collect();
    serde_json::json!({
        "item": {
            "id": null, "currency": "EUR", "temp_uuid": "tmp-1", "title": title,
            "description": "Robe portée deux fois. Réf SP-000042", "brand_id": 12, "brand": "Zara",
            "catalog_id": 10, "size_id": 4, "status_id": 43, "isbn": null, "is_unisex": false,
            "price": 19.9, "package_size_id": 2,
            "shipment_prices": {"domestic": null, "international": null},
            "color_ids": [1, 12], "assigned_photos": assigned,
            "item_attributes": [
                {"code": "size", "ids": [4]},
                {"code": "condition", "ids": [43]},
                {"code": "material", "ids": [149]}
            ],
            "measurement_length": null, "measurement_width": null,
            "manufacturer": null, "manufacturer_labelling": null
        },
        "feedback_id": null, "push_up": false, "parcel": null, "upload_session_id": "tmp-1"
    })
}

fn error_fields(answer: &Answer) -> Vec<String> {
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    let body = answer.json();
    assert_eq!(
        (body["code"].as_u64(), body["message_code"].as_str()),
        (Some(99), Some("validation_error")),
        "{body}"
    );
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(e["value"].as_str().is_some_and(|v| !v.is_empty()), "{e}");
            e["field"].as_str().unwrap().to_owned()
        })
        .collect()
}

async fn me(fake: &FakeVinted) -> Page {
    open_page(fake, fake_vinted::USERNAME, fake_vinted::PASSWORD).await
}

#[tokio::test]
async fn a_seeded_wardrobe_pages_and_clamps_on_both_routes() {
    let fake = FakeVinted::start();
    let ids = fake.seed_wardrobe(300);
    assert_eq!(ids.len(), 300);
    let page = me(&fake).await;

    for route in ["wardrobe/4242/items", "users/4242/items"] {
        let mut seen = Vec::new();
        for n in 1..=4 {
            let answer = page
                .call(
                    "GET",
                    &format!("/api/v2/{route}?page={n}&per_page=500&order=newest_first"),
                    None,
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{route}");
            let body = answer.json();
            assert_eq!(body["pagination"]["total_entries"], 300, "{route}");
            assert_eq!(body["pagination"]["total_pages"], 4, "{route}");
            assert_eq!(body["pagination"]["per_page"], 96, "{route}");
            let items = body["items"].as_array().unwrap();
            assert_eq!(items.len(), if n < 4 { 96 } else { 12 }, "{route} page {n}");
            for item in items {
                assert!(item["price"]["amount"].is_string(), "{item}");
                let photos = item["photos"].as_array().unwrap().len();
                assert!((1..=3).contains(&photos), "{item}");
                seen.push(item["id"].as_u64().unwrap());
            }
        }
        // Every item once, newest first.
        let mut expected = ids.clone();
        expected.reverse();
        assert_eq!(seen, expected, "{route}");
    }

    // The mix of statuses and SKUs a real wardrobe has.
    let items = fake.items();
    let mine: Vec<_> = items
        .iter()
        .filter(|i| i.user_id == fake_vinted::USER_ID)
        .collect();
    assert_eq!(mine.len(), 300);
    for (what, count) in [
        ("sold", mine.iter().filter(|i| i.is_sold).count()),
        (
            "closed",
            mine.iter().filter(|i| i.is_closed && !i.is_sold).count(),
        ),
        ("hidden", mine.iter().filter(|i| i.is_hidden).count()),
        ("reserved", mine.iter().filter(|i| i.is_reserved).count()),
        ("draft", mine.iter().filter(|i| i.is_draft).count()),
        (
            "sku",
            mine.iter()
                .filter(|i| i.description.contains("Réf SP-"))
                .count(),
        ),
    ] {
        assert!(count > 0, "no {what} item");
    }
    // Another account's wardrobe shows only its own live listings.
    let other = page
        .call(
            "GET",
            &format!("/api/v2/wardrobe/{}/items", fake_vinted::OTHER_USER_ID),
            None,
        )
        .await
        .json();
    let other_ids: Vec<u64> = other["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    assert_eq!(other_ids.len(), 2);
    assert!(
        other_ids
            .iter()
            .all(|id| fake_vinted::OTHER_ITEM_IDS.contains(id))
    );
}

#[tokio::test]
async fn an_empty_wardrobe_is_404_on_the_newer_route_only() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(0);
    let page = me(&fake).await;
    let newer = page.call("GET", "/api/v2/users/4242/items", None).await;
    assert_eq!(newer.status, StatusCode::NOT_FOUND);
    assert_eq!(newer.json()["message_code"], "not_found");
    let older = page.call("GET", "/api/v2/wardrobe/4242/items", None).await;
    assert_eq!(older.status, StatusCode::OK);
    assert_eq!(older.json()["pagination"]["total_entries"], 0);
    // `users/me` answers like `users/current`.
    let me = page.call("GET", "/api/v2/users/me", None).await.json();
    assert_eq!(me["user"]["id"], fake_vinted::USER_ID);
    assert!(me["user"]["restricted_until"].is_null());
}

#[tokio::test]
async fn a_write_without_a_valid_csrf_token_is_403_code_106() {
    let fake = FakeVinted::start();
    let mut page = me(&fake).await;
    assert_eq!(fake.csrf_token().as_deref(), Some(page.csrf.as_str()));
    let hide = serde_json::json!({"is_hidden": true});

    let denied = |answer: Answer| {
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
        let body = answer.json();
        assert_eq!(
            (body["code"].as_u64(), body["message_code"].as_str()),
            (Some(106), Some("access_denied"))
        );
    };
    let good = page.csrf.clone();
    for csrf in ["", "00000000-0000-4000-8000-000000000000"] {
        page.csrf = csrf.to_owned();
        denied(
            page.call("PUT", "/api/v2/items/5001/is_hidden", Some(hide.clone()))
                .await,
        );
    }
    // Stale: the token of a session that was rotated away.
    page.csrf = good;
    fake.rotate_csrf();
    denied(
        page.call("PUT", "/api/v2/items/5001/is_hidden", Some(hide.clone()))
            .await,
    );
    assert!(!fake.item(5001).unwrap().is_hidden);
    // Reloading the page gives the new token, which works; reads never needed one.
    let (_, _, home) = get(&fake, "/", Some(&page.cookies)).await;
    let fresh = fake.csrf_token().unwrap();
    assert!(home.contains(&fresh));
    page.csrf = fresh;
    let answer = page
        .call("PUT", "/api/v2/items/5001/is_hidden", Some(hide))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(fake.item(5001).unwrap().is_hidden);
}

#[tokio::test]
async fn photos_must_be_jpegs_and_answer_top_level_fields() {
    let fake = FakeVinted::start();
    let page = me(&fake).await;
    let answer = page.upload(&jpeg(640, 480)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let photo = answer.json();
    for key in ["id", "url", "width", "height", "orientation"] {
        assert!(!photo[key].is_null(), "{key} in {photo}");
    }
    assert_eq!(
        (photo["width"].as_u64(), photo["height"].as_u64()),
        (Some(640), Some(480))
    );
    // Its bytes are served back.
    let url = photo["url"].as_str().unwrap();
    let served = client()
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(served.as_ref(), jpeg(640, 480).as_slice());

    let png = b"\x89PNG\r\n\x1a\n0000";
    let refused = page.upload(png).await;
    assert_eq!(error_fields(&refused), ["photo"]);
    assert_eq!(
        fake.photos().iter().filter(|p| !p.bytes.is_empty()).count(),
        1
    );
    let recorded = fake
        .requests()
        .into_iter()
        .rfind(|r| r.path == "/api/v2/photos")
        .unwrap();
    let body = recorded.body.unwrap();
    assert_eq!(body["photo[type]"], "item");
    assert_eq!(body["photo[file]"]["file_bytes"], png.len());
}

#[tokio::test]
async fn create_validates_like_vinted_and_the_same_create_twice_makes_two_items() {
    let fake = FakeVinted::start();
    let page = me(&fake).await;

    // Nothing filled in: every required field at once.
    let empty = page
        .call(
            "POST",
            "/api/v2/item_upload/items",
            Some(serde_json::json!({"item": {}})),
        )
        .await;
    let fields = error_fields(&empty);
    for field in [
        "title",
        "description",
        "catalog_id",
        "condition",
        "price",
        "assigned_photos",
        "package_size_id",
    ] {
        assert!(fields.contains(&field.to_owned()), "{field} in {fields:?}");
    }

    let photos = [page.photo_id().await, page.photo_id().await];
    // The form's trap: no focusout on the price posts `price: null`.
    let mut body = dress(&photos, "Robe fleurie Zara");
    body["item"]["price"] = Value::Null;
    assert_eq!(
        error_fields(
            &page
                .call("POST", "/api/v2/item_upload/items", Some(body))
                .await
        ),
        ["price"]
    );
    for price in [0.5, 5000.5] {
        let mut body = dress(&photos, "Robe fleurie Zara");
        body["item"]["price"] = price.into();
        assert_eq!(
            error_fields(
                &page
                    .call("POST", "/api/v2/item_upload/items", Some(body))
                    .await
            ),
            ["price"]
        );
    }
    // `size_id` without its attribute: "fill in the size".
    let mut body = dress(&photos, "Robe fleurie Zara");
    body["item"]["item_attributes"] = serde_json::json!([{"code": "condition", "ids": [43]}]);
    assert_eq!(
        error_fields(
            &page
                .call("POST", "/api/v2/item_upload/items", Some(body))
                .await
        ),
        ["size"]
    );
    // A condition id from another source (1..5) is not one of this site's.
    let mut body = dress(&photos, "Robe fleurie Zara");
    body["item"]["status_id"] = 3.into();
    body["item"]["item_attributes"][1]["ids"] = serde_json::json!([3]);
    assert_eq!(
        error_fields(
            &page
                .call("POST", "/api/v2/item_upload/items", Some(body))
                .await
        ),
        ["condition"]
    );
    // Another account's photo.
    let other = open_page(
        &fake,
        fake_vinted::OTHER_USERNAME,
        fake_vinted::OTHER_PASSWORD,
    )
    .await;
    let theirs = other.photo_id().await;
    let body = dress(&[theirs], "Robe fleurie Zara");
    assert_eq!(
        error_fields(
            &page
                .call("POST", "/api/v2/item_upload/items", Some(body))
                .await
        ),
        ["assigned_photos"]
    );
    assert!(fake.items().iter().all(|i| i.title != "Robe fleurie Zara"));

    // Valid, twice: two listings, as on Vinted.
    let mut created = Vec::new();
    for _ in 0..2 {
        let answer = page
            .call(
                "POST",
                "/api/v2/item_upload/items",
                Some(dress(&[photos[1], photos[0]], "Robe fleurie Zara")),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let body = answer.json();
        assert_eq!(body["code"], 0);
        assert!(body["after_upload_actions"].is_array());
        created.push(body["item"]["id"].as_u64().unwrap());
    }
    assert_ne!(created[0], created[1]);
    let item = fake.item(created[0]).unwrap();
    assert_eq!(
        item.photo_ids,
        [photos[1], photos[0]],
        "the photo order as assigned"
    );
    assert_eq!(
        (item.price.as_str(), item.size_id, item.status_id),
        ("19.90", Some(4), Some(43))
    );
    assert_eq!(
        (item.color_ids.as_slice(), item.material_ids.as_slice()),
        (&[1, 12][..], &[149][..])
    );
    assert_eq!(item.anon_id.as_deref(), Some(page.anon.as_str()));
    assert_eq!(item.sent.as_ref().unwrap()["upload_session_id"], "tmp-1");
    let wardrobe = page
        .call("GET", "/api/v2/wardrobe/4242/items?per_page=96", None)
        .await
        .json();
    let listed = wardrobe["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["title"] == "Robe fleurie Zara")
        .count();
    assert_eq!(listed, 2);
    // The JSON body of a write is recorded with the headers.
    let sent = fake
        .requests()
        .into_iter()
        .rfind(|r| r.path == "/api/v2/item_upload/items")
        .unwrap();
    assert_eq!(sent.header("x-upload-form"), Some("true"));
    assert_eq!(sent.body.unwrap()["item"]["title"], "Robe fleurie Zara");
}

#[tokio::test]
async fn edit_reads_and_writes_only_own_items_that_are_still_editable() {
    let fake = FakeVinted::start();
    let page = me(&fake).await;
    let read = page
        .call("GET", "/api/v2/item_upload/items/5002", None)
        .await;
    assert_eq!(read.status, StatusCode::OK);
    let item = read.json()["item"].clone();
    assert!(
        item.get("size_id").is_none(),
        "size only in item_attributes: {item}"
    );
    assert_eq!(item["item_attributes"][0]["code"], "size");
    assert!(item["description"].as_str().unwrap().len() > 5);
    for (id, status) in [
        (5003, StatusCode::NOT_FOUND),
        (5005, StatusCode::NOT_FOUND),
        (5101, StatusCode::FORBIDDEN),
        (999, StatusCode::NOT_FOUND),
    ] {
        let answer = page
            .call("GET", &format!("/api/v2/item_upload/items/{id}"), None)
            .await;
        assert_eq!(answer.status, status, "{id}: {}", answer.text);
        if status == StatusCode::FORBIDDEN {
            assert_eq!(answer.json()["code"], 106);
        }
    }
    assert_eq!(
        page.call("GET", "/api/v2/items/5002", None).await.status,
        StatusCode::NOT_FOUND
    );

    let photo = page.photo_id().await;
    let mut body = dress(&[photo], "Robe d'été Zara, taille M");
    body["item"]["id"] = 5002.into();
    let edited = page
        .call("PUT", "/api/v2/item_upload/items/5002", Some(body.clone()))
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    let stored = fake.item(5002).unwrap();
    assert_eq!(
        (
            stored.title.as_str(),
            stored.edits,
            stored.photo_ids.as_slice()
        ),
        ("Robe d'été Zara, taille M", 1, &[photo][..])
    );
    // assigned_photos is required on edit too; another account's item is 403/106.
    body["item"]["assigned_photos"] = serde_json::json!([]);
    assert_eq!(
        error_fields(
            &page
                .call("PUT", "/api/v2/item_upload/items/5002", Some(body.clone()))
                .await
        ),
        ["assigned_photos"]
    );
    let theirs = page
        .call(
            "PUT",
            "/api/v2/item_upload/items/5101",
            Some(dress(&[photo], "Pas à moi du tout")),
        )
        .await;
    assert_eq!(
        (theirs.status, theirs.json()["code"].as_u64()),
        (StatusCode::FORBIDDEN, Some(106))
    );
}

#[tokio::test]
async fn a_draft_answers_a_stub_and_its_completion_validates_the_body_it_is_sent() {
    let fake = FakeVinted::start();
    let page = me(&fake).await;
    let photo = page.photo_id().await;
    let draft = serde_json::json!({"draft": {"title": "Brouillon"}, "feedback_id": null, "parcel": null, "upload_session_id": "tmp-1"});
    let answer = page
        .call("POST", "/api/v2/item_upload/drafts", Some(draft))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let stub = answer.json();
    let id = stub["draft"]["id"].as_u64().unwrap();
    assert_eq!(
        stub["draft"].as_object().unwrap().len(),
        1,
        "a stub: {stub}"
    );
    for method in ["GET", "PUT"] {
        let body =
            (method == "PUT").then(|| serde_json::json!({"draft": {"title": "Brouillon 2"}}));
        let answer = page
            .call(method, &format!("/api/v2/item_upload/drafts/{id}"), body)
            .await;
        assert_eq!(
            answer.json()["draft"],
            serde_json::json!({"id": id}),
            "{method}"
        );
    }
    assert!(fake.item(id).unwrap().is_draft);

    // The completion validates what it is sent, not what the draft holds.
    let completion = |draft: Value| {
        let mut draft = draft;
        draft["id"] = id.into();
        serde_json::json!({"draft": draft, "push_up": false, "parcel": null, "upload_session_id": "tmp-1"})
    };
    let path = format!("/api/v2/item_upload/drafts/{id}/completion");
    let answer = page
        .call(
            "POST",
            &path,
            Some(completion(serde_json::json!({"title": "Brouillon 2"}))),
        )
        .await;
    assert!(error_fields(&answer).contains(&"price".to_owned()));
    let full = dress(&[photo], "Robe du brouillon")["item"].clone();
    let answer = page.call("POST", &path, Some(completion(full))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json()["item"]["id"], id);
    let item = fake.item(id).unwrap();
    assert!(!item.is_draft && item.is_live());
    assert_eq!(item.title, "Robe du brouillon");

    // DELETE removes a draft; a published item is no draft any more.
    let other = page
        .call(
            "POST",
            "/api/v2/item_upload/drafts",
            Some(serde_json::json!({"draft": {}})),
        )
        .await
        .json();
    let other = other["draft"]["id"].as_u64().unwrap();
    assert_eq!(
        page.call(
            "DELETE",
            &format!("/api/v2/item_upload/drafts/{other}"),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    assert!(fake.item(other).unwrap().is_deleted);
    assert_eq!(
        page.call("GET", &format!("/api/v2/item_upload/drafts/{id}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn hide_and_delete_change_the_wardrobe_and_refuse_another_accounts_items() {
    let fake = FakeVinted::start();
    let page = me(&fake).await;
    let hide = |hidden: bool| Some(serde_json::json!({"is_hidden": hidden}));
    assert_eq!(
        page.call("PUT", "/api/v2/items/5001/is_hidden", hide(true))
            .await
            .status,
        StatusCode::OK
    );
    let listed = |wardrobe: &Value, id: u64| {
        wardrobe["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .cloned()
    };
    let wardrobe = page
        .call("GET", "/api/v2/wardrobe/4242/items", None)
        .await
        .json();
    assert_eq!(listed(&wardrobe, 5001).unwrap()["is_hidden"], true);
    assert_eq!(
        page.call("PUT", "/api/v2/items/5001/is_hidden", hide(false))
            .await
            .status,
        StatusCode::OK
    );
    assert!(!fake.item(5001).unwrap().is_hidden);

    let deleted = client()
        .post(fake.url("/api/v2/items/5001/delete"))
        .header(COOKIE, &page.cookies)
        .header("x-csrf-token", &page.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    assert!(fake.item(5001).unwrap().is_deleted);
    let wardrobe = page
        .call("GET", "/api/v2/wardrobe/4242/items", None)
        .await
        .json();
    assert!(listed(&wardrobe, 5001).is_none());
    let again = page.call("POST", "/api/v2/items/5001/delete", None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(
        page.call("PUT", "/api/v2/items/5001/is_hidden", hide(true))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    for (method, path, body) in [
        ("POST", "/api/v2/items/5101/delete", None),
        ("PUT", "/api/v2/items/5101/is_hidden", hide(true)),
    ] {
        let answer = page.call(method, path, body).await;
        assert_eq!(
            (answer.status, answer.json()["code"].as_u64()),
            (StatusCode::FORBIDDEN, Some(106)),
            "{path}"
        );
    }
    assert!(fake.item(5101).unwrap().is_live());
}

#[tokio::test]
async fn the_reference_endpoints_answer_what_the_form_offers() {
    let fake = FakeVinted::start();
    let page = me(&fake).await;
    let catalogs = page
        .call("GET", "/api/v2/item_upload/catalogs", None)
        .await
        .json();
    assert_eq!(catalogs["catalogs"][0]["title"], "Femmes");
    assert_eq!(
        catalogs["catalogs"][0]["catalogs"][0]["catalogs"][0]["id"],
        10
    );
    let brands = page
        .call(
            "GET",
            "/api/v2/item_upload/brands?category_id=10&keyword=nik",
            None,
        )
        .await
        .json();
    let names: Vec<&str> = brands["brands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["title"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Nike", "Nike ACG"]);
    let colors = page
        .call("GET", "/api/v2/item_upload/colors", None)
        .await
        .json();
    assert!(colors["colors"].as_array().unwrap().len() >= 5);
    let sizes = page
        .call("GET", "/api/v2/size_groups?catalog_ids[]=10", None)
        .await
        .json();
    assert_eq!(
        sizes["size_groups"][0]["sizes"][2],
        serde_json::json!({"id": 4, "title": "M"})
    );
    let parcels = page
        .call("GET", "/api/v2/catalogs/19/package_sizes", None)
        .await
        .json();
    assert_eq!(parcels["package_sizes"].as_array().unwrap().len(), 2);
    let attributes = page
        .call(
            "POST",
            "/api/v2/item_upload/attributes",
            Some(serde_json::json!({"attributes": [{"code": "category", "value": [10]}]})),
        )
        .await
        .json();
    let ids = |code: &str| -> Vec<u64> {
        let attribute = attributes["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == code)
            .unwrap();
        attribute["configuration"]["options"][0]["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_u64().unwrap())
            .collect()
    };
    for code in ["condition", "material"] {
        let ids = ids(code);
        assert!(
            ids.len() >= 5 && ids.iter().all(|id| *id > 5),
            "{code}: {ids:?}"
        );
    }
}

/// Sends one call and reports the wire: status, the headers that matter, the body.
async fn wire(
    page: &Page,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Option<String>, Option<String>, String, String) {
    let answer = page.call(method, path, body).await;
    let header = |name: &str| {
        answer
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    (
        answer.status,
        header("retry-after"),
        header("x-datadome"),
        header("content-type").unwrap_or_default(),
        answer.text,
    )
}

#[tokio::test]
async fn each_injected_fault_has_vinteds_wire_shape_then_the_site_behaves_again() {
    use fake_vinted::{Failure, Step};
    let fake = FakeVinted::start();
    let page = me(&fake).await;
    let json_of = |text: &str| serde_json::from_str::<Value>(text).unwrap();
    let wardrobe = "/api/v2/wardrobe/4242/items";

    fake.fail_next(Step::Wardrobe, Failure::LoginExpired);
    let (status, _, _, _, body) = wire(&page, "GET", wardrobe, None).await;
    assert_eq!(
        (
            status,
            json_of(&body)["code"].as_u64(),
            json_of(&body)["message_code"].as_str()
        ),
        (
            StatusCode::UNAUTHORIZED,
            Some(100),
            Some("invalid_authentication_token")
        )
    );

    fake.fail_next(Step::Wardrobe, Failure::AccessDenied106);
    let (status, _, _, _, body) = wire(&page, "GET", wardrobe, None).await;
    assert_eq!(
        (
            status,
            json_of(&body)["code"].as_u64(),
            json_of(&body)["message_code"].as_str()
        ),
        (StatusCode::FORBIDDEN, Some(106), Some("access_denied"))
    );

    fake.fail_next(
        Step::Wardrobe,
        Failure::RateLimited {
            retry_after_secs: 37,
        },
    );
    let (status, retry, _, _, _) = wire(&page, "GET", wardrobe, None).await;
    assert_eq!(
        (status, retry.as_deref()),
        (StatusCode::TOO_MANY_REQUESTS, Some("37"))
    );

    fake.fail_next(Step::Wardrobe, Failure::DataDome403);
    let (status, _, datadome, kind, body) = wire(&page, "GET", wardrobe, None).await;
    assert_eq!(
        (status, datadome.as_deref()),
        (StatusCode::FORBIDDEN, Some("protected"))
    );
    assert!(
        kind.starts_with("application/json") && body.contains("geo.captcha-delivery.com"),
        "{body}"
    );

    fake.fail_next(Step::Wardrobe, Failure::DataDome200Html);
    let (status, _, _, kind, body) = wire(&page, "GET", wardrobe, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        kind.starts_with("text/html") && body.contains("captcha-delivery.com"),
        "{kind} {body}"
    );

    fake.fail_next(Step::Wardrobe, Failure::HtmlInsteadOfJson);
    let (status, _, _, kind, body) = wire(&page, "GET", wardrobe, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        kind.starts_with("text/html") && !body.contains("captcha"),
        "{body}"
    );

    fake.fail_next(Step::Wardrobe, Failure::ServerError);
    let (status, _, _, kind, _) = wire(&page, "GET", wardrobe, None).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(kind.starts_with("application/json"));

    fake.fail_next(
        Step::Create,
        Failure::Validation {
            field: "title".into(),
            message: "Titre refusé".into(),
        },
    );
    let (status, _, _, _, body) = wire(
        &page,
        "POST",
        "/api/v2/item_upload/items",
        Some(serde_json::json!({"item": {}})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&body)["errors"],
        serde_json::json!([{"field": "title", "value": "Titre refusé"}])
    );

    // The step matters: a fault for Delete leaves the wardrobe alone.
    fake.fail_next(Step::Delete, Failure::ServerError);
    assert_eq!(wire(&page, "GET", wardrobe, None).await.0, StatusCode::OK);
    assert_eq!(fake.pending_faults(), 1);
    fake.clear_faults();

    // Count-based: the next two, then a normal answer; `Any` catches every API call.
    fake.fail_next_n(Step::Any, Failure::ServerError, 2);
    assert_eq!(
        wire(&page, "GET", "/api/v2/users/current", None).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        wire(&page, "GET", wardrobe, None).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(wire(&page, "GET", wardrobe, None).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_restriction_refuses_writes_until_the_date_the_profile_shows() {
    use fake_vinted::{Failure, Step};
    use std::time::{Duration, SystemTime};
    let fake = FakeVinted::start();
    let page = me(&fake).await;
    let until = SystemTime::now() + Duration::from_secs(24 * 3600);
    fake.fail_next(Step::Hide, Failure::Restricted { until });
    let hide = Some(serde_json::json!({"is_hidden": true}));
    for _ in 0..2 {
        // The first answer is the fault; the second the restriction it left.
        let answer = page
            .call("PUT", "/api/v2/items/5001/is_hidden", hide.clone())
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        let body = answer.json();
        assert_eq!(body["message_code"], "account_restricted");
        assert!(body["restricted_until"].as_str().unwrap().ends_with('Z'));
    }
    let profile = page.call("GET", "/api/v2/users/current", None).await.json();
    let shown = profile["user"]["restricted_until"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(shown.starts_with(&fake_vinted_year(until)), "{shown}");
    // Reads still work; lifting it lets writes through.
    assert_eq!(
        page.call("GET", "/api/v2/wardrobe/4242/items", None)
            .await
            .status,
        StatusCode::OK
    );
    fake.restrict(fake_vinted::USER_ID, None);
    assert_eq!(
        page.call("PUT", "/api/v2/items/5001/is_hidden", hide)
            .await
            .status,
        StatusCode::OK
    );
    assert!(
        page.call("GET", "/api/v2/users/current", None).await.json()["user"]["restricted_until"]
            .is_null()
    );
}

/// The year of a time, to check an RFC 3339 date without a date crate.
fn fake_vinted_year(time: std::time::SystemTime) -> String {
    let secs = time
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Good enough for the next decades: 365.2425 days a year.
    format!("{}", 1970 + secs / 31_556_952)
}

#[tokio::test]
async fn a_dropped_connection_answers_nothing_and_an_accepted_then_dropped_create_is_stored() {
    use fake_vinted::{Failure, Step};
    let fake = FakeVinted::start();
    let page = me(&fake).await;
    let photo = page.photo_id().await;

    fake.fail_next(Step::Create, Failure::NetworkDrop);
    let dropped = page
        .try_call(
            "POST",
            "/api/v2/item_upload/items",
            Some(dress(&[photo], "Robe jamais créée")),
        )
        .await;
    assert!(dropped.is_err(), "no answer expected");
    assert!(fake.items().iter().all(|i| i.title != "Robe jamais créée"));

    fake.fail_next(Step::Create, Failure::AcceptThenDrop);
    let dropped = page
        .try_call(
            "POST",
            "/api/v2/item_upload/items",
            Some(dress(&[photo], "Robe créée sans réponse")),
        )
        .await;
    assert!(dropped.is_err(), "no answer expected");
    // The retry must find it in the wardrobe.
    let wardrobe = page
        .call("GET", "/api/v2/wardrobe/4242/items", None)
        .await
        .json();
    assert!(
        wardrobe["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["title"] == "Robe créée sans réponse")
    );

    // Requests are timed, for pacing checks.
    let requests = fake.requests();
    assert!(requests.windows(2).all(|w| w[0].at <= w[1].at));
}

#[tokio::test]
async fn the_upload_form_needs_the_sell_link_and_carries_every_test_id() {
    use fake_vinted::{Failure, Step};
    let fake = FakeVinted::start();
    let page = me(&fake).await;
    let open = |referer: Option<String>| {
        let mut request = client()
            .get(fake.url("/items/new"))
            .header(COOKIE, &page.cookies);
        if let Some(referer) = referer {
            request = request.header("referer", referer);
        }
        async move { request.send().await.unwrap() }
    };
    let direct = open(None).await;
    assert_eq!(
        (
            direct.status(),
            direct.headers()[LOCATION].to_str().unwrap()
        ),
        (StatusCode::FOUND, "/")
    );
    let elsewhere = open(Some("https://www.google.com/".into())).await;
    assert_eq!(elsewhere.status(), StatusCode::FOUND);
    let form = open(Some(fake.url("/"))).await;
    assert_eq!(form.status(), StatusCode::OK);
    let form = form.text().await.unwrap();
    for id in [
        "add-photos-input",
        "title--input",
        "description--input",
        "catalog-select-dropdown-input",
        "brand-select-dropdown-input",
        "brand-search--input",
        "category-size-single-grid-input",
        "category-condition-single-list-input",
        "color-select-dropdown-input",
        "category-material-multi-list-input",
        "price-input--input",
        "bump-checkbox--input",
        "upload-form-save-draft-button",
        "upload-form-save-button",
        "user-menu-button",
    ] {
        assert!(form.contains(&format!("data-testid=\"{id}\"")), "{id}");
    }
    assert!(form.contains("event.isTrusted") && form.contains("'focusout'"));
    assert!(form.contains(&format!(r#"\"CSRF_TOKEN\":\"{}\""#, page.csrf)));
    assert!(form.contains(r#""halfway":false"#));
    fake.fail_next(Step::UploadForm, Failure::FormHalfway);
    let broken = open(Some(fake.url("/"))).await.text().await.unwrap();
    assert!(broken.contains(r#""halfway":true"#));
    // The edit form: one's own editable items only, filled with the item.
    let edit = |id: u64| {
        let request = client()
            .get(fake.url(&format!("/items/{id}/edit")))
            .header(COOKIE, &page.cookies);
        async move { request.send().await.unwrap() }
    };
    let own = edit(5001).await;
    assert_eq!(own.status(), StatusCode::OK);
    assert!(own.text().await.unwrap().contains(r#""item":{"#));
    for id in [5101, 5005, 5003, 999] {
        assert_eq!(edit(id).await.status(), StatusCode::NOT_FOUND, "{id}");
    }
    // Logged out, it asks for the login.
    let anonymous = client().get(fake.url("/items/new")).send().await.unwrap();
    assert!(
        anonymous.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with(fake_vinted::LOGIN_PATH)
    );
}

#[tokio::test]
async fn item_and_member_pages_show_the_listings() {
    let fake = FakeVinted::start();
    let page = me(&fake).await;
    let (status, _, item) = get(&fake, "/items/5001", Some(&page.cookies)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(item.contains("Veste en jean Levi&#39;s") || item.contains("Veste en jean Levi's"));
    assert!(item.contains("25,00 €"));
    // One card per listing (like Vinted, a card's parts carry `product-item-id-{id}--…` too).
    let (_, _, member) = get(&fake, "/member/4242", Some(&page.cookies)).await;
    assert_eq!(
        member
            .matches(r#"<div data-testid="product-item-id-"#)
            .count(),
        6
    );
    // A visitor sees the listed ones (the reserved one too); a deleted item's page is gone.
    let (_, _, public) = get(&fake, "/member/4242", None).await;
    assert_eq!(
        public
            .matches(r#"<div data-testid="product-item-id-"#)
            .count(),
        3
    );
    page.call("POST", "/api/v2/items/5001/delete", None).await;
    assert_eq!(
        get(&fake, "/items/5001", None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_probes_a_page_posts_are_kept_for_the_test() {
    let fake = FakeVinted::start();
    assert!(fake.probes().is_none());
    let report = serde_json::json!({"page": "home", "webdriver": false, "cdc_properties": []});
    let answer = client()
        .post(fake.url(fake_vinted::PROBES_PATH))
        .body(report.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::NO_CONTENT);
    assert_eq!(fake.probes(), Some(report));
    let page = me(&fake).await;
    let (_, _, home) = get(&fake, "/", Some(&page.cookies)).await;
    assert!(home.contains(fake_vinted::PROBES_PATH) && home.contains("WEBGL_debug_renderer_info"));
}

/// The upload form's own script in a real Chromium (the session the app runs: Xvfb, chromedriver,
/// native WebDriver clicks and typing).
#[cfg(target_os = "linux")]
mod in_chromium {
    use super::*;

    use std::time::{Duration, Instant};

    use fake_vinted::{Failure, Step};
    use seller_automation::browser::BrowserInstall;
    use seller_automation::fingerprint::Fingerprint;
    use seller_automation::session::SessionSpec;
    use seller_automation::sessions::Sessions;
    use thirtyfour::prelude::*;

    const WAIT: Duration = Duration::from_secs(20);

    async fn until<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(found) = probe().await {
                return found;
            }
            assert!(Instant::now() < deadline, "never: {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn by_test_id(driver: &WebDriver, id: &str) -> WebElement {
        let selector = format!("[data-testid=\"{id}\"]");
        until(id, async || driver.find(By::Css(&selector)).await.ok()).await
    }

    async fn click_id(driver: &WebDriver, id: &str) {
        let element = until(id, async || driver.find(By::Id(id)).await.ok()).await;
        element.click().await.unwrap();
    }

    /// Home, then the sell link, as a person goes to the form.
    async fn open_form(driver: &WebDriver, fake: &FakeVinted) {
        driver.goto(fake.url("/")).await.unwrap();
        by_test_id(driver, "prohibited-listing-education-upload-button")
            .await
            .click()
            .await
            .unwrap();
        by_test_id(driver, "title--input").await;
    }

    fn creates(fake: &FakeVinted) -> Vec<fake_vinted::Request> {
        fake.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == "/api/v2/item_upload/items")
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_upload_form_publishes_on_native_clicks_and_breaks_halfway_on_demand() {
        let fake = FakeVinted::start();
        let dir = tempfile::tempdir().unwrap();
        let sessions = Sessions::new(dir.path().display().to_string());
        let install = BrowserInstall::locate().expect("chromium and chromedriver (scripts/setup)");
        let spec = SessionSpec {
            account_id: "f".into(),
            base_url: fake.base_url(),
            profile_dir: dir.path().join("profile"),
            runtime_dir: dir.path().join("run"),
            upstream: None,
            vnc_password: None,
            fingerprint: Fingerprint::for_base_url("https://www.vinted.fr", install.major_version),
            install,
            marker: sessions.marker("f"),
        };
        sessions.start(spec).await.unwrap();
        let driver = sessions.driver("f").await.unwrap();

        // Opened directly, the form sends the browser home.
        sessions
            .with_session("f", async |s| {
                seller_panel_tests::login::submit_login_form(s, &fake).await
            })
            .await
            .unwrap()
            .unwrap();
        by_test_id(&driver, "user-menu-button").await;
        driver.goto(fake.url("/items/new")).await.unwrap();
        until("redirected home", async || {
            let url = driver.current_url().await.ok()?;
            (url.path() == "/").then_some(())
        })
        .await;
        // The home's probes reported.
        let report = until("probes", async || fake.probes()).await;
        assert_eq!(report["page"], "home", "{report}");
        assert!(
            report["user_agent"].as_str().unwrap().contains("Chrome/"),
            "{report}"
        );
        assert!(
            report["languages"].is_array() && report["cdc_properties"].is_array(),
            "{report}"
        );

        open_form(&driver, &fake).await;
        let photos = [dir.path().join("a.jpg"), dir.path().join("b.jpg")];
        std::fs::write(&photos[0], jpeg(640, 480)).unwrap();
        std::fs::write(&photos[1], jpeg(480, 640)).unwrap();
        let paths = format!("{}\n{}", photos[0].display(), photos[1].display());
        by_test_id(&driver, "add-photos-input")
            .await
            .send_keys(paths)
            .await
            .unwrap();
        let mut tile_photos = Vec::new();
        for n in 0..2 {
            let tile = by_test_id(&driver, &format!("image-wrapper-{n}")).await;
            let id = until("uploaded", async || {
                tile.attr("data-photo-id").await.ok().flatten()
            })
            .await;
            tile_photos.push(id.parse::<u64>().unwrap());
        }
        by_test_id(&driver, "title--input")
            .await
            .send_keys("Robe fleurie Zara")
            .await
            .unwrap();
        by_test_id(&driver, "description--input")
            .await
            .send_keys("Portée deux fois. Réf SP-000042")
            .await
            .unwrap();
        by_test_id(&driver, "catalog-select-dropdown-input")
            .await
            .click()
            .await
            .unwrap();
        for id in ["catalog-1904", "catalog-4", "catalog-10"] {
            click_id(&driver, id).await;
        }
        by_test_id(&driver, "brand-select-dropdown-input")
            .await
            .click()
            .await
            .unwrap();
        by_test_id(&driver, "brand-search--input")
            .await
            .send_keys("zar")
            .await
            .unwrap();
        let zara = until("brand results", async || {
            driver
                .find(By::Css(r#"[role=button][aria-label="Zara"]"#))
                .await
                .ok()
        })
        .await;
        zara.click().await.unwrap();
        by_test_id(&driver, "category-size-single-grid-input")
            .await
            .click()
            .await
            .unwrap();
        click_id(&driver, "size-4").await;
        by_test_id(&driver, "category-condition-single-list-input")
            .await
            .click()
            .await
            .unwrap();
        click_id(&driver, "condition-43").await;
        by_test_id(&driver, "color-select-dropdown-input")
            .await
            .click()
            .await
            .unwrap();
        click_id(&driver, "color-1").await;
        by_test_id(&driver, "category-material-multi-list-input")
            .await
            .click()
            .await
            .unwrap();
        click_id(&driver, "material-149").await;
        by_test_id(&driver, "price-input--input")
            .await
            .send_keys("19,90")
            .await
            .unwrap();
        // Clicking the parcel cell takes the focus off the price: its focusout sets it.
        by_test_id(&driver, "2-package-size--cell")
            .await
            .click()
            .await
            .unwrap();

        // A script click does nothing (the handler wants a trusted event).
        driver
            .execute(
                "document.querySelector('[data-testid=\"upload-form-save-button\"]').click()",
                Vec::new(),
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(creates(&fake).is_empty());

        by_test_id(&driver, "upload-form-save-button")
            .await
            .click()
            .await
            .unwrap();
        // (The form itself is `/items/new`: wait for a numeric item path.)
        let id: u64 = until("the item page", async || {
            let url = driver.current_url().await.ok()?;
            url.path().strip_prefix("/items/")?.parse().ok()
        })
        .await;
        let item = fake.item(id).unwrap();
        assert_eq!(item.photo_ids, tile_photos);
        assert_eq!(
            (item.title.as_str(), item.price.as_str()),
            ("Robe fleurie Zara", "19.90")
        );
        assert_eq!(
            (item.catalog_id, item.size_id, item.status_id, item.brand_id),
            (10, Some(4), Some(43), Some(12))
        );
        assert_eq!(
            (
                item.color_ids.clone(),
                item.material_ids.clone(),
                item.package_size_id
            ),
            (vec![1], vec![149], Some(2))
        );
        assert!(!item.push_up);
        let sent = creates(&fake);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].header("x-csrf-token"), fake.csrf_token().as_deref());
        assert_eq!(sent[0].header("x-upload-form"), Some("true"));
        assert_eq!(
            sent[0].header("x-enable-multiple-size-groups"),
            Some("true")
        );
        assert!(sent[0].header("x-anon-id").is_some_and(|a| !a.is_empty()));

        // Editing through the form: the item page's edit link, the form filled, a PUT on save.
        by_test_id(&driver, "item-edit-button")
            .await
            .click()
            .await
            .unwrap();
        let title = by_test_id(&driver, "title--input").await;
        until("the form filled", async || {
            let value = title.prop("value").await.ok().flatten()?;
            (value == "Robe fleurie Zara").then_some(())
        })
        .await;
        title.clear().await.unwrap();
        title
            .send_keys("Robe fleurie Zara, taille M")
            .await
            .unwrap();
        by_test_id(&driver, "upload-form-save-button")
            .await
            .click()
            .await
            .unwrap();
        until("the edit stored", async || {
            (fake.item(id)?.edits == 1).then_some(())
        })
        .await;
        let edited = fake.item(id).unwrap();
        assert_eq!(edited.title, "Robe fleurie Zara, taille M");
        assert_eq!(
            (
                edited.photo_ids.clone(),
                edited.price.as_str(),
                edited.size_id
            ),
            (tile_photos.clone(), "19.90", Some(4))
        );
        let put = fake
            .requests()
            .into_iter()
            .rfind(|r| r.method == "PUT")
            .unwrap();
        assert_eq!(put.path, format!("/api/v2/item_upload/items/{id}"));
        assert_eq!(put.body.unwrap()["item"]["id"], id);

        // Without a focusout the price is null and the form shows Vinted's error next to it
        // (here the value is set as a script would, with an input event but no focus).
        fake.set_publish_navigates(false);
        open_form(&driver, &fake).await;
        driver
            .execute(
                "const p = document.querySelector('[data-testid=\"price-input--input\"]');\
                 p.value = '12'; p.dispatchEvent(new Event('input', {bubbles: true}));",
                Vec::new(),
            )
            .await
            .unwrap();
        let error = by_test_id(&driver, "price--error").await;
        by_test_id(&driver, "upload-form-save-button")
            .await
            .click()
            .await
            .unwrap();
        until("the price error", async || {
            let text = error.text().await.ok()?;
            (!text.is_empty()).then_some(())
        })
        .await;

        // The "fails halfway" fault: after a few fields, an error and disabled inputs; a reload
        // brings the form back.
        fake.fail_next(Step::UploadForm, Failure::FormHalfway);
        open_form(&driver, &fake).await;
        by_test_id(&driver, "title--input")
            .await
            .send_keys("Titre")
            .await
            .unwrap();
        by_test_id(&driver, "description--input")
            .await
            .send_keys("Description")
            .await
            .unwrap();
        by_test_id(&driver, "price-input--input")
            .await
            .send_keys("5")
            .await
            .unwrap();
        by_test_id(&driver, "title--input")
            .await
            .click()
            .await
            .unwrap();
        let overlay = by_test_id(&driver, "upload-form-error").await;
        until("the form breaks", async || {
            overlay.is_displayed().await.ok()?.then_some(())
        })
        .await;
        assert!(
            !by_test_id(&driver, "title--input")
                .await
                .is_enabled()
                .await
                .unwrap()
        );
        driver.refresh().await.unwrap();
        let title = by_test_id(&driver, "title--input").await;
        assert!(title.is_enabled().await.unwrap());
        assert!(
            !by_test_id(&driver, "upload-form-error")
                .await
                .is_displayed()
                .await
                .unwrap()
        );

        sessions.stop("f").await;
    }
}
