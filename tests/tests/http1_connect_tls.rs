//! F-H1-13 / F-TL-4: `ssl.encrypt_after_connect` (wptserve's self-proxy mode). The https port speaks
//! plain HTTP until a CONNECT is answered with 200, then TLS starts on the same socket.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{Read, Write};
use std::sync::Arc;
use wpthost_tests::{RawConnection, RawResponse, TempDocRoot, TestServer};

#[test]
fn f_h1_13_f_tl_4_tls_starts_after_connect() {
    let root = TempDocRoot::new();
    let certs = TempDocRoot::new();
    root.write("a.txt", b"after connect");
    root.write("where.sub.txt", b"{{location[scheme]}}");
    let server = TestServer::start_with_config(serde_json::json!({
        "doc_root": root.path(),
        "ports": {"http": ["auto"], "https": ["auto"]},
        "ssl": {"type": "openssl", "encrypt_after_connect": true,
                "openssl": {"base_path": certs.path()}},
    }));
    let port = server
        .bound()
        .iter()
        .find(|(scheme, _)| scheme == "https")
        .map(|(_, addr)| addr.port())
        .unwrap_or_else(|| panic!("no https port in {:?}", server.bound()));

    let mut conn = RawConnection::open(port);
    // Plain HTTP before the CONNECT; the scheme of the port is still https.
    conn.send(b"GET /where.sub.txt HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let plain = conn.read_response();
    assert_eq!(plain.body, b"https");
    conn.send(b"CONNECT localhost:443 HTTP/1.1\r\nHost: localhost:443\r\n\r\n");
    let answer = conn.read_head_only();
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    assert!(conn.pending.is_empty());

    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(certs.path().join("cacert.pem"))
        .unwrap_or_else(|e| panic!("CA file: {e}"))
    {
        roots
            .add(cert.unwrap_or_else(|e| panic!("CA PEM: {e}")))
            .unwrap_or_else(|e| panic!("CA: {e}"));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| panic!("versions: {e}"))
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("localhost").unwrap_or_else(|e| panic!("name: {e}"));
    let client = rustls::ClientConnection::new(Arc::new(config), name)
        .unwrap_or_else(|e| panic!("client: {e}"));
    let mut tls = rustls::StreamOwned::new(client, conn.stream);
    tls.write_all(b"GET /a.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap_or_else(|e| panic!("TLS write: {e}"));
    let mut raw = Vec::new();
    let _ = tls.read_to_end(&mut raw);
    let resp = RawResponse::parse(&raw);
    assert_eq!(resp.status_line, "HTTP/1.1 200 OK");
    assert_eq!(resp.body, b"after connect");
}
