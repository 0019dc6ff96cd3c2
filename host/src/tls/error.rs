//! What can stop TLS from starting. Every message names the file or setting it is about, so a
//! broken certificate path or an unreadable key is fixed from the message alone.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {what} {path}: {source}")]
    Read {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{what} {path} is not usable: {problem}")]
    Invalid {
        what: &'static str,
        path: PathBuf,
        problem: String,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "ssl.type is \"pregenerated\" but ssl.pregenerated.{0} is not set (or use ssl.type \"openssl\" \
         for certificates made automatically)"
    )]
    MissingSetting(&'static str),
    #[error(
        "certificate directory {dir} (ssl.openssl.base_path) is inside the served directory {root}: \
         its private keys could be fetched; choose a directory outside every document root"
    )]
    InsideDocRoot { dir: PathBuf, root: PathBuf },
    #[error("cannot generate certificates in {dir}: {problem}")]
    Generate { dir: PathBuf, problem: String },
    #[error("timed out waiting for {path} (another wpthost generating certificates there?)")]
    Lock { path: PathBuf },
    #[error("certificate {cert} and key {key} do not belong together: {problem}")]
    Mismatch {
        cert: PathBuf,
        key: PathBuf,
        problem: String,
    },
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}
