//! The real-browser test (issue 5, F-TL-1/F-TL-2 end to end): headless Chromium, trusting only the
//! SPKI hash wpthost prints for its automatic certificate, loads an https page from one host name
//! and port whose script fetches a WebAssembly plugin endpoint (the echo handler) on another host
//! name and port, and writes the answer into the page; the test reads the page's DOM.
//!
//! Chromium comes from the Debian package `chromium`: if it is missing the test installs it
//! (`apt-get`, as root, as CI runs); if that is impossible the test fails saying so.

#[path = "plugins_support/mod.rs"]
mod plugins_support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wpthost_tests::{TempDocRoot, TestServer};

const CHROMIUM_CANDIDATES: &[&str] = &["/usr/bin/chromium", "/usr/bin/chromium-browser"];

fn find_chromium() -> Option<PathBuf> {
    CHROMIUM_CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The Chromium binary, installed from Debian's packages when absent.
fn chromium() -> PathBuf {
    if let Some(path) = find_chromium() {
        return path;
    }
    // As root directly, otherwise through password-less sudo.
    let sudo = if is_root() {
        ""
    } else if Command::new("sudo")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success())
    {
        "sudo -n "
    } else {
        panic!(
            "Chromium is not installed and this test can neither run apt-get as root nor through \
             sudo: run `apt-get update && apt-get install -y chromium` first"
        );
    };
    let script = format!("{sudo}apt-get update && {sudo}apt-get install -y chromium");
    let output = Command::new("sh")
        .args(["-c", &script])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output();
    match output {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "installing Chromium (apt-get install -y chromium) failed with {}:\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("cannot run apt-get to install Chromium: {e}"),
    }
    find_chromium().unwrap_or_else(|| {
        panic!("apt-get installed chromium but none of {CHROMIUM_CANDIDATES:?} exists")
    })
}

const PAGE: &str = r#"<!doctype html>
<meta charset=utf-8>
<title>wpthost browser test</title>
<div id=result>pending</div>
<script>
const params = new URLSearchParams(location.search);
const url = "https://www.web-platform.test:" + params.get("port") +
    "/handlers/echo?token=" + params.get("token") +
    "&pipe=header(Access-Control-Allow-Origin,*)";
fetch(url)
  .then(r => r.json())
  .then(j => { document.getElementById("result").textContent =
      "scheme=" + j.scheme + " url=" + j.url + " from=" + location.origin; })
  .catch(e => { document.getElementById("result").textContent = "error=" + e; });
</script>
"#;

/// The SPKI hash from the lines wpthost prints at start.
fn printed_spki(config: &wpthost::config::Config) -> String {
    let setup = match wpthost::tls::load_or_create(config) {
        Ok(Some(setup)) => setup,
        Ok(None) => panic!("no TLS set up for the browser test's config"),
        Err(e) => panic!("TLS set-up: {e}"),
    };
    let lines = setup.startup_lines();
    let line = lines
        .iter()
        .find(|l| l.contains("--ignore-certificate-errors-spki-list"))
        .unwrap_or_else(|| panic!("no SPKI line in {lines:?}"));
    line.rsplit(' ').next().unwrap_or_default().to_string()
}

/// Run Chromium on `url`: the DOM it dumps and what it said on stderr.
fn dump_dom(chromium: &Path, spki: &str, url: &str, profile: &Path) -> (String, String) {
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--no-proxy-server",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--host-resolver-rules=MAP * 127.0.0.1")
        .arg(format!("--ignore-certificate-errors-spki-list={spki}"))
        // Let the page's fetch finish before the DOM is dumped.
        .arg("--virtual-time-budget=15000")
        .arg("--dump-dom")
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium.display()));
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > Duration::from_secs(90) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "Chromium did not finish within 90 s; stderr:\n{}",
                    err_reader.join().unwrap_or_default()
                );
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => panic!("waiting for Chromium: {e}"),
        }
    }
    let dom = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    (dom, err)
}

#[test]
fn chromium_trusting_only_the_spki_hash_fetches_a_plugin_on_another_host_and_port() {
    let chromium = chromium();
    let root = TempDocRoot::new();
    let state = TempDocRoot::new();
    root.write("index.html", PAGE.as_bytes());
    root.write(
        "handlers/__dir__.handlers.json",
        br#"{"handlers": [{"route": "echo", "component": "echo.wasm"}]}"#,
    );
    root.write("handlers/echo.wasm", &plugins_support::component("echo"));
    let server = TestServer::start_with_config(serde_json::json!({
        "doc_root": root.path(),
        "browser_host": "web-platform.test",
        "alternate_hosts": {"alt": "not-web-platform.test"},
        "subdomains": ["www", "www1"],
        "ports": {"http": ["auto"], "https": ["auto", "auto"]},
        "ssl": {"type": "openssl", "openssl": {"base_path": state.path().join("certs")}},
    }));
    let https: Vec<u16> = server
        .bound()
        .iter()
        .filter(|(scheme, _)| scheme == "https")
        .map(|(_, addr)| addr.port())
        .collect();
    assert_eq!(https.len(), 2, "{:?}", server.bound());
    let spki = printed_spki(&server.config);
    let token = format!("tok{}", std::process::id());
    let page = format!(
        "https://web-platform.test:{}/index.html?port={}&token={token}",
        https[0], https[1]
    );
    let (dom, err) = dump_dom(&chromium, &spki, &page, &state.path().join("profile"));
    let expected = format!(
        "scheme=https url=https://www.web-platform.test:{}/handlers/echo?token={token}&amp;pipe=header(Access-Control-Allow-Origin,*) from=https://web-platform.test:{}",
        https[1], https[0]
    );
    assert!(
        dom.contains(&expected),
        "expected {expected:?} in the page's DOM:\n{dom}\nChromium's stderr:\n{err}"
    );

    // Trust comes from that hash alone: with another pin the page never loads.
    let other_pin = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let (dom, _) = dump_dom(&chromium, other_pin, &page, &state.path().join("profile2"));
    assert!(
        !dom.contains("scheme=https"),
        "the page loaded without trusting wpthost's key:\n{dom}"
    );
}
