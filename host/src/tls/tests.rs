//! Unit tests of certificate generation, reuse, renewal and loading (F-TL-2).

use super::auto::{self, AutoSpec};
use super::*;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "wpthost-tls-{tag}-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn spec(dir: &Path, names: &[&str]) -> AutoSpec {
    AutoSpec {
        dir: dir.join("certs"),
        names: names.iter().map(|s| s.to_string()).collect(),
        roots: vec!["web-platform.test".into()],
        validity: Duration::from_secs(30 * 86_400),
        force: false,
    }
}

const NAMES: &[&str] = &[
    "web-platform.test",
    "www.web-platform.test",
    "xn--lve-6lad.web-platform.test",
    "www.www1.web-platform.test",
];

#[test]
fn f_tl_2_generates_then_reuses() {
    let dir = temp_dir("reuse");
    let spec = spec(&dir, NAMES);
    let now = SystemTime::now();
    let first = auto::ensure(&spec, now).expect("generate");
    assert!(first.generated);
    assert!(first.ca_cert_path.is_file() && first.cert_path.is_file() && first.key_path.is_file());
    let left = first.not_after.duration_since(now).expect("in the future");
    assert!(left > Duration::from_secs(29 * 86_400) && left <= Duration::from_secs(30 * 86_400));

    let second = auto::ensure(&spec, now).expect("reuse");
    assert!(
        !second.generated,
        "a valid certificate must be reused across restarts"
    );
    assert_eq!(first.chain, second.chain);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn f_tl_2_renews_before_expiry_keeping_the_key() {
    let dir = temp_dir("renew");
    let spec = spec(&dir, NAMES);
    let now = SystemTime::now();
    let first = auto::ensure(&spec, now).expect("generate");
    // 25 of 30 days later less than a third of the lifetime is left: renew.
    let later = now + Duration::from_secs(25 * 86_400);
    let renewed = auto::ensure(&spec, later).expect("renew");
    assert!(renewed.generated);
    assert_ne!(first.chain[0], renewed.chain[0]);
    assert_eq!(first.chain[1], renewed.chain[1], "the CA stays");
    assert_eq!(spki_hash(&first.chain[0]), spki_hash(&renewed.chain[0]));
    assert!(renewed.not_after > first.not_after);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn f_tl_2_new_names_give_a_new_certificate() {
    let dir = temp_dir("names");
    let now = SystemTime::now();
    let first = auto::ensure(&spec(&dir, NAMES), now).expect("generate");
    let more = auto::ensure(
        &spec(&dir, &["web-platform.test", "www2.web-platform.test"]),
        now,
    )
    .expect("regenerate");
    assert!(more.generated);
    assert_ne!(first.chain[0], more.chain[0]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn f_tl_2_spki_hash_is_sha256_of_the_public_key_info() {
    let dir = temp_dir("spki");
    let certs = auto::ensure(&spec(&dir, NAMES), SystemTime::now()).expect("generate");
    let pem = std::fs::read_to_string(&certs.key_path).expect("key");
    let key = rcgen::KeyPair::from_pem(&pem).expect("key parses");
    let expected = base64::engine::general_purpose::STANDARD
        .encode(sha2::Sha256::digest(key.public_key_der()));
    assert_eq!(
        spki_hash(&certs.chain[0]).as_deref(),
        Some(expected.as_str())
    );
    assert_eq!(expected.len(), 44);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn f_tl_2_setup_from_generated_files_as_pregenerated() {
    let dir = temp_dir("pre");
    let certs = auto::ensure(&spec(&dir, NAMES), SystemTime::now()).expect("generate");
    let setup = TlsSetup::new(CertSource::Pregenerated {
        cert: certs.cert_path.clone(),
        key: certs.key_path.clone(),
        ca_cert: Some(certs.ca_cert_path.clone()),
    })
    .expect("pregenerated setup");
    assert_eq!(setup.spki_hash, spki_hash(&certs.chain[0]).expect("hash"));
    assert!(setup
        .startup_lines()
        .iter()
        .any(|l| l.contains(&setup.spki_hash)));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn f_tl_2_broken_paths_name_the_file() {
    let dir = temp_dir("broken");
    let certs = auto::ensure(&spec(&dir, NAMES), SystemTime::now()).expect("generate");
    let missing = dir.join("no-such.pem");
    let err = TlsSetup::new(CertSource::Pregenerated {
        cert: missing.clone(),
        key: certs.key_path.clone(),
        ca_cert: None,
    })
    .expect_err("missing certificate");
    assert!(
        err.to_string().contains(&missing.display().to_string()),
        "{err}"
    );

    let garbage = dir.join("garbage.key");
    std::fs::write(&garbage, "not a key").expect("write");
    let err = TlsSetup::new(CertSource::Pregenerated {
        cert: certs.cert_path.clone(),
        key: garbage.clone(),
        ca_cert: None,
    })
    .expect_err("garbage key");
    assert!(
        err.to_string().contains(&garbage.display().to_string()),
        "{err}"
    );

    // A directory where the key should be: unreadable.
    let err = TlsSetup::new(CertSource::Pregenerated {
        cert: certs.cert_path.clone(),
        key: dir.clone(),
        ca_cert: None,
    })
    .expect_err("unreadable key");
    assert!(
        err.to_string().contains(&dir.display().to_string()),
        "{err}"
    );

    // The CA's key does not belong to the server certificate.
    let ca_key = certs.ca_cert_path.with_file_name("cacert.key");
    let err = TlsSetup::new(CertSource::Pregenerated {
        cert: certs.cert_path.clone(),
        key: ca_key,
        ca_cert: None,
    })
    .expect_err("mismatched key");
    assert!(err.to_string().contains("do not belong together"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn f_tl_2_running_server_renews_in_place() {
    let dir = temp_dir("hot");
    let mut short = spec(&dir, NAMES);
    short.validity = Duration::from_secs(2 * 3_600);
    let setup = TlsSetup::new(CertSource::Automatic(short.clone())).expect("setup");
    assert!(
        !setup.renew_if_due().expect("check"),
        "a fresh certificate is not due"
    );
    // Files as they would be 90 minutes later: half an hour left, less than the renewal margin.
    let mut aged = short.clone();
    aged.force = true;
    auto::ensure(&aged, SystemTime::now() - Duration::from_secs(90 * 60)).expect("aged files");
    assert!(
        setup.renew_if_due().expect("renew"),
        "an expiring certificate is renewed"
    );
    assert!(!setup.renew_if_due().expect("check"), "and then not again");
    let _ = std::fs::remove_dir_all(dir);
}
