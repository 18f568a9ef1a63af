//! Bot-detection probes: the logged-in home and the upload form run the checks public detection
//! pages run (VINTED.md "What anti-bot scripts read first") and POST the results to
//! [`super::PROBES_PATH`], a path of the fake's own; [`super::FakeVinted::probes`] hands the
//! latest report to the test.
//!
//! Report fields: `page`, `webdriver`, `cdc_properties` (names starting with `cdc_` or `$cdc_`
//! on `window` or `document`), `has_window_chrome`, `chrome_runtime`, `plugins_length`,
//! `languages`, `language`, `platform`, `time_zone`, `screen {width,height,avail_width,
//! avail_height,color_depth}`, `webgl_vendor`, `webgl_renderer`, `user_agent`,
//! `permissions_notifications` (the `navigator.permissions` answer next to
//! `Notification.permission`), `hardware_concurrency`.

/// The script that probes and reports; `page` names the page in the report.
pub(crate) fn script(page: &str) -> String {
    PROBE_SCRIPT
        .replace("{{PAGE}}", page)
        .replace("{{PATH}}", super::PROBES_PATH)
}

const PROBE_SCRIPT: &str = r#"<script>(function () {
  function cdc(target) {
    var names = [];
    try { names = Object.getOwnPropertyNames(target); } catch (e) {}
    for (var k in target) { if (names.indexOf(k) < 0) names.push(k); }
    return names.filter(function (n) { return /^\$?cdc_/.test(n) || /^\$wdc_/.test(n); });
  }
  function webgl() {
    try {
      var gl = document.createElement('canvas').getContext('webgl');
      if (!gl) return [null, null];
      var info = gl.getExtension('WEBGL_debug_renderer_info');
      if (!info) return [gl.getParameter(gl.VENDOR), gl.getParameter(gl.RENDERER)];
      return [gl.getParameter(info.UNMASKED_VENDOR_WEBGL), gl.getParameter(info.UNMASKED_RENDERER_WEBGL)];
    } catch (e) { return [null, null]; }
  }
  async function permission() {
    try {
      var answer = await navigator.permissions.query({ name: 'notifications' });
      return [answer.state, typeof Notification === 'undefined' ? null : Notification.permission];
    } catch (e) { return [null, null]; }
  }
  async function run() {
    var gl = webgl();
    var report = {
      page: '{{PAGE}}',
      url: location.pathname,
      webdriver: navigator.webdriver,
      cdc_properties: cdc(window).concat(cdc(document)),
      has_window_chrome: typeof window.chrome === 'object' && window.chrome !== null,
      chrome_runtime: !!(window.chrome && window.chrome.runtime),
      plugins_length: navigator.plugins ? navigator.plugins.length : null,
      languages: navigator.languages ? Array.prototype.slice.call(navigator.languages) : null,
      language: navigator.language,
      platform: navigator.platform,
      time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      screen: { width: screen.width, height: screen.height, avail_width: screen.availWidth,
                avail_height: screen.availHeight, color_depth: screen.colorDepth },
      webgl_vendor: gl[0],
      webgl_renderer: gl[1],
      user_agent: navigator.userAgent,
      permissions_notifications: await permission(),
      hardware_concurrency: navigator.hardwareConcurrency
    };
    fetch('{{PATH}}', { method: 'POST', credentials: 'include', keepalive: true,
      headers: { 'content-type': 'application/json' }, body: JSON.stringify(report) });
  }
  if (document.readyState === 'complete') { run(); } else { window.addEventListener('load', run); }
})();</script>"#;
