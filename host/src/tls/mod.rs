//! TLS for the https ports (F-TL-1..3): where the certificate comes from (`ssl.type`), the rustls
//! acceptor every https listener shares, the handshake timeout, and what the server prints at start
//! (the CA path and the SPKI hash Chrome's `--ignore-certificate-errors-spki-list` takes).
//!
//! One certificate serves every host name (wptserve does no SNI switching, F-TL-2), so the
//! acceptor resolves the same key for any or no SNI. No ALPN is offered: an h2-capable client
//! falls back to HTTP/1.1, as with wptserve.

pub mod auto;
mod der;
mod error;

pub use error::TlsError;

use crate::config::{Config, SslType};
use base64::Engine;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use sha2::Digest;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// A client that has not finished its handshake by then is dropped (F-TL-3: it never holds up
/// anyone else either way, since each connection handshakes in its own task).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest server certificate lifetime accepted from `ssl.openssl.duration` (days).
const MAX_VALIDITY_DAYS: u64 = 3_650;

/// Where the certificate comes from.
#[derive(Debug, Clone)]
pub enum CertSource {
    /// Files made beforehand (`ssl.pregenerated`).
    Pregenerated {
        cert: PathBuf,
        key: PathBuf,
        ca_cert: Option<PathBuf>,
    },
    /// Generated and renewed here (`ssl.type` "openssl").
    Automatic(auto::AutoSpec),
}

/// The TLS state shared by all https listeners.
pub struct TlsSetup {
    acceptor: TlsAcceptor,
    current: Arc<CurrentCert>,
    source: CertSource,
    /// The CA that signed the server certificate, when known.
    pub ca_cert_path: Option<PathBuf>,
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    /// base64(SHA-256(SubjectPublicKeyInfo)) of the server certificate.
    pub spki_hash: String,
}

impl std::fmt::Debug for TlsSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSetup")
            .field("cert_path", &self.cert_path)
            .field("ca_cert_path", &self.ca_cert_path)
            .field("spki_hash", &self.spki_hash)
            .finish()
    }
}

/// Whether the configuration has any port that needs TLS.
pub fn has_tls_ports(config: &Config) -> bool {
    config
        .ports
        .iter()
        .any(|(scheme, ports)| scheme.starts_with("https") && !ports.is_empty())
}

/// The TLS setup the configuration asks for: `None` for `ssl.type` "none" or when no https port is
/// configured; an error naming the file or setting when the certificate cannot be used.
pub fn load_or_create(config: &Config) -> Result<Option<TlsSetup>, TlsError> {
    if !has_tls_ports(config) {
        return Ok(None);
    }
    let source = match config.ssl.kind {
        SslType::None => return Ok(None),
        SslType::Pregenerated => {
            let pre = &config.ssl.pregenerated;
            CertSource::Pregenerated {
                cert: pre
                    .host_cert_path
                    .clone()
                    .ok_or(TlsError::MissingSetting("host_cert_path"))?,
                key: pre
                    .host_key_path
                    .clone()
                    .ok_or(TlsError::MissingSetting("host_key_path"))?,
                ca_cert: pre.ca_cert_path.clone(),
            }
        }
        SslType::Openssl => {
            let openssl = &config.ssl.openssl;
            let dir = certificate_dir(&openssl.base_path, config)?;
            CertSource::Automatic(auto::AutoSpec {
                dir,
                names: certificate_names(config)?,
                roots: constraint_roots(config)?,
                validity: Duration::from_secs(
                    openssl.duration.clamp(1, MAX_VALIDITY_DAYS) * 86_400,
                ),
                force: openssl.force_regenerate,
            })
        }
    };
    TlsSetup::new(source).map(Some)
}

/// Every domain the server answers for, IDNA-encoded, shortest first (the first is the CN).
pub fn certificate_names(config: &Config) -> Result<Vec<String>, TlsError> {
    let mut names = Vec::new();
    for name in &config.domains_set {
        names.push(ascii_name(name)?);
    }
    names.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    names.dedup();
    Ok(names)
}

/// browser_host and the alternate hosts: every configured domain ends in one of them.
fn constraint_roots(config: &Config) -> Result<Vec<String>, TlsError> {
    let mut roots = vec![ascii_name(&config.browser_host)?];
    for host in config.alternate_hosts.values() {
        roots.push(ascii_name(host)?);
    }
    roots.sort();
    roots.dedup();
    Ok(roots)
}

fn ascii_name(name: &str) -> Result<String, TlsError> {
    idna::domain_to_ascii(name).map_err(|e| TlsError::Invalid {
        what: "host name",
        path: PathBuf::from(name),
        problem: format!("not a valid (IDNA) domain name: {e}"),
    })
}

/// Where automatic certificates live. Generated private keys must never be reachable through a
/// document root: a configured directory inside one is refused, except wptserve's default
/// `<config dir>/_certs` (which `wpt serve` keeps in its document root), which moves to the user's
/// state directory instead, so a config written for wptserve still starts.
fn certificate_dir(configured: &Path, config: &Config) -> Result<PathBuf, TlsError> {
    match served_root_containing(configured, config) {
        None => Ok(configured.to_path_buf()),
        Some(_) if configured.file_name() == Some(std::ffi::OsStr::new("_certs")) => {
            let dir = default_state_dir();
            tracing::warn!(
                "ssl.openssl.base_path {} is inside a document root; keeping the certificates in {} instead",
                configured.display(),
                dir.display()
            );
            match served_root_containing(&dir, config) {
                None => Ok(dir),
                Some(root) => Err(TlsError::InsideDocRoot { dir, root }),
            }
        }
        Some(root) => Err(TlsError::InsideDocRoot {
            dir: configured.to_path_buf(),
            root,
        }),
    }
}

/// The served directory (document root or alias) that contains `dir`, if any.
fn served_root_containing(dir: &Path, config: &Config) -> Option<PathBuf> {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let dir_abs = canonical(dir);
    std::iter::once(&config.doc_root)
        .chain(config.aliases.iter().map(|a| &a.local_dir))
        .find(|root| dir_abs.starts_with(canonical(root)))
        .cloned()
}

/// `$XDG_STATE_HOME/wpthost/certs`, else `~/.local/state/wpthost/certs`, else a directory in the
/// system's temporary directory.
pub fn default_state_dir() -> PathBuf {
    let non_empty = |var: &str| std::env::var_os(var).filter(|v| !v.is_empty());
    if let Some(state) = non_empty("XDG_STATE_HOME") {
        return PathBuf::from(state).join("wpthost").join("certs");
    }
    if let Some(home) = non_empty("HOME") {
        return PathBuf::from(home)
            .join(".local")
            .join("state")
            .join("wpthost")
            .join("certs");
    }
    std::env::temp_dir().join("wpthost-certs")
}

impl TlsSetup {
    /// Load or generate the certificate and build the acceptor.
    pub fn new(source: CertSource) -> Result<TlsSetup, TlsError> {
        let loaded = load(&source)?;
        let spki_hash = spki_hash(&loaded.chain[0]).ok_or_else(|| TlsError::Invalid {
            what: "TLS certificate",
            path: loaded.cert_path.clone(),
            problem: "cannot find its SubjectPublicKeyInfo".into(),
        })?;
        let certified = certified_key(&loaded)?;
        let current = Arc::new(CurrentCert(RwLock::new(Arc::new(certified))));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server_config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(current.clone());
        Ok(TlsSetup {
            acceptor: TlsAcceptor::from(Arc::new(server_config)),
            current,
            source,
            ca_cert_path: loaded.ca_cert_path,
            cert_path: loaded.cert_path,
            key_path: loaded.key_path,
            spki_hash,
        })
    }

    pub fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.clone()
    }

    /// Complete the server side of the handshake, or give up after `HANDSHAKE_TIMEOUT`.
    pub async fn accept<IO>(&self, io: IO) -> std::io::Result<TlsStream<IO>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, self.acceptor.accept(io)).await {
            Ok(result) => result,
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "TLS handshake timed out",
            )),
        }
    }

    /// The lines the server prints at start so that a browser can be pointed at it.
    pub fn startup_lines(&self) -> Vec<String> {
        let mut lines = vec![format!("TLS certificate: {}", self.cert_path.display())];
        match &self.ca_cert_path {
            Some(ca) => lines.push(format!("TLS CA certificate: {}", ca.display())),
            None => lines.push("TLS CA certificate: unknown (not configured)".into()),
        }
        lines.push(format!(
            "TLS SPKI hash (Chrome --ignore-certificate-errors-spki-list): {}",
            self.spki_hash
        ));
        lines
    }

    /// For automatic certificates: make a new server certificate when the current one is close to
    /// expiry, and serve it from the next handshake on. Returns whether it renewed.
    pub fn renew_if_due(&self) -> Result<bool, TlsError> {
        let CertSource::Automatic(spec) = &self.source else {
            return Ok(false);
        };
        let certs = auto::ensure(spec, SystemTime::now())?;
        if !certs.generated {
            return Ok(false);
        }
        let loaded = Loaded {
            chain: certs.chain,
            key: certs.key,
            cert_path: certs.cert_path,
            key_path: certs.key_path,
            ca_cert_path: Some(certs.ca_cert_path),
        };
        let certified = certified_key(&loaded)?;
        let mut slot = self.current.0.write().unwrap_or_else(|e| e.into_inner());
        *slot = Arc::new(certified);
        Ok(true)
    }

    /// Check for renewal every hour for as long as the runtime lives.
    pub fn spawn_renewal(self: &Arc<Self>) {
        if !matches!(self.source, CertSource::Automatic(_)) {
            return;
        }
        let setup = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(3_600));
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(setup) = setup.upgrade() else { return };
                let result = tokio::task::spawn_blocking(move || setup.renew_if_due()).await;
                match result {
                    Ok(Ok(true)) => tracing::info!("renewed the TLS server certificate"),
                    Ok(Ok(false)) => {}
                    Ok(Err(e)) => tracing::warn!("TLS certificate renewal failed: {e}"),
                    Err(e) => tracing::warn!("TLS certificate renewal failed: {e}"),
                }
            }
        });
    }
}

/// The certificate handed to every handshake; swapped on renewal.
#[derive(Debug)]
struct CurrentCert(RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for CurrentCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.read().unwrap_or_else(|e| e.into_inner()).clone())
    }
}

struct Loaded {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    cert_path: PathBuf,
    key_path: PathBuf,
    ca_cert_path: Option<PathBuf>,
}

fn load(source: &CertSource) -> Result<Loaded, TlsError> {
    match source {
        CertSource::Pregenerated { cert, key, ca_cert } => {
            let chain = read_cert_chain(cert)?;
            let key_der = read_private_key(key)?;
            Ok(Loaded {
                chain,
                key: key_der,
                cert_path: cert.clone(),
                key_path: key.clone(),
                ca_cert_path: ca_cert.clone(),
            })
        }
        CertSource::Automatic(spec) => {
            let certs = auto::ensure(spec, SystemTime::now())?;
            Ok(Loaded {
                chain: certs.chain,
                key: certs.key,
                cert_path: certs.cert_path,
                key_path: certs.key_path,
                ca_cert_path: Some(certs.ca_cert_path),
            })
        }
    }
}

fn certified_key(loaded: &Loaded) -> Result<CertifiedKey, TlsError> {
    let provider = rustls::crypto::ring::default_provider();
    CertifiedKey::from_der(loaded.chain.clone(), loaded.key.clone_key(), &provider).map_err(|e| {
        TlsError::Mismatch {
            cert: loaded.cert_path.clone(),
            key: loaded.key_path.clone(),
            problem: e.to_string(),
        }
    })
}

fn read_file(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        what,
        path: path.to_path_buf(),
        source,
    })
}

/// Every certificate in a PEM file, server certificate first.
pub fn read_cert_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    const WHAT: &str = "TLS certificate";
    let bytes = read_file(WHAT, path)?;
    let invalid = |problem: String| TlsError::Invalid {
        what: WHAT,
        path: path.to_path_buf(),
        problem,
    };
    let chain = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("bad PEM: {e}")))?;
    if chain.is_empty() {
        return Err(invalid("no \"BEGIN CERTIFICATE\" block in it".into()));
    }
    Ok(chain)
}

/// The private key in a PEM file (PKCS#8, PKCS#1 or SEC1).
pub fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    const WHAT: &str = "TLS private key";
    let bytes = read_file(WHAT, path)?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| TlsError::Invalid {
        what: WHAT,
        path: path.to_path_buf(),
        problem: match e {
            rustls::pki_types::pem::Error::NoItemsFound => "no private key block in it".into(),
            other => format!("bad PEM: {other}"),
        },
    })
}

/// base64(SHA-256(SubjectPublicKeyInfo)): the pin format of `--ignore-certificate-errors-spki-list`.
pub fn spki_hash(cert: &CertificateDer<'_>) -> Option<String> {
    let spki = der::subject_public_key_info(cert)?;
    Some(base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(spki)))
}

#[cfg(test)]
mod tests;
