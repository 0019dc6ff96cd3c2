//! `// META:` lines at the top of a test's JS file (F-SV-3), read exactly as wpt's manifest does
//! (`read_script_metadata` with `//\s*META:\s*(\w*)=(.*)$`), and the set of globals a `global=`
//! value selects (`parse_variants`).

use std::collections::BTreeSet;

/// A META value that is not UTF-8 (wptserve fails the request with a 500 then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotUtf8;

/// The `(key, value)` pairs of the leading META lines; reading stops at the first other line.
pub fn read_metadata(js: &[u8]) -> Result<Vec<(String, String)>, NotUtf8> {
    let mut out = Vec::new();
    // Python iterates a binary file by `\n`; `\r` stays part of the line (and of the value).
    for line in js.split_inclusive(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let Some((key, value)) = match_meta_line(line) else {
            break;
        };
        let key = String::from_utf8(key.to_vec()).map_err(|_| NotUtf8)?;
        let value = String::from_utf8(value.to_vec()).map_err(|_| NotUtf8)?;
        out.push((key, value));
    }
    Ok(out)
}

/// Python's bytes `\s`.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn skip_spaces(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| is_space(b)).count();
    &s[n..]
}

fn match_meta_line(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let rest = skip_spaces(line.strip_prefix(b"//")?);
    let rest = skip_spaces(rest.strip_prefix(b"META:")?);
    let key_len = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    let (key, rest) = rest.split_at(key_len);
    Some((key, rest.strip_prefix(b"=")?))
}

/// `parse_variants(value)`: an empty value means `window` and `dedicatedworker`; otherwise the union
/// of each comma-separated item's globals (unknown names add nothing).
pub fn parse_variants(value: &str) -> BTreeSet<&'static str> {
    if value.is_empty() {
        return BTreeSet::from(["window", "dedicatedworker"]);
    }
    let mut globals = BTreeSet::new();
    for item in value.split(',') {
        globals.extend(any_variants(item.trim_matches(is_py_str_space)));
    }
    globals
}

/// Python `str.strip()` whitespace (ASCII part; META values rarely hold anything else).
fn is_py_str_space(c: char) -> bool {
    c.is_whitespace()
}

/// `_any_variants` of wpt's manifest: the globals one `global=` item stands for.
fn any_variants(item: &str) -> Vec<&'static str> {
    const KNOWN: &[&str] = &[
        "window",
        // wptserve's test_handlers.py (TestWindowModulesHandler): `global=window-module` exposes
        // `*.any.window-module.html` (reference §4.1 #44).
        "window-module",
        "serviceworker",
        "serviceworker-module",
        "sharedworker",
        "sharedworker-module",
        "dedicatedworker",
        "dedicatedworker-module",
        "worker-module",
        "shadowrealm",
        "jsshell",
    ];
    if item == "worker" {
        return vec!["dedicatedworker", "sharedworker", "serviceworker"];
    }
    KNOWN.iter().copied().filter(|k| *k == item).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn f_sv_3_reads_leading_meta_lines_only() {
        let js = b"// META: title=A & <b>\n//META:script=/x.js\r\n// META: timeout=long\n\n// META: global=worker\n";
        assert_eq!(
            read_metadata(js),
            Ok(pairs(&[
                ("title", "A & <b>"),
                ("script", "/x.js\r"),
                ("timeout", "long")
            ]))
        );
        assert_eq!(
            read_metadata(b"test(() => {});\n// META: title=x\n"),
            Ok(vec![])
        );
        assert_eq!(read_metadata(b"// META: bad key=1\n"), Ok(vec![]));
        assert_eq!(read_metadata(b"// META: =v"), Ok(pairs(&[("", "v")])));
        assert_eq!(read_metadata(b"// META: title=\xff\n"), Err(NotUtf8));
    }

    #[test]
    fn f_sv_3_global_variants() {
        assert_eq!(
            parse_variants(""),
            BTreeSet::from(["window", "dedicatedworker"])
        );
        assert_eq!(
            parse_variants("worker"),
            BTreeSet::from(["dedicatedworker", "sharedworker", "serviceworker"])
        );
        assert_eq!(
            parse_variants("window, shadowrealm,nonsense"),
            BTreeSet::from(["window", "shadowrealm"])
        );
        assert_eq!(
            parse_variants("window-module"),
            BTreeSet::from(["window-module"])
        );
        assert!(parse_variants("module").is_empty());
    }
}
