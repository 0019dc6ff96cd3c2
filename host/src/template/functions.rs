//! wptserve's `SubFunctions`: `uuid()`, `file_hash(alg, path)`, `fs_path(path)`,
//! `header_or_default(name, default)` (F-SB-2..5).

use super::value::{Value, ALGORITHMS};
use super::TemplateError;
use crate::request::Request;
use base64::Engine as _;
use std::borrow::Cow;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Uuid,
    FileHash,
    FsPath,
    HeaderOrDefault,
}

impl Function {
    pub fn by_name(name: &str) -> Option<Function> {
        Some(match name {
            "uuid" => Function::Uuid,
            "file_hash" => Function::FileHash,
            "fs_path" => Function::FsPath,
            "header_or_default" => Function::HeaderOrDefault,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Function::Uuid => "uuid",
            Function::FileHash => "file_hash",
            Function::FsPath => "fs_path",
            Function::HeaderOrDefault => "header_or_default",
        }
    }

    fn arity(self) -> usize {
        match self {
            Function::Uuid => 0,
            Function::FsPath => 1,
            Function::FileHash | Function::HeaderOrDefault => 2,
        }
    }

    pub fn call<'a>(
        self,
        request: &'a Request,
        args: &[String],
    ) -> Result<Value<'a>, TemplateError> {
        if args.len() != self.arity() {
            return Err(TemplateError::Invalid(format!(
                "{}() takes {} arguments but {} were given",
                self.name(),
                self.arity(),
                args.len()
            )));
        }
        match self {
            Function::Uuid => Ok(Value::Str(Cow::Owned(uuid::Uuid::new_v4().to_string()))),
            Function::FileHash => file_hash(request, &args[0], &args[1]),
            Function::FsPath => fs_path(request, &args[0]).map(|p| Value::Str(Cow::Owned(p))),
            Function::HeaderOrDefault => {
                let name = latin1(&args[0])?;
                Ok(match header(request, &name) {
                    Some(v) => Value::Bytes(Cow::Borrowed(v)),
                    None => Value::Str(Cow::Owned(args[1].clone())),
                })
            }
        }
    }
}

/// Python's `isomorphic_encode` of a str (iso-8859-1; other characters are an error).
pub fn latin1(s: &str) -> Result<Vec<u8>, TemplateError> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| TemplateError::Invalid(format!("{s:?} cannot be encoded as ISO-8859-1")))
}

/// First value of a request header (wptserve's `request.headers[name]`, F-RQ-5).
pub fn header<'a>(request: &'a Request, name: &[u8]) -> Option<&'a [u8]> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_slice())
}

fn file_hash<'a>(
    request: &Request,
    algorithm: &str,
    path: &str,
) -> Result<Value<'a>, TemplateError> {
    if !ALGORITHMS.contains(&algorithm) {
        return Err(TemplateError::Invalid(format!(
            "Unsupported encryption algorithm: '{algorithm}'"
        )));
    }
    let root = abspath(&request.doc_root.to_string_lossy());
    let absolute = abspath(&py_join(&root, path));
    // Deliberate difference: wptserve hashes any file the server can read (`file_hash(md5, /etc/x)`);
    // a public server must not be a read oracle for files outside the document root.
    if relpath(&absolute, &root).split('/').any(|c| c == "..") {
        return Err(TemplateError::Invalid(format!(
            "file_hash: \"{absolute}\" is outside the document root"
        )));
    }
    let data = read_file(Path::new(&absolute)).map_err(|_| {
        TemplateError::Invalid(format!(
            "Cannot open file for hash computation: \"{absolute}\""
        ))
    })?;
    use sha2::Digest;
    let digest: Vec<u8> = match algorithm {
        "md5" => md5::Md5::digest(&data).to_vec(),
        "sha1" => sha1::Sha1::digest(&data).to_vec(),
        "sha224" => sha2::Sha224::digest(&data).to_vec(),
        "sha256" => sha2::Sha256::digest(&data).to_vec(),
        "sha384" => sha2::Sha384::digest(&data).to_vec(),
        _ => sha2::Sha512::digest(&data).to_vec(),
    };
    let encoded = base64::engine::general_purpose::STANDARD.encode(digest);
    Ok(Value::Bytes(Cow::Owned(encoded.into_bytes())))
}

/// Read a (small) file from inside a handler's async task: on the multi-threaded runtime tell tokio
/// this worker blocks for a moment, so other connections move to another thread meanwhile.
fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| std::fs::read(path))
        }
        _ => std::fs::read(path),
    }
}

/// F-SB-4: `p` relative to the request path's directory (or to the root when it starts with `/`).
fn fs_path(request: &Request, path: &str) -> Result<String, TemplateError> {
    let root_rel: String = if let Some(rest) = path.strip_prefix('/') {
        rest.to_owned()
    } else {
        // `request.request_path[len(url_base):]`, then everything before the last `/` if there is
        // one. At the top level there is none, so wptserve keeps the file name as a "directory".
        let skip = request.url_base.chars().count();
        let sub: String = request.target.chars().skip(skip).collect();
        let dir = match sub.rfind('/') {
            Some(i) => &sub[..i],
            None => sub.as_str(),
        };
        format!("{dir}/{path}")
    };
    let root = abspath(&request.doc_root.to_string_lossy());
    let absolute = abspath(&py_join(&root, &root_rel));
    if relpath(&absolute, &root).contains("..") {
        return Err(TemplateError::Invalid("Path outside wpt root".into()));
    }
    Ok(absolute)
}

/// `os.path.join(a, b)` for two parts (POSIX).
fn py_join(a: &str, b: &str) -> String {
    if b.starts_with('/') || a.is_empty() {
        b.to_owned()
    } else if a.ends_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

/// `os.path.normpath` (POSIX, lexical; exactly two leading slashes are kept).
fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let initial = if path.starts_with("//") && !path.starts_with("///") {
        2
    } else if path.starts_with('/') {
        1
    } else {
        0
    };
    let mut parts: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if initial == 0 && (parts.is_empty() || parts.last() == Some(&"..")) {
                    parts.push("..");
                } else {
                    parts.pop();
                }
            }
            c => parts.push(c),
        }
    }
    let joined = parts.join("/");
    let out = format!("{}{}", "/".repeat(initial), joined);
    if out.is_empty() {
        ".".into()
    } else {
        out
    }
}

/// `os.path.abspath`.
fn abspath(path: &str) -> String {
    if path.starts_with('/') {
        normpath(path)
    } else {
        let cwd = std::env::current_dir()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "/".into());
        normpath(&py_join(&cwd, path))
    }
}

/// `os.path.relpath(path, start)` for two absolute, normalised paths.
fn relpath(path: &str, start: &str) -> String {
    let p: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    let s: Vec<&str> = start.split('/').filter(|c| !c.is_empty()).collect();
    let common = p.iter().zip(&s).take_while(|(a, b)| a == b).count();
    let mut rel: Vec<&str> = vec![".."; s.len() - common];
    rel.extend(&p[common..]);
    if rel.is_empty() {
        ".".into()
    } else {
        rel.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_path_helpers() {
        assert_eq!(normpath("/a/b/../c/./d/"), "/a/c/d");
        assert_eq!(normpath("/../a"), "/a");
        assert_eq!(normpath("//a//b"), "//a/b");
        assert_eq!(normpath("a/../.."), "..");
        assert_eq!(py_join("/root", "/abs"), "/abs");
        assert_eq!(py_join("/root", "x/y"), "/root/x/y");
        assert_eq!(relpath("/root/a/b", "/root"), "a/b");
        assert_eq!(relpath("/root", "/root"), ".");
        assert_eq!(relpath("/other", "/root"), "../other");
    }
}
