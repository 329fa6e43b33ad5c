//! The browser journeys (tests/browser): a citizen, a clerk and an administrator in headless
//! Chromium, with axe-core and HTML validation on every page they visit. They are written with
//! Playwright in Node; this test runs them against this build's binary, so that `cargo test`
//! runs them too. It fails, saying what to install, when Chromium or the npm packages are
//! missing: CI installs them (`.ci/run`), and a journey that silently did not run would prove
//! nothing.

use std::path::Path;
use std::process::Command;

#[test]
fn the_browser_journeys_pass_in_chromium() {
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let chromium = std::env::var("ONESTOP_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "Chromium is not installed at {chromium}: `apt-get install chromium` (or set ONESTOP_CHROMIUM)"
    );
    if !browser.join("node_modules/playwright-core").exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&browser)
            .status()
            .expect("npm is needed for the browser journeys: apt-get install nodejs npm");
        assert!(status.success(), "`npm ci` in tests/browser failed");
    }
    let screenshots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("journeys");
    let output = Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .arg("journeys.test.mjs")
        .current_dir(&browser)
        .env("ONESTOP_BIN", env!("CARGO_BIN_EXE_onestop"))
        .env("CHROMIUM_PATH", &chromium)
        .env("ONESTOP_SCREENSHOTS", &screenshots)
        .output()
        .expect("node is needed for the browser journeys");
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "a browser journey failed (see above)"
    );
    assert!(
        report.contains("# fail 0") && !report.contains("# pass 0"),
        "the journeys did not all run"
    );
}
