//! The `wpthost` binary and TLS at start-up (F-TL-2): it prints the CA path and the SPKI hash for
//! Chrome's `--ignore-certificate-errors-spki-list`, and a broken certificate path or unreadable
//! key stops it with a message naming the file.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "wpthost-tls-startup-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_config(dir: &Path, json: serde_json::Value) -> PathBuf {
    let path = dir.join("config.json");
    let mut file = std::fs::File::create(&path).expect("config file");
    file.write_all(json.to_string().as_bytes())
        .expect("write config");
    path
}

fn serve(config: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_wpthost"))
        .args(["serve", "--config"])
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wpthost")
}

/// Stdout lines up to the banner's last line (or EOF).
fn banner(child: &mut Child) -> Vec<String> {
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let done = line.starts_with("Press Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    lines
}

#[test]
fn f_tl_2_prints_ca_path_and_spki_hash() {
    let dir = TempDir::new("print");
    let root = dir.0.join("root");
    std::fs::create_dir_all(&root).expect("root");
    let certs = dir.0.join("state");
    let config = write_config(
        &dir.0,
        serde_json::json!({
            "doc_root": root,
            "browser_host": "localhost",
            "server_host": "127.0.0.1",
            "ports": {"http": ["auto"], "https": ["auto"]},
            "ssl": {"type": "openssl", "openssl": {"base_path": certs}},
        }),
    );
    let mut child = serve(&config);
    let lines = banner(&mut child);
    let _ = child.kill();
    let _ = child.wait();
    let ca_line = format!("TLS CA certificate: {}", certs.join("cacert.pem").display());
    assert!(lines.contains(&ca_line), "{lines:#?}");
    let spki = lines
        .iter()
        .find_map(|l| {
            l.strip_prefix("TLS SPKI hash (Chrome --ignore-certificate-errors-spki-list): ")
        })
        .unwrap_or_else(|| panic!("no SPKI line in {lines:#?}"));
    assert_eq!(spki.len(), 44, "base64 of 32 bytes: {spki}");
    assert!(
        lines.iter().any(|l| l.starts_with("  https://localhost:")),
        "{lines:#?}"
    );
}

fn failed_start(json: serde_json::Value, dir: &Path) -> String {
    let config = write_config(dir, json);
    let child = serve(&config);
    let out = child.wait_with_output().expect("wpthost ran");
    assert!(
        !out.status.success(),
        "wpthost should have refused to start"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn f_tl_2_broken_certificate_or_unreadable_key_stops_start_naming_the_file() {
    let dir = TempDir::new("broken");
    let root = dir.0.join("root");
    std::fs::create_dir_all(&root).expect("root");
    let cert = dir.0.join("host.pem");
    let key = dir.0.join("host.key");
    std::fs::write(
        &cert,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .expect("cert");
    std::fs::write(&key, "not a key\n").expect("key");
    let config = |cert: &Path, key: &Path| {
        serde_json::json!({
            "doc_root": root,
            "server_host": "127.0.0.1",
            "ports": {"http": ["auto"], "https": ["auto"]},
            "ssl": {"type": "pregenerated", "pregenerated": {
                "host_cert_path": cert, "host_key_path": key}},
        })
    };
    let missing = dir.0.join("no-such-cert.pem");
    let err = failed_start(config(&missing, &key), &dir.0);
    assert!(err.contains(&missing.display().to_string()), "{err}");
    let err = failed_start(config(&cert, &key), &dir.0);
    assert!(
        err.contains(&key.display().to_string()) || err.contains(&cert.display().to_string()),
        "{err}"
    );
}
