//! What an account's browser says about itself: language, time zone and user agent, and what
//! follows from them (platform, screen).
//!
//! They are chosen once, to match the account's Vinted domain (a seller on vinted.de browses in
//! German from Berlin's time zone), stored with the account and reused at every session, so
//! Vinted sees the same browser each time. The user agent keeps the installed Chromium's real
//! major version and OS: a made-up one would contradict the `Sec-CH-UA` headers and
//! `navigator.userAgentData` Chromium sends anyway.

/// The language, time zone and user agent of one account's browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// A BCP 47 tag such as `fr-FR`: `--lang`, `Accept-Language` and `LANG`.
    pub locale: String,
    /// An IANA zone such as `Europe/Paris`: the browser's `TZ`.
    pub timezone: String,
    pub user_agent: String,
}

/// Vinted's country domains, by the end of the host name, with their language and time zone.
/// The longer endings come first so `vinted.co.uk` is not read as a `.uk`-less `vinted.co`.
const DOMAINS: &[(&str, &str, &str)] = &[
    ("vinted.co.uk", "en-GB", "Europe/London"),
    ("vinted.com", "en-US", "America/New_York"),
    ("vinted.fr", "fr-FR", "Europe/Paris"),
    ("vinted.be", "fr-BE", "Europe/Brussels"),
    ("vinted.lu", "fr-LU", "Europe/Luxembourg"),
    ("vinted.de", "de-DE", "Europe/Berlin"),
    ("vinted.at", "de-AT", "Europe/Vienna"),
    ("vinted.es", "es-ES", "Europe/Madrid"),
    ("vinted.it", "it-IT", "Europe/Rome"),
    ("vinted.nl", "nl-NL", "Europe/Amsterdam"),
    ("vinted.pl", "pl-PL", "Europe/Warsaw"),
    ("vinted.pt", "pt-PT", "Europe/Lisbon"),
    ("vinted.cz", "cs-CZ", "Europe/Prague"),
    ("vinted.sk", "sk-SK", "Europe/Bratislava"),
    ("vinted.lt", "lt-LT", "Europe/Vilnius"),
    ("vinted.lv", "lv-LV", "Europe/Riga"),
    ("vinted.ee", "et-EE", "Europe/Tallinn"),
    ("vinted.hu", "hu-HU", "Europe/Budapest"),
    ("vinted.ro", "ro-RO", "Europe/Bucharest"),
    ("vinted.hr", "hr-HR", "Europe/Zagreb"),
    ("vinted.si", "sl-SI", "Europe/Ljubljana"),
    ("vinted.gr", "el-GR", "Europe/Athens"),
    ("vinted.fi", "fi-FI", "Europe/Helsinki"),
    ("vinted.se", "sv-SE", "Europe/Stockholm"),
    ("vinted.dk", "da-DK", "Europe/Copenhagen"),
    ("vinted.ie", "en-IE", "Europe/Dublin"),
];

/// Vinted's home market, for a base URL outside the table (a local test site, a new domain).
const DEFAULT: (&str, &str) = ("fr-FR", "Europe/Paris");

impl Fingerprint {
    /// The fingerprint for an account on `base_url` with the installed Chromium's major version.
    pub fn for_base_url(base_url: &str, chromium_major: u32) -> Fingerprint {
        let (locale, timezone) = locale_and_timezone(base_url);
        Fingerprint {
            locale: locale.to_owned(),
            timezone: timezone.to_owned(),
            user_agent: user_agent(chromium_major),
        }
    }

    /// `Accept-Language` as Chromium would send it for this locale: `fr-FR,fr`.
    pub fn accept_language(&self) -> String {
        match self.locale.split_once('-') {
            Some((language, _)) => format!("{},{language}", self.locale),
            None => self.locale.clone(),
        }
    }

    /// `LANG` for the browser's process: `fr_FR.UTF-8`.
    pub fn posix_locale(&self) -> String {
        format!("{}.UTF-8", self.locale.replace('-', "_"))
    }

    /// `navigator.platform` as Chromium reports it on the OS its user agent names (Chromium
    /// takes it from the OS, not from `--user-agent`, so the two must agree).
    pub fn platform(&self) -> &'static str {
        if self.user_agent.contains("Windows") {
            "Win32"
        } else if self.user_agent.contains("Macintosh") {
            "MacIntel"
        } else {
            "Linux x86_64"
        }
    }

    /// The screen the browser shows on: the virtual display's size, which is also the window's
    /// (`screen.width`/`height` and the available area, with no panel on Xvfb).
    pub fn screen(&self) -> (u32, u32) {
        crate::display::SCREEN
    }
}

fn locale_and_timezone(base_url: &str) -> (&'static str, &'static str) {
    let host = host_of(base_url);
    DOMAINS
        .iter()
        .find(|(domain, _, _)| host == *domain || host.ends_with(&format!(".{domain}")))
        .map(|(_, locale, timezone)| (*locale, *timezone))
        .unwrap_or(DEFAULT)
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The user agent Chromium itself sends on the platform, with its minor numbers reduced to
/// zeros as Chromium does since version 110.
fn user_agent(chromium_major: u32) -> String {
    let platform = if cfg!(target_os = "windows") {
        "Windows NT 10.0; Win64; x64"
    } else if cfg!(target_os = "macos") {
        "Macintosh; Intel Mac OS X 10_15_7"
    } else {
        "X11; Linux x86_64"
    };
    format!(
        "Mozilla/5.0 ({platform}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chromium_major}.0.0.0 Safari/537.36"
    )
}

/// The major version in what `chromium --version` prints: `Chromium 156.0.8078.114 built on
/// Debian…`, `Google Chrome 131.0.6778.85`.
pub fn parse_major_version(version_output: &str) -> Option<u32> {
    version_output
        .split_whitespace()
        .find(|word| word.contains('.') && word.starts_with(|c: char| c.is_ascii_digit()))?
        .split('.')
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_domain_gets_its_language_and_time_zone() {
        let cases = [
            ("https://www.vinted.fr", "fr-FR", "Europe/Paris"),
            ("https://www.vinted.de/", "de-DE", "Europe/Berlin"),
            ("https://www.vinted.co.uk/catalog", "en-GB", "Europe/London"),
            ("https://www.vinted.be", "fr-BE", "Europe/Brussels"),
            ("https://www.vinted.it:443", "it-IT", "Europe/Rome"),
            ("https://vinted.pl", "pl-PL", "Europe/Warsaw"),
            ("http://127.0.0.1:8080", "fr-FR", "Europe/Paris"),
            ("https://www.notvinted.de", "fr-FR", "Europe/Paris"),
        ];
        for (url, locale, timezone) in cases {
            let f = Fingerprint::for_base_url(url, 156);
            assert_eq!(
                (f.locale.as_str(), f.timezone.as_str()),
                (locale, timezone),
                "{url}"
            );
        }
    }

    #[test]
    fn derived_forms() {
        let f = Fingerprint::for_base_url("https://www.vinted.de", 156);
        assert_eq!(f.accept_language(), "de-DE,de");
        assert_eq!(f.posix_locale(), "de_DE.UTF-8");
        if cfg!(target_os = "linux") {
            assert_eq!(f.platform(), "Linux x86_64");
        }
        assert!(
            f.user_agent.contains("Chrome/156.0.0.0 "),
            "{}",
            f.user_agent
        );
    }

    #[test]
    fn chromium_versions() {
        assert_eq!(
            parse_major_version("Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)"),
            Some(156)
        );
        assert_eq!(
            parse_major_version("Google Chrome 131.0.6778.85 \n"),
            Some(131)
        );
        assert_eq!(parse_major_version("no version here"), None);
    }
}
