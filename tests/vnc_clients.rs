//! The live view as a person opens it: an ordinary desktop VNC client, TigerVNC's viewer
//! (`xtigervncviewer`, Debian `tigervnc-viewer`), on a display of its own, with a password file
//! made by TigerVNC's own `vncpasswd -f`, connected to a session whose browser goes through
//! squid. What the viewer's window shows is read with `xwd`; the mouse and keyboard are used on
//! the viewer's window with `xdotool`, as a person's hands would, and the page reports what
//! reached it.

#![cfg(target_os = "linux")]

use seller_panel_tests::wait::wait_until;
use seller_panel_tests::{fake_vinted, login, ports, procs, proxies};

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use seller_automation::browser::{BrowserConfig, BrowserInstall, chromium_args};
use seller_automation::display::{SCREEN, VirtualDisplay};
use seller_automation::fingerprint::Fingerprint;
use seller_automation::proxy::{ProxyKind, Upstream};
use seller_automation::session::{Session, SessionSpec};
use seller_automation::sessions::Sessions;
use seller_automation::site::PageState;
use seller_secrets::Secret;
use serde_json::Value;
use thirtyfour::prelude::*;

use fake_vinted::FakeVinted;

const VNC_PASSWORD: &str = "Vnc-4711";
const WAIT: Duration = Duration::from_secs(20);
/// A colour the fake site's pages never use, for the square the test pins to the page's
/// top-left corner.
const MARKER: [u8; 3] = [0x00, 0xc8, 0x53];
/// What the viewer's keyboard types into the page.
const TYPED: &str = "Bonjour 42";

/// A process of the test's own, killed and reaped on drop (also when the test panics).
struct Owned(Child);

impl Drop for Owned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The person's own screen: an Xvfb larger than the session's, so the viewer's window shows the
/// whole remote screen without scrollbars (at the same size the viewer shrinks its window to
/// avoid an accidental full-screen request).
struct PersonScreen {
    _xvfb: Owned,
    name: String,
}

impl PersonScreen {
    fn start() -> PersonScreen {
        let mut xvfb = Command::new("Xvfb")
            .args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0"])
            .arg(format!("{}x{}x24", SCREEN.0 + 200, SCREEN.1 + 200))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (scripts/setup)");
        let mut line = String::new();
        BufReader::new(xvfb.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let number: u32 = line.trim().parse().expect("Xvfb announced its display");
        PersonScreen {
            _xvfb: Owned(xvfb),
            name: format!(":{number}"),
        }
    }

    /// Starts TigerVNC's viewer at the screen's top-left corner, as a person would with a saved
    /// password file; what it prints goes to `log`.
    fn viewer(&self, vnc_port: u16, password_file: &Path, log: &Path) -> Owned {
        let out = std::fs::File::create(log).unwrap();
        let child = Command::new("xtigervncviewer")
            .arg("-passwd")
            .arg(password_file)
            .args(["-geometry", "+0+0"])
            .arg(format!("127.0.0.1::{vnc_port}"))
            .env("DISPLAY", &self.name)
            .env_remove("XAUTHORITY")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("xtigervncviewer (scripts/setup: tigervnc-viewer)");
        Owned(child)
    }

    /// The whole screen, as `xwd` reads it.
    fn capture(&self) -> Image {
        let out = Command::new("xwd")
            .args(["-root", "-silent", "-display", &self.name])
            .output()
            .expect("xwd (scripts/setup: x11-apps)");
        assert!(out.status.success(), "xwd failed");
        Image::from_xwd(&out.stdout)
    }

    /// Where the viewer's window shows the remote screen's top-left corner (without a window
    /// manager, TigerVNC still leaves room for a title bar). Asked once the window shows.
    fn viewer_origin(&self) -> (usize, usize) {
        let out = Command::new("xdotool")
            .args([
                "search",
                "--onlyvisible",
                "--limit",
                "1",
                "--class",
                "TigerVNC Viewer",
                "getwindowgeometry",
                "--shell",
            ])
            .env("DISPLAY", &self.name)
            .env_remove("XAUTHORITY")
            .output()
            .expect("xdotool (scripts/setup)");
        let text = String::from_utf8_lossy(&out.stdout);
        let value = |key: &str| -> usize {
            text.lines()
                .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no {key} in {text}"))
        };
        (value("X"), value("Y"))
    }

    /// Runs `xdotool` on this screen (the viewer's window has the pointer and the keyboard).
    fn xdotool(&self, args: &[&str]) {
        let status = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.name)
            .env_remove("XAUTHORITY")
            .status()
            .expect("xdotool (scripts/setup)");
        assert!(status.success(), "xdotool {args:?}");
    }
}

/// RGB pixels, row by row.
struct Image {
    width: usize,
    height: usize,
    rgb: Vec<[u8; 3]>,
}

impl Image {
    /// A TrueColor ZPixmap dump of 24 or 32 bits a pixel, as `xwd` writes for Xvfb's screens.
    fn from_xwd(data: &[u8]) -> Image {
        let field = |i: usize| u32::from_be_bytes(data[i * 4..i * 4 + 4].try_into().unwrap());
        let header_size = field(0) as usize;
        assert_eq!(field(2), 2, "not a ZPixmap");
        let (width, height) = (field(4) as usize, field(5) as usize);
        let lsb_first = field(7) == 0;
        let bits_per_pixel = field(11) as usize;
        let bytes_per_line = field(12) as usize;
        let masks = [field(14), field(15), field(16)];
        let colours = field(19) as usize;
        assert!(
            bits_per_pixel == 32 || bits_per_pixel == 24,
            "{bits_per_pixel}"
        );
        let pixels = &data[header_size + colours * 12..];
        let bytes = bits_per_pixel / 8;
        let mut rgb = Vec::with_capacity(width * height);
        for y in 0..height {
            for x in 0..width {
                let at = y * bytes_per_line + x * bytes;
                let mut raw = [0u8; 4];
                raw[..bytes].copy_from_slice(&pixels[at..at + bytes]);
                let value = if lsb_first {
                    u32::from_le_bytes(raw)
                } else {
                    u32::from_be_bytes(raw) >> (32 - bits_per_pixel)
                };
                rgb.push(masks.map(|mask| ((value & mask) >> mask.trailing_zeros()) as u8));
            }
        }
        Image { width, height, rgb }
    }

    /// A JPEG, as vncsnapshot writes it.
    fn from_jpeg(data: &[u8]) -> Image {
        let mut decoder = jpeg_decoder::Decoder::new(data);
        let pixels = decoder.decode().expect("a JPEG");
        let info = decoder.info().unwrap();
        Image {
            width: usize::from(info.width),
            height: usize::from(info.height),
            rgb: pixels.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect(),
        }
    }

    fn at(&self, x: usize, y: usize) -> [u8; 3] {
        self.rgb[y * self.width + x]
    }

    /// How many pixels of the `width` × `height` area at the top-left are near `colour`.
    fn count_near(&self, colour: [u8; 3], width: usize, height: usize) -> usize {
        (0..height.min(self.height))
            .flat_map(|y| (0..width.min(self.width)).map(move |x| (x, y)))
            .filter(|&(x, y)| near(self.at(x, y), colour))
            .count()
    }

    /// The top-left corner of the first 8 × 8 block near `colour`, scanning rows from the top.
    fn find_block(&self, colour: [u8; 3]) -> Option<(usize, usize)> {
        (0..self.height.saturating_sub(8)).find_map(|y| {
            (0..self.width.saturating_sub(8)).find_map(|x| {
                (0..8)
                    .all(|dy| (0..8).all(|dx| near(self.at(x + dx, y + dy), colour)))
                    .then_some((x, y))
            })
        })
    }
}

/// Within what JPEG compression and the VNC encodings change of a flat colour.
fn near(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter()
        .zip(b)
        .all(|(&a, b)| (i32::from(a) - i32::from(b)).abs() < 24)
}

/// TigerVNC's password file for `password`, made by TigerVNC's `vncpasswd -f`, not by the
/// app's own code.
fn tigervnc_password_file(dir: &Path, name: &str, password: &str) -> PathBuf {
    let mut child = Command::new("vncpasswd")
        .arg("-f")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("vncpasswd (scripts/setup: tigervnc-tools)");
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        format!("{password}\n").as_bytes(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success() && out.stdout.len() == 8);
    let path = dir.join(name);
    std::fs::write(&path, out.stdout).unwrap();
    path
}

/// vncsnapshot's picture of the session's screen, for comparison.
fn vncsnapshot(port: u16, dir: &Path) -> Image {
    let file =
        seller_automation::vnc::write_password_file(dir, &Secret::new(VNC_PASSWORD)).unwrap();
    let out = dir.join("vncsnapshot.jpg");
    let status = Command::new("vncsnapshot")
        .args(["-quiet", "-passwd"])
        .arg(&file)
        .arg(format!("127.0.0.1::{port}"))
        .arg(&out)
        .status()
        .expect("vncsnapshot (scripts/setup)");
    assert!(status.success());
    Image::from_jpeg(&std::fs::read(out).unwrap())
}

/// The height of the browser's own bars above the page (tabs, toolbar, and any infobar), as the
/// page can read it.
async fn chrome_height(driver: &WebDriver) -> i64 {
    let found = driver
        .execute(
            "return window.outerHeight - window.innerHeight;",
            Vec::new(),
        )
        .await
        .unwrap();
    found.json().as_i64().unwrap()
}

/// Puts the marker square at the page's top-left corner, and a text field with a click
/// recorder further down; returns the field's centre in the page's CSS pixels.
async fn prepare_page(driver: &WebDriver) -> (i64, i64) {
    let centre = driver
        .execute(
            &format!(
                "const square = document.createElement('div');\n\
                 square.style.cssText = 'position:fixed;left:0;top:0;width:120px;height:60px;\
                   z-index:99999;background:rgb({},{},{})';\n\
                 document.body.appendChild(square);\n\
                 const field = document.createElement('input');\n\
                 field.id = 'typed-over-vnc';\n\
                 field.style.cssText = 'position:fixed;left:300px;top:200px;width:400px;\
                   height:48px;font-size:24px;z-index:99999';\n\
                 document.body.appendChild(field);\n\
                 window.__clicks = [];\n\
                 field.addEventListener('mousedown', e => window.__clicks.push(e.isTrusted));\n\
                 const box = field.getBoundingClientRect();\n\
                 return [Math.round(box.left + box.width / 2), Math.round(box.top + box.height / 2)];",
                MARKER[0], MARKER[1], MARKER[2]
            ),
            Vec::new(),
        )
        .await
        .unwrap();
    let centre = centre.json();
    (centre[0].as_i64().unwrap(), centre[1].as_i64().unwrap())
}

/// The control case: Chromium started the way chromedriver starts it unless told otherwise,
/// that is with `--enable-automation`, with the session's own command line otherwise, on a
/// display of its own. Returns its bars' height and whether its command line had the switch.
async fn automation_bar_control(fake: &FakeVinted, install: &BrowserInstall) -> (i64, bool) {
    let dir = tempfile::tempdir().unwrap();
    let sessions = Sessions::new(dir.path().display().to_string());
    let marker = sessions.marker("control");
    let display = VirtualDisplay::start(&marker).await.unwrap();
    let profile = dir.path().join("profile");
    let config = BrowserConfig {
        install: install.clone(),
        profile_dir: profile.clone(),
        proxy_port: None,
        display: Some(display.name()),
        xauthority: Some(display.xauthority()),
        fingerprint: Fingerprint::for_base_url("https://www.vinted.de", install.major_version),
        marker,
    };
    let port = ports::free_port();
    let _chromedriver = Owned(
        Command::new(&install.chromedriver)
            .arg(format!("--port={port}"))
            .env("DISPLAY", display.name())
            .env("XAUTHORITY", display.xauthority())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Whatever happens, no Chromium of the control outlives the test.
    struct Reap(PathBuf);
    impl Drop for Reap {
        fn drop(&mut self) {
            procs::naming(&self.0)
                .into_iter()
                .for_each(procs::kill_hard);
        }
    }
    let _reap = Reap(profile);
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(&install.chromium.to_string_lossy())
        .unwrap();
    for arg in chromium_args(&config) {
        caps.add_arg(&arg).unwrap();
    }
    let deadline = Instant::now() + WAIT;
    let driver = loop {
        match WebDriver::new(format!("http://127.0.0.1:{port}"), caps.clone()).await {
            Ok(driver) => break driver,
            Err(error) => {
                assert!(Instant::now() < deadline, "control chromedriver: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    driver.goto(fake.base_url()).await.unwrap();
    // The bar comes with the window's first paint: read until two readings agree.
    let last = std::sync::Mutex::new(-1);
    wait_until("the control's bars to settle", WAIT, || {
        let (driver, last) = (&driver, &last);
        async move {
            let now = chrome_height(driver).await;
            let before = std::mem::replace(&mut *last.lock().unwrap(), now);
            Ok(now == before && now > 0)
        }
    })
    .await
    .unwrap();
    let height = *last.lock().unwrap();
    // The control's browser was started with the switch indeed (the session's own switches
    // keep `navigator.webdriver` false even so).
    let browser = procs::browser_process(&procs::naming(&_reap.0)).expect("the control's Chromium");
    let cmdline = std::fs::read(format!("/proc/{browser}/cmdline")).unwrap();
    // Chromium rewrites its command line as one string (its process title).
    let automated = String::from_utf8_lossy(&cmdline)
        .replace('\0', " ")
        .split(' ')
        .any(|arg| arg == "--enable-automation");
    driver.quit().await.unwrap();
    (height, automated)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tigervncs_viewer_shows_the_page_without_an_automation_bar_and_controls_it() {
    let fake = FakeVinted::start();
    let squid = proxies::squid();
    let dir = tempfile::tempdir().unwrap();
    let sessions = Sessions::new(dir.path().display().to_string());
    let install = BrowserInstall::locate().expect("chromium and chromedriver (scripts/setup)");
    let spec = SessionSpec {
        account_id: "viewed".to_owned(),
        base_url: fake.base_url(),
        profile_dir: dir.path().join("browser-profiles").join("viewed"),
        runtime_dir: dir.path().join("run").join("viewed"),
        upstream: Some(
            Upstream::new(ProxyKind::Http, "127.0.0.1", squid.port)
                .with_credentials(proxies::USER, Secret::new(proxies::PASSWORD)),
        ),
        vnc_password: Some(Secret::new(VNC_PASSWORD)),
        fingerprint: Fingerprint::for_base_url("https://www.vinted.de", install.major_version),
        install: install.clone(),
        marker: sessions.marker("viewed"),
    };
    let view = sessions.start(spec).await.unwrap();
    let vnc_port = view.vnc_port.expect("a VNC port");
    let (bars, field) = sessions
        .with_session("viewed", async |s: &Session| {
            login::submit_login_form(s, &fake).await.unwrap();
            let deadline = Instant::now() + WAIT;
            while s.probe().await.unwrap() != PageState::LoggedIn {
                assert!(
                    Instant::now() < deadline,
                    "the login never showed the user menu"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let field = prepare_page(s.driver()).await;
            (chrome_height(s.driver()).await, field)
        })
        .await
        .unwrap();

    let files = dir.path().join("viewer");
    std::fs::create_dir_all(&files).unwrap();
    let screen = PersonScreen::start();

    // A wrong password: the viewer says so, and the screen never shows the page.
    let wrong = tigervnc_password_file(&files, "wrong.passwd", "Wrong-99");
    let wrong_log = files.join("wrong.log");
    {
        let _viewer = screen.viewer(vnc_port, &wrong, &wrong_log);
        wait_until("the viewer's authentication failure", WAIT, || {
            let log = std::fs::read_to_string(&wrong_log).unwrap_or_default();
            async move { Ok(log.contains("Authentication failure")) }
        })
        .await
        .unwrap_or_else(|e| panic!("{e}: {}", std::fs::read_to_string(&wrong_log).unwrap()));
        let shot = screen.capture();
        assert_eq!(
            shot.count_near(fake_vinted::LOGGED_IN_BACKGROUND, shot.width, shot.height),
            0,
            "the page showed without the password"
        );
    }

    // The right password: the viewer's window shows the logged-in page, the marker square right
    // under the browser's bars, where vncsnapshot sees it too.
    let right = tigervnc_password_file(&files, "right.passwd", VNC_PASSWORD);
    let log = files.join("viewer.log");
    let _viewer = screen.viewer(vnc_port, &right, &log);
    let (width, height) = (SCREEN.0 as usize, SCREEN.1 as usize);
    let mut shot = screen.capture();
    let shown = wait_until("the page in the viewer's window", WAIT, || {
        shot = screen.capture();
        let purple = shot.count_near(fake_vinted::LOGGED_IN_BACKGROUND, shot.width, shot.height);
        let ready = purple * 2 > width * height && shot.find_block(MARKER).is_some();
        async move { Ok(ready) }
    })
    .await;
    shown.unwrap_or_else(|e| panic!("{e}: {}", std::fs::read_to_string(&log).unwrap()));
    let origin = screen.viewer_origin();
    let bars_px = usize::try_from(bars).unwrap();
    assert_eq!(
        shot.find_block(MARKER),
        Some((origin.0, origin.1 + bars_px)),
        "the page's corner is not right under the browser's {bars} px of bars (viewer at {origin:?})"
    );
    let snapshot = vncsnapshot(vnc_port, &files);
    assert_eq!((snapshot.width, snapshot.height), (width, height));
    assert_eq!(snapshot.find_block(MARKER), Some((0, bars_px)));

    // The bars are those of a browser nobody drives: Chromium as chromedriver starts it by
    // default shows the automation infobar, which the page reads as a taller set of bars.
    let (control_bars, control_automated) = automation_bar_control(&fake, &install).await;
    eprintln!("bars: session {bars} px, control with --enable-automation {control_bars} px");
    assert!(control_automated, "the control is not the automation case");
    assert!(
        control_bars >= bars + 20,
        "session {bars} px, control {control_bars} px"
    );

    // The person's mouse and keyboard, on the viewer's window, reach the page: a trusted click
    // focuses the field and the typed text lands in it.
    let x = i64::try_from(origin.0).unwrap() + field.0;
    let y = i64::try_from(origin.1).unwrap() + bars + field.1;
    // No window manager gives the viewer the keyboard focus on a click: xdotool does.
    screen.xdotool(&[
        "search",
        "--onlyvisible",
        "--limit",
        "1",
        "--class",
        "TigerVNC Viewer",
        "windowfocus",
    ]);
    screen.xdotool(&["mousemove", &x.to_string(), &y.to_string()]);
    screen.xdotool(&["click", "1"]);
    screen.xdotool(&["type", "--delay", "60", TYPED]);
    let typed = std::sync::Mutex::new(Value::Null);
    let reached = wait_until("the typed text in the page's field", WAIT, || {
        let (sessions, typed) = (&sessions, &typed);
        async move {
            let found = sessions
                .with_session("viewed", async |s: &Session| {
                    s.driver()
                        .execute(
                            "return [document.getElementById('typed-over-vnc').value,\
                             document.activeElement.id, window.__clicks];",
                            Vec::new(),
                        )
                        .await
                        .map(|r| r.json().clone())
                })
                .await
                .expect("the session runs")?;
            let done = found[0] == TYPED;
            *typed.lock().unwrap() = found;
            Ok(done)
        }
    })
    .await;
    let typed = typed.into_inner().unwrap();
    reached.unwrap_or_else(|e| panic!("{e}: {typed}"));
    assert_eq!(typed[1], "typed-over-vnc", "{typed}");
    assert_eq!(typed[2], serde_json::json!([true]), "{typed}");

    sessions.stop_all().await;
    let scope = format!("{}#", dir.path().display());
    wait_until("the session's processes to end", WAIT, || {
        let left = seller_automation::process::marked_processes(&scope);
        async move { Ok(left.is_empty()) }
    })
    .await
    .unwrap();
}
