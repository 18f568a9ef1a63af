//! What keeps a session's browser from announcing that a program drives it, and from talking to
//! anyone but the account's Vinted site.
//!
//! - chromedriver's own page artefacts: when it runs a script, chromedriver first defines seven
//!   `window.cdc_adoQpoasnfa76pfcZLmcfl_*` properties (copies of `Array`, `Object`, `Promise`…),
//!   which any page can list. The session runs a private copy of chromedriver in which the script
//!   that defines them is blanked (spaces of the same length) and the marker is replaced by a
//!   random identifier of the same length everywhere else, so the places that read the copies
//!   fall back to the page's own `window.Array`… The system binary is never modified.
//! - The automation switch and Chromium's background services: see [`chromium_args`] and
//!   [`prefs`]; chromedriver's capabilities drop `--enable-automation` (browser module).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The marker chromedriver puts in front of the names it defines on `window`.
const MARKER_PREFIX: &[u8] = b"cdc_";
/// `cdc_` and 22 letters or digits: `cdc_adoQpoasnfa76pfcZLmcfl`.
const MARKER_LEN: usize = 26;
/// The private copy and the file naming what it was made from.
const DRIVER_NAME: &str = if cfg!(windows) {
    "chromedriver.exe"
} else {
    "chromedriver"
};
const STAMP_NAME: &str = "chromedriver.sha256";

/// A host name that never resolves (RFC 6761), for the Google endpoints that flags cannot
/// switch off: Chromium lists the Google accounts in its cookie jar (`ListAccounts`) whenever a
/// profile's network starts, whatever the sign-in preferences say, and the component updater
/// still asks for updates with `--disable-component-update`. Pointed at this host, bypassed by
/// the proxy and mapped to "not found", they fail at once inside the browser.
const NOWHERE: &str = "invalid";

/// Chromium's switches that take away the automation markers and keep its own services from
/// calling anyone. `virtual_display`: the window is on Xvfb, with no GPU.
pub fn chromium_args(virtual_display: bool) -> Vec<String> {
    let mut args = vec![
        // chromedriver's `--enable-automation` is excluded (see `capabilities`); this keeps
        // `navigator.webdriver` false without touching the property from a script.
        "--disable-blink-features=AutomationControlled".to_owned(),
        "--no-pings".to_owned(),
        "--disable-domain-reliability".to_owned(),
        "--disable-client-side-phishing-detection".to_owned(),
        "--disable-component-extensions-with-background-pages".to_owned(),
        "--disable-default-apps".to_owned(),
        format!("--gaia-url=https://accounts.{NOWHERE}"),
        format!("--component-updater=url-source=https://updates.{NOWHERE}/service/update2/json"),
        format!("--host-resolver-rules=MAP *.{NOWHERE} ~NOTFOUND"),
        format!("--disable-features={}", DISABLED_FEATURES.join(",")),
    ];
    if virtual_display {
        // Without a GPU Chromium refuses WebGL unless SwiftShader may stand in: a page would
        // read a null WebGL vendor and renderer, which no ordinary desktop shows.
        args.push("--enable-unsafe-swiftshader".to_owned());
    }
    args
}

/// What the proxy must leave to the browser: the endpoints sent to [`NOWHERE`].
pub fn proxy_bypass() -> String {
    format!("*.{NOWHERE}")
}

/// Chromium features that call Google in the background (measured through the session's proxy:
/// network time, optimisation hints and models, autofill and password leak servers, media
/// router, translation, certificate transparency lists, feed suggestions).
const DISABLED_FEATURES: &[&str] = &[
    "OptimizationHints",
    "OptimizationGuideModelDownloading",
    "OptimizationHintsFetching",
    "OptimizationTargetPrediction",
    "AutofillServerCommunication",
    "PasswordLeakDetection",
    "MediaRouter",
    "DialMediaRouteProvider",
    "Translate",
    "CertificateTransparencyComponentUpdater",
    "NetworkTimeServiceQuerying",
    "InterestFeedContentSuggestions",
];

/// Profile preferences (written by chromedriver into the profile before Chromium starts) that
/// turn off what policies would, since a policy file needs root: sign-in, Safe Browsing,
/// prediction, suggestions, autofill, translation, and the search engine's own start page.
pub fn prefs() -> serde_json::Value {
    serde_json::json!({
        "signin.allowed": false,
        "signin.allowed_on_next_startup": false,
        "safebrowsing.enabled": false,
        // Checks typed passwords against Google's leak list on every login form submitted,
        // whatever the `PasswordLeakDetection` feature says.
        "profile.password_manager_leak_detection": false,
        "net.network_prediction_options": 2,
        "search.suggest_enabled": false,
        "alternate_error_pages.enabled": false,
        "autofill.profile_enabled": false,
        "autofill.credit_card_enabled": false,
        "translate.enabled": false,
        // Debian's Chromium searches with DuckDuckGo and opened start.duckduckgo.com as its new
        // tab page in the background at every start. The same engine without a start page
        // gives the browser's local new tab page.
        "default_search_provider_data": {
            "template_url_data": {
                "keyword": "duckduckgo.com",
                "short_name": "DuckDuckGo",
                "url": "https://duckduckgo.com/?q={searchTerms}",
                "new_tab_url": "",
                "prepopulate_id": 0,
                "id": "1001",
            }
        },
    })
}

/// One preparation at a time in this process: two sessions starting together would otherwise
/// both write the copy.
static PREPARING: Mutex<()> = Mutex::new(());

/// The folder of the private chromedriver for sessions whose profiles live beside
/// `profile_dir`: `<data>/browser-profiles/.chromedriver` in the app. It outlives the sessions
/// (so the copy is made once per chromedriver version) and is as private as the profiles.
pub fn driver_dir(profile_dir: &Path) -> PathBuf {
    profile_dir
        .parent()
        .unwrap_or(profile_dir)
        .join(".chromedriver")
}

/// The private chromedriver to run: a copy of `system` without its page markers in `dir`, made
/// again when `system` changed (its SHA-256 differs from the one the copy was made from) or the
/// copy no longer has the hash it was written with. When `system` has no marker to hide, it is
/// returned as it is.
pub fn private_chromedriver(system: &Path, dir: &Path) -> std::io::Result<PathBuf> {
    let _one_at_a_time = PREPARING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let original = std::fs::read(system)?;
    let source_hash = sha256_hex(&original);
    let copy = dir.join(DRIVER_NAME);
    let stamp = dir.join(STAMP_NAME);
    if let Ok(written) = std::fs::read_to_string(&stamp)
        && let Some((source, patched)) = written.trim().split_once(' ')
        && source == source_hash
        && std::fs::read(&copy).is_ok_and(|bytes| sha256_hex(&bytes) == patched)
        && is_executable(&copy)
    {
        return Ok(copy);
    }
    let Some(patched) = hide_markers(&original, &random_marker()?) else {
        tracing::warn!(chromedriver = %system.display(), "chromedriver has no page marker to hide: running it as it is");
        return Ok(system.to_owned());
    };
    create_private_dir(dir)?;
    write_replacing(&copy, &patched, true)?;
    write_replacing(
        &stamp,
        format!("{source_hash} {}\n", sha256_hex(&patched)).as_bytes(),
        false,
    )?;
    tracing::info!(chromedriver = %system.display(), copy = %copy.display(), "made the private chromedriver");
    Ok(copy)
}

/// `binary` with chromedriver's page markers taken out, or `None` when it has none. The script
/// that defines `window.<marker>_Array = window.Array;…` becomes a function doing nothing (the
/// same bytes turned to spaces); every other occurrence of the marker (the places that read
/// those copies, falling back to `window.Array` when absent) becomes `replacement`, which has
/// the marker's length, so nothing in the binary moves.
pub fn hide_markers(binary: &[u8], replacement: &[u8; MARKER_LEN]) -> Option<Vec<u8>> {
    let marker = find_marker(binary)?;
    let mut out = binary.to_vec();
    let mut definer = Vec::new();
    definer.extend_from_slice(b"{window.");
    definer.extend_from_slice(&marker);
    definer.push(b'_');
    let mut start = 0;
    while let Some(at) = find(&out[start..], &definer) {
        let open = start + at + 1;
        // The definer is one statement list closed by the first `}`: blank it all, keeping
        // the braces so the function stays valid and does nothing.
        let Some(close) = out[open..].iter().position(|&b| b == b'}') else {
            break;
        };
        for byte in &mut out[open..open + close] {
            *byte = b' ';
        }
        start = open + close;
    }
    let mut start = 0;
    while let Some(at) = find(&out[start..], &marker) {
        let at = start + at;
        out[at..at + MARKER_LEN].copy_from_slice(replacement);
        start = at + MARKER_LEN;
    }
    Some(out)
}

/// The first `cdc_` followed by 22 letters or digits and `_` in the binary.
fn find_marker(binary: &[u8]) -> Option<Vec<u8>> {
    let mut start = 0;
    while let Some(at) = find(&binary[start..], MARKER_PREFIX) {
        let at = start + at;
        let candidate = binary.get(at..at + MARKER_LEN + 1)?;
        if candidate[MARKER_PREFIX.len()..MARKER_LEN]
            .iter()
            .all(u8::is_ascii_alphanumeric)
            && candidate[MARKER_LEN] == b'_'
        {
            return Some(candidate[..MARKER_LEN].to_vec());
        }
        start = at + 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// A JavaScript identifier of the marker's length, starting with a letter, random per copy so
/// no page can look for a known name.
fn random_marker() -> std::io::Result<[u8; MARKER_LEN]> {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut random = [0u8; MARKER_LEN];
    getrandom::fill(&mut random).map_err(std::io::Error::other)?;
    let mut out = [0u8; MARKER_LEN];
    for (i, (slot, byte)) in out.iter_mut().zip(random).enumerate() {
        let alphabet = if i == 0 { LETTERS } else { ALPHANUMERIC };
        *slot = alphabet[usize::from(byte) % alphabet.len()];
    }
    Ok(out)
}

fn sha256_hex(bytes: &[u8]) -> String {
    // ring's SHA-256 (through rustls, already linked for https proxies): fast even in a debug
    // build, where a 25 MB binary is hashed at every session start.
    let hash = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256
        .tls13()
        .map(|suite| suite.common.hash_provider.hash(bytes));
    match hash {
        Some(output) => output.as_ref().iter().map(|b| format!("{b:02x}")).collect(),
        // Not reachable: the suite is a TLS 1.3 one. An empty hash never matches a stamp.
        None => String::new(),
    }
}

fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Writes a file beside `path` and renames it over `path`: a chromedriver still running from
/// the old copy keeps its file, and no one ever runs a half-written one.
fn write_replacing(path: &Path, bytes: &[u8], executable: bool) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = if executable { 0o700 } else { 0o600 };
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = executable;
    #[cfg(target_os = "macos")]
    if executable {
        // A changed binary loses its signature, and macOS on Apple silicon kills unsigned
        // code: sign the copy ad hoc. If it still cannot run, the browser falls back to the
        // installed driver.
        let _ = std::process::Command::new("codesign")
            .args(["--force", "--sign", "-"])
            .arg(file.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o100 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] =
        b"\0(function () {window.cdc_adoQpoasnfa76pfcZLmcfl_Array = window.Array;\
window.cdc_adoQpoasnfa76pfcZLmcfl_JSON = window.JSON;}) ();\0\
const Array = window.cdc_adoQpoasnfa76pfcZLmcfl_Array || window.Array;\0";

    #[test]
    fn the_definer_does_nothing_and_readers_read_another_name() {
        let patched = hide_markers(SAMPLE, b"Zq0123456789abcdefghijklmn").unwrap();
        assert_eq!(patched.len(), SAMPLE.len());
        let text = String::from_utf8(patched).unwrap();
        assert!(!text.contains("cdc_"), "{text}");
        assert!(text.contains("(function () {"), "{text}");
        assert!(text.contains("(function () {          "), "{text}");
        assert!(text.contains("          }) ();"), "{text}");
        assert!(
            text.contains("const Array = window.Zq0123456789abcdefghijklmn_Array || window.Array;"),
            "{text}"
        );
        assert!(hide_markers(b"nothing to see", b"Zq0123456789abcdefghijklmn").is_none());
    }

    #[test]
    fn the_copy_is_made_once_and_again_when_the_system_driver_changes() {
        let dir = tempfile::tempdir().unwrap();
        let system = dir.path().join("system-chromedriver");
        std::fs::write(&system, SAMPLE).unwrap();
        let private = dir.path().join("profiles").join(".chromedriver");
        let copy = private_chromedriver(&system, &private).unwrap();
        assert_eq!(copy, private.join(DRIVER_NAME));
        let first = std::fs::read(&copy).unwrap();
        assert!(find(&first, b"cdc_").is_none());
        assert!(is_executable(&copy));
        assert_eq!(
            std::fs::read(&system).unwrap(),
            SAMPLE,
            "the system file was changed"
        );

        // Unchanged: the same copy (its random name included) is kept.
        private_chromedriver(&system, &private).unwrap();
        assert_eq!(std::fs::read(&copy).unwrap(), first);

        // A damaged copy is made again.
        std::fs::write(&copy, b"damaged").unwrap();
        private_chromedriver(&system, &private).unwrap();
        assert!(find(&std::fs::read(&copy).unwrap(), b"window.Array").is_some());

        // A new system driver (an upgrade) gives a new copy.
        let mut upgraded = SAMPLE.to_vec();
        upgraded.extend_from_slice(b"version 2");
        std::fs::write(&system, &upgraded).unwrap();
        private_chromedriver(&system, &private).unwrap();
        let again = std::fs::read(&copy).unwrap();
        assert!(again.ends_with(b"version 2"));
        assert!(find(&again, b"cdc_").is_none());

        // A driver without markers runs as it is.
        std::fs::write(&system, b"plain").unwrap();
        assert_eq!(private_chromedriver(&system, &private).unwrap(), system);
    }

    #[test]
    fn markers_are_identifiers() {
        let marker = random_marker().unwrap();
        assert!(marker[0].is_ascii_alphabetic());
        assert!(marker.iter().all(u8::is_ascii_alphanumeric));
    }
}
