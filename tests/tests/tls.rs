//! HTTPS on the wire (F-TL-1..3): listeners for the https ports, automatic and pregenerated
//! certificates checked by a real TLS client trusting only the generated CA, the handshake
//! timeout, and start-up failures that name the broken file.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wpthost::config::Config;
use wpthost::server::ServerState;
use wpthost_tests::{RawResponse, TempDocRoot, TestServer};

/// A directory for generated certificates, outside the document root.
fn cert_dir() -> TempDocRoot {
    TempDocRoot::new()
}

fn https_config(root: &Path, certs: &Path) -> serde_json::Value {
    serde_json::json!({
        "doc_root": root,
        "browser_host": "web-platform.test",
        "alternate_hosts": {"alt": "not-web-platform.test"},
        "subdomains": ["www", "www1", "www2", "天気の良い日", "élève", "www.www1", "élève.www"],
        "ports": {"http": ["auto"], "https": ["auto", "auto"]},
        "ssl": {"type": "openssl", "openssl": {"base_path": certs}},
    })
}

fn https_ports(server: &TestServer) -> Vec<u16> {
    server
        .bound()
        .iter()
        .filter(|(scheme, _)| scheme == "https")
        .map(|(_, addr)| addr.port())
        .collect()
}

fn client_config(ca: &Path, alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).expect("CA file") {
        roots.add(cert.expect("CA PEM")).expect("CA accepted");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// One request over TLS to 127.0.0.1:`port`, verifying the certificate for `name`; the raw answer.
fn tls_request(port: u16, name: &str, ca: &Path, request: &str) -> Result<Vec<u8>, String> {
    let config = client_config(ca, &[b"h2", b"http/1.1"]);
    let server_name = ServerName::try_from(name.to_string()).map_err(|e| e.to_string())?;
    let conn = rustls::ClientConnection::new(config, server_name).map_err(|e| e.to_string())?;
    let sock = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let mut tls = rustls::StreamOwned::new(conn, sock);
    tls.write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    // No ALPN protocol is chosen: the client falls back to HTTP/1.1 (F-TL-1).
    if tls.conn.alpn_protocol().is_some() {
        return Err("server negotiated ALPN".into());
    }
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            // The server may close without close_notify after an unframed body.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(format!("read: {e} after {} bytes", out.len())),
        }
    }
    Ok(out)
}

fn tls_get(port: u16, name: &str, ca: &Path, path: &str) -> RawResponse {
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {name}:{port}\r\nConnection: close\r\n\r\n");
    match tls_request(port, name, ca, &request) {
        Ok(raw) => RawResponse::parse(&raw),
        Err(e) => panic!("TLS request to {name}:{port}{path}: {e}"),
    }
}

fn ca_path(server: &TestServer) -> PathBuf {
    server.config.ssl.openssl.base_path.join("cacert.pem")
}

#[test]
fn f_tl_1_https_ports_serve_with_https_urls() {
    let root = TempDocRoot::new();
    let certs = cert_dir();
    root.write("a.txt", b"over tls");
    root.write(
        "loc.sub.txt",
        b"{{location[scheme]}} {{location[host]}} {{ports[https][0]}} {{ports[https][1]}}",
    );
    let server = TestServer::start_with_config(https_config(root.path(), certs.path()));
    let ports = https_ports(&server);
    assert_eq!(
        ports.len(),
        2,
        "both https ports listen: {:?}",
        server.bound()
    );
    let ca = ca_path(&server);

    let resp = tls_get(ports[0], "web-platform.test", &ca, "/a.txt");
    assert_eq!(resp.status_code(), 200);
    assert_eq!(resp.body, b"over tls");

    let resp = tls_get(ports[1], "www.web-platform.test", &ca, "/loc.sub.txt");
    assert_eq!(
        resp.body_str(),
        format!(
            "https www.web-platform.test:{} {} {}",
            ports[1], ports[0], ports[1]
        )
    );
    // Plain http still works next to it.
    let plain = wpthost_tests::get(server.port(), "/a.txt");
    assert_eq!(plain.body, b"over tls");
}

#[test]
fn f_tl_2_automatic_certificate_covers_every_domain_including_idn() {
    let root = TempDocRoot::new();
    let certs = cert_dir();
    root.write("a.txt", b"x");
    let server = TestServer::start_with_config(https_config(root.path(), certs.path()));
    let port = https_ports(&server)[0];
    let ca = ca_path(&server);
    for name in [
        "web-platform.test",
        "www2.web-platform.test",
        "www.www1.web-platform.test",
        // 天気の良い日 and élève, IDNA-encoded.
        "xn--n8j6ds53lwwkrqhv28a.web-platform.test",
        "xn--lve-6lad.www.web-platform.test",
        "not-web-platform.test",
        "www1.not-web-platform.test",
    ] {
        let resp = tls_get(port, name, &ca, "/a.txt");
        assert_eq!(resp.status_code(), 200, "{name}");
    }
    // A name outside the configuration does not verify (the CA is name-constrained, too).
    let err = tls_request(port, "example.com", &ca, "GET / HTTP/1.1\r\n\r\n")
        .expect_err("example.com must not verify");
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    // The private keys are not inside the document root.
    assert!(!ca.starts_with(root.path()));
}

#[test]
fn f_tl_2_generated_certificate_reused_across_restarts() {
    let root = TempDocRoot::new();
    let certs = cert_dir();
    let config = https_config(root.path(), certs.path());
    let first = TestServer::start_with_config(config.clone());
    let ca = std::fs::read(ca_path(&first)).expect("CA written");
    let cert = std::fs::read(certs.path().join("server.pem")).expect("cert written");
    first.stop();
    let second = TestServer::start_with_config(config);
    assert_eq!(std::fs::read(ca_path(&second)).expect("CA"), ca);
    assert_eq!(
        std::fs::read(certs.path().join("server.pem")).expect("cert"),
        cert
    );
}

#[test]
fn f_tl_2_pregenerated_files_are_served() {
    let root = TempDocRoot::new();
    let certs = cert_dir();
    root.write("a.txt", b"pre");
    let spec = wpthost::tls::auto::AutoSpec {
        dir: certs.path().join("made"),
        names: vec!["localhost".into(), "www.localhost".into()],
        roots: vec!["localhost".into()],
        validity: Duration::from_secs(86_400),
        force: false,
    };
    let made = wpthost::tls::auto::ensure(&spec, std::time::SystemTime::now()).expect("certs");
    let server = TestServer::start_with_config(serde_json::json!({
        "doc_root": root.path(),
        "ports": {"http": ["auto"], "https": ["auto"]},
        "ssl": {"type": "pregenerated", "pregenerated": {
            "host_key_path": made.key_path,
            "host_cert_path": made.cert_path,
            "ca_cert_path": made.ca_cert_path,
        }},
    }));
    let port = https_ports(&server)[0];
    let resp = tls_get(port, "www.localhost", &made.ca_cert_path, "/a.txt");
    assert_eq!(resp.body, b"pre");
}

#[test]
fn f_tl_2_ssl_none_drops_https_ports() {
    let root = TempDocRoot::new();
    let server = TestServer::start_with_config(serde_json::json!({
        "doc_root": root.path(),
        "ports": {"http": ["auto"], "https": ["auto"]},
        "ssl": {"type": "none"},
    }));
    assert!(https_ports(&server).is_empty(), "{:?}", server.bound());
}

#[test]
fn f_tl_3_stalled_handshake_does_not_delay_others_and_is_dropped() {
    let root = TempDocRoot::new();
    let certs = cert_dir();
    root.write("a.txt", b"fast");
    let server = TestServer::start_with_config(https_config(root.path(), certs.path()));
    let port = https_ports(&server)[0];
    let ca = ca_path(&server);
    // Several clients that connect and never say anything, plus one that sends half a hello.
    let mut stalled: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect"))
        .collect();
    stalled[0]
        .write_all(&[0x16, 0x03, 0x01, 0x02])
        .expect("partial hello");
    let start = Instant::now();
    let resp = tls_get(port, "web-platform.test", &ca, "/a.txt");
    assert_eq!(resp.body, b"fast");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "a stalled handshake held up another client for {:?}",
        start.elapsed()
    );
    // The stalled client is cut off after the handshake timeout (10 s), well before 30 s.
    let sock = &mut stalled[1];
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut buf = [0u8; 16];
    let closed_at = Instant::now();
    let n = sock.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "expected the server to close the stalled connection");
    assert!(closed_at.elapsed() < Duration::from_secs(25));
}

fn start_error(json: serde_json::Value) -> String {
    let base = std::env::current_dir().expect("cwd");
    let config = match Config::from_json(json, &base) {
        Ok(c) => c,
        Err(e) => return e.to_string(),
    };
    match ServerState::new(Arc::new(config)) {
        Ok(_) => panic!("start-up should have failed"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn f_tl_2_broken_certificate_path_or_unreadable_key_stops_start_naming_the_file() {
    let root = TempDocRoot::new();
    let certs = cert_dir();
    let spec = wpthost::tls::auto::AutoSpec {
        dir: certs.path().join("made"),
        names: vec!["localhost".into()],
        roots: vec!["localhost".into()],
        validity: Duration::from_secs(86_400),
        force: false,
    };
    let made = wpthost::tls::auto::ensure(&spec, std::time::SystemTime::now()).expect("certs");
    let pregenerated = |cert: &Path, key: &Path| {
        serde_json::json!({
            "doc_root": root.path(),
            "ports": {"http": ["auto"], "https": ["auto"]},
            "ssl": {"type": "pregenerated", "pregenerated": {
                "host_key_path": key, "host_cert_path": cert,
            }},
        })
    };
    let missing = certs.path().join("missing.pem");
    let msg = start_error(pregenerated(&missing, &made.key_path));
    assert!(msg.contains(&missing.display().to_string()), "{msg}");

    // Unreadable: not a key at all, and a directory in place of the key file.
    let garbage = certs.write("garbage.key", b"-----BEGIN NOTHING-----\n");
    let msg = start_error(pregenerated(&made.cert_path, &garbage));
    assert!(msg.contains(&garbage.display().to_string()), "{msg}");
    let dir_key = certs.mkdir("a-directory.key");
    let msg = start_error(pregenerated(&made.cert_path, &dir_key));
    assert!(msg.contains(&dir_key.display().to_string()), "{msg}");

    // Automatic certificates may not live where they would be served.
    let inside = root.path().join("certs");
    let msg = start_error(serde_json::json!({
        "doc_root": root.path(),
        "ports": {"http": ["auto"], "https": ["auto"]},
        "ssl": {"type": "openssl", "openssl": {"base_path": inside}},
    }));
    assert!(msg.contains("inside the served directory"), "{msg}");
}
