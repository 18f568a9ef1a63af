//! Vinted's JSON API called from inside the account's logged-in page, as Vinted's own scripts
//! call it (`docs/VINTED.md`, "Sessions"): a same-origin `fetch` with the browser's cookies, the
//! CSRF token and anonymous id read from the page, through the account's proxy like everything
//! else the browser does. Nothing here decides what an answer means: [`crate::reply`] does.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};
use thirtyfour::WebDriver;

use crate::reply::RawReply;
use crate::site;

/// Longest a single call may take, from the request to the last byte of the answer.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest answer read back: a wardrobe page of 96 items is a few hundred kilobytes.
const MAX_BODY_CHARS: usize = 8 * 1024 * 1024;

/// Why a call could not get an answer from Vinted at all.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// The browser is gone (the session stopped) or refused the script.
    #[error("the browser session did not answer: {0}")]
    Browser(String),
    /// The request left the browser but no answer came back (proxy or network).
    #[error("no answer from Vinted: {0}")]
    Network(String),
    /// The page carries no CSRF token: it is not a logged-in Vinted page.
    #[error("the Vinted page carries no CSRF token")]
    NoCsrfToken,
    /// The answer was larger than any Vinted answer should be.
    #[error("Vinted's answer was too large ({0} characters)")]
    TooLarge(usize),
}

impl From<thirtyfour::error::WebDriverError> for PageError {
    fn from(error: thirtyfour::error::WebDriverError) -> Self {
        PageError::Browser(error.to_string())
    }
}

/// One API call: what is sent, without the headers the page adds itself.
#[derive(Debug, Clone, Serialize)]
pub struct Call {
    pub method: &'static str,
    /// Path and query on the account's Vinted site, e.g. `/api/v2/users/current`.
    pub path: String,
    pub body: Option<Value>,
    /// The upload form's extra headers (`x-upload-form`, …) and `x-money-object`.
    pub extra_headers: Vec<(&'static str, &'static str)>,
}

impl Call {
    pub fn get(path: impl Into<String>) -> Self {
        Call {
            method: "GET",
            path: path.into(),
            body: None,
            extra_headers: Vec::new(),
        }
    }

    pub fn send(method: &'static str, path: impl Into<String>, body: Option<Value>) -> Self {
        Call {
            method,
            path: path.into(),
            body,
            extra_headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: &'static str) -> Self {
        self.extra_headers.push((name, value));
        self
    }

    pub fn is_write(&self) -> bool {
        self.method != "GET"
    }
}

/// The account's Vinted page, driven through the session's WebDriver handle.
pub struct Page {
    driver: WebDriver,
    base_url: String,
    csrf_token: Option<String>,
    anon_id: Option<String>,
}

impl Page {
    /// `base_url` is the account's site, e.g. `https://www.vinted.fr`, without a trailing slash.
    pub fn new(driver: WebDriver, base_url: &str) -> Page {
        Page {
            driver,
            base_url: base_url.trim_end_matches('/').to_owned(),
            csrf_token: None,
            anon_id: None,
        }
    }

    pub fn driver(&self) -> &WebDriver {
        &self.driver
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Opens the account's home page and reads the tokens afresh: after a 106, or when the
    /// browser wandered to another site.
    pub async fn reload(&mut self) -> Result<(), PageError> {
        self.driver.goto(self.url("/")).await?;
        self.read_tokens().await
    }

    /// Makes the call from the page and returns what Vinted answered, whatever the status.
    pub async fn call(&mut self, call: &Call) -> Result<RawReply, PageError> {
        if self.csrf_token.is_none() || !self.on_site().await? {
            self.reload().await?;
        }
        let csrf = self.csrf_token.clone().ok_or(PageError::NoCsrfToken)?;
        let mut headers = vec![
            (site::header::CSRF_TOKEN.to_owned(), csrf),
            (
                "accept".to_owned(),
                "application/json, text/plain, */*".to_owned(),
            ),
        ];
        if let Some(anon) = &self.anon_id {
            headers.push((site::header::ANON_ID.to_owned(), anon.clone()));
        }
        if call.body.is_some() {
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
        }
        headers.extend(
            call.extra_headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        let headers: serde_json::Map<String, Value> = headers
            .into_iter()
            .map(|(n, v)| (n, Value::String(v)))
            .collect();
        let body = call.body.as_ref().map(Value::to_string);
        self.driver.set_script_timeout(CALL_TIMEOUT).await?;
        let answer = self
            .driver
            .execute_async(
                FETCH_SCRIPT,
                vec![
                    json!(call.method),
                    json!(call.path),
                    Value::Object(headers),
                    json!(body),
                    json!(MAX_BODY_CHARS),
                ],
            )
            .await?;
        parse_answer(answer.json())
    }

    async fn on_site(&self) -> Result<bool, PageError> {
        let current = self.driver.current_url().await?;
        Ok(same_origin(current.as_str(), &self.base_url))
    }

    async fn read_tokens(&mut self) -> Result<(), PageError> {
        let html = self.driver.source().await?;
        self.csrf_token = site::extract_csrf_token(&html);
        self.anon_id = match self.driver.get_named_cookie(site::cookie::ANON_ID).await {
            Ok(cookie) => Some(cookie.value).filter(|v| !v.is_empty()),
            Err(_) => site::extract_anon_id(&html),
        };
        if self.csrf_token.is_none() {
            return Err(PageError::NoCsrfToken);
        }
        Ok(())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// Runs in the page. Reads the body as text whatever its type: a DataDome page or a moved
/// endpoint answers HTML, which [`crate::reply`] must see to say so.
const FETCH_SCRIPT: &str = r#"
const [method, path, headers, body, maxChars, done] = arguments;
fetch(path, { method, headers, body: body ?? undefined, credentials: "include", redirect: "follow" })
  .then(async (response) => {
    const text = await response.text();
    done({
      status: response.status,
      contentType: response.headers.get("content-type"),
      retryAfter: response.headers.get("retry-after"),
      datadomeHeader: response.headers.get("x-datadome"),
      body: text.length > maxChars ? null : text,
      bodyChars: text.length,
    });
  })
  .catch((error) => done({ networkError: String(error) }));
"#;

fn parse_answer(answer: &Value) -> Result<RawReply, PageError> {
    if let Some(error) = answer.get("networkError").and_then(Value::as_str) {
        return Err(PageError::Network(error.to_owned()));
    }
    if answer.get("body").is_some_and(Value::is_null) {
        let chars = answer
            .get("bodyChars")
            .and_then(Value::as_u64)
            .unwrap_or_default();
        return Err(PageError::TooLarge(
            usize::try_from(chars).unwrap_or(usize::MAX),
        ));
    }
    serde_json::from_value(answer.clone())
        .map_err(|error| PageError::Browser(format!("unexpected script answer: {error}")))
}

/// Whether `url` is on the site of `base_url` (scheme, host and port alike).
fn same_origin(url: &str, base_url: &str) -> bool {
    fn origin(url: &str) -> Option<&str> {
        let after_scheme = url.find("://")? + 3;
        let end = url[after_scheme..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |i| i + after_scheme);
        Some(&url[..end])
    }
    match (origin(url), origin(base_url)) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_compares_scheme_host_and_port() {
        assert!(same_origin(
            "https://www.vinted.fr/items/1",
            "https://www.vinted.fr"
        ));
        assert!(same_origin(
            "https://WWW.vinted.fr",
            "https://www.vinted.fr"
        ));
        assert!(!same_origin(
            "https://www.vinted.de/",
            "https://www.vinted.fr"
        ));
        assert!(!same_origin(
            "http://www.vinted.fr/",
            "https://www.vinted.fr"
        ));
        assert!(!same_origin(
            "http://127.0.0.1:8081/",
            "http://127.0.0.1:8080"
        ));
        assert!(!same_origin("about:blank", "https://www.vinted.fr"));
    }

    #[test]
    fn a_script_answer_becomes_a_reply_or_a_clear_error() {
        let reply = parse_answer(&json!({
            "status": 429, "contentType": "application/json", "retryAfter": "30",
            "datadomeHeader": null, "body": "{}", "bodyChars": 2
        }))
        .expect("a reply");
        assert_eq!(reply.status, 429);
        assert_eq!(reply.retry_after.as_deref(), Some("30"));
        assert!(matches!(
            parse_answer(&json!({"networkError": "TypeError: Failed to fetch"})),
            Err(PageError::Network(_))
        ));
        assert!(matches!(
            parse_answer(&json!({"status": 200, "body": null, "bodyChars": 9_000_000})),
            Err(PageError::TooLarge(9_000_000))
        ));
    }
}
