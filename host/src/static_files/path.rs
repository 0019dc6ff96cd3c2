//! URL path to file-system path (F-ST-1), as wptserve's `filesystem_path`: percent-decode, strip the
//! handler's URL base, refuse any `..`, join onto the document root, stay inside it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Why a URL path has no file behind it; wptserve answers every case with `HTTPException(404)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outside;

/// Python's `urllib.parse.unquote` (UTF-8, `errors="replace"`): `%XX` escapes inside each run of
/// ASCII characters become bytes decoded as UTF-8 with U+FFFD for invalid sequences; non-ASCII
/// characters and malformed escapes stay as they are.
pub fn python_unquote(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        let ascii_len = rest.bytes().take_while(u8::is_ascii).count();
        if ascii_len == 0 {
            let non_ascii_len = rest
                .char_indices()
                .find(|(_, c)| c.is_ascii())
                .map_or(rest.len(), |(i, _)| i);
            out.push_str(&rest[..non_ascii_len]);
            rest = &rest[non_ascii_len..];
            continue;
        }
        let (run, tail) = rest.split_at(ascii_len);
        let bytes: Vec<u8> = percent_encoding::percent_decode_str(run).collect();
        out.push_str(&String::from_utf8_lossy(&bytes));
        rest = tail;
    }
    out
}

/// The file-system path for `url_path` (raw, percent-encoded) under `base`, or `Outside` (404).
pub fn filesystem_path(base: &Path, url_path: &str, url_base: &str) -> Result<PathBuf, Outside> {
    let decoded = python_unquote(url_path);
    let relative = decoded.strip_prefix(url_base).unwrap_or(&decoded);
    // wptserve refuses `..` anywhere, even inside a name such as `a..b`.
    if relative.contains("..") {
        return Err(Outside);
    }
    // `os.path.join`: an absolute second part replaces the base. wptserve then compares string
    // prefixes; comparing whole components keeps `/root2/x` out of `/root` as well.
    let joined = if relative.starts_with('/') {
        PathBuf::from(relative)
    } else {
        let mut s: OsString = base.as_os_str().to_owned();
        if !s.as_encoded_bytes().ends_with(b"/") {
            s.push("/");
        }
        s.push(relative);
        PathBuf::from(s)
    };
    if !joined.starts_with(base) {
        return Err(Outside);
    }
    Ok(joined)
}

/// The extension `os.path.splitext` finds, without its dot: the text after the last `.` of the
/// last path component, unless that component is only dots before it (`.bashrc` has none).
pub fn extension(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rfind('.') {
        Some(dot) if name[..dot].bytes().any(|b| b != b'.') => &name[dot + 1..],
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquote_like_python() {
        assert_eq!(python_unquote("/a%20b"), "/a b");
        assert_eq!(python_unquote("/%2e%2e/x"), "/../x");
        assert_eq!(python_unquote("/%zz%4"), "/%zz%4");
        assert_eq!(python_unquote("/caf%C3%A9"), "/caf\u{e9}");
        assert_eq!(python_unquote("/%ff"), "/\u{fffd}");
        // Escapes on either side of a literal non-ASCII character are decoded separately.
        assert_eq!(python_unquote("/%C3\u{e9}%A9"), "/\u{fffd}\u{e9}\u{fffd}");
    }

    #[test]
    fn f_st_1_mapping() {
        let base = Path::new("/srv/root");
        let ok = |p: &str| filesystem_path(base, p, "/");
        assert_eq!(ok("/a/b.txt"), Ok(PathBuf::from("/srv/root/a/b.txt")));
        assert_eq!(ok("/"), Ok(PathBuf::from("/srv/root/")));
        assert_eq!(ok("/sp%20ace/"), Ok(PathBuf::from("/srv/root/sp ace/")));
        assert_eq!(ok("/../x"), Err(Outside));
        assert_eq!(ok("/%2e%2e/x"), Err(Outside));
        assert_eq!(ok("/a..b"), Err(Outside));
        assert_eq!(ok("//etc/passwd"), Err(Outside));
        assert_eq!(ok("//srv/root2/x"), Err(Outside));
        assert_eq!(ok("//srv/root/x"), Ok(PathBuf::from("/srv/root/x")));
        assert_eq!(
            filesystem_path(base, "/alias/x", "/alias/"),
            Ok(PathBuf::from("/srv/root/x"))
        );
    }

    #[test]
    fn splitext() {
        assert_eq!(extension("/r/a.txt"), "txt");
        assert_eq!(extension("/r/a.tar.gz"), "gz");
        assert_eq!(extension("/r/.bashrc"), "");
        assert_eq!(extension("/r/..x"), "");
        assert_eq!(extension("/r/a."), "");
        assert_eq!(extension("/r.d/file"), "");
        assert_eq!(extension("/r/x.HTML"), "HTML");
    }
}
