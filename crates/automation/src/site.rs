//! What the automation knows of Vinted's pages, in one place (`docs/VINTED.md`): when Vinted moves a
//! marker, this is the one table to change.

/// Shown only to a logged-in member.
pub const USER_MENU: &str = r#"[data-testid="user-menu-button"]"#;
/// DataDome's challenge is an iframe from this host; an API call answers a body naming it.
pub const CAPTCHA_HOST: &str = "captcha-delivery.com";
/// Cloudflare's interstitial challenge.
pub const CLOUDFLARE_CHALLENGE: &str = "#challenge-form, #cf-challenge-running, .cf-turnstile";

/// What a look at the page found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageState {
    LoggedIn,
    LoggedOut,
    /// A captcha or anti-bot challenge that a person must pass.
    Challenge,
}

/// One script, run in the page, that classifies it; one WebDriver round trip.
pub(crate) fn probe_script() -> String {
    format!(
        r#"
const challenge = document.querySelector('iframe[src*="{CAPTCHA_HOST}"]')
  || document.querySelector('{CLOUDFLARE_CHALLENGE}');
if (challenge) return "challenge";
if (document.querySelector('{USER_MENU}')) return "logged_in";
return "logged_out";
"#
    )
}

pub(crate) fn parse_probe(answer: &str) -> Option<PageState> {
    match answer {
        "logged_in" => Some(PageState::LoggedIn),
        "logged_out" => Some(PageState::LoggedOut),
        "challenge" => Some(PageState::Challenge),
        _ => None,
    }
}
