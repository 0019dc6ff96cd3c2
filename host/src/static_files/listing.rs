//! Directory listings (F-DL-2, F-DL-3, §6.3), byte-identical to wptserve's `DirectoryHandler`.

use std::io;
use std::path::Path;

/// `html.escape(s, quote=True)`.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// `urllib.parse.quote(s)` (safe `/`): UTF-8, everything but `A-Za-z0-9_.-~/` as `%XX`.
pub fn url_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `urljoin(url_path, "..")` for a path ending in `/` (RFC 3986 dot-segment removal, with
/// Python's dropping of empty inner segments). A path starting with `//` has a network location
/// in Python's eyes, which stays in front.
pub fn parent_link(url_path: &str) -> String {
    let (netloc, path) = match url_path.strip_prefix("//") {
        Some(rest) => {
            let end = rest.find('/').unwrap_or(rest.len());
            (Some(&rest[..end]), &rest[end..])
        }
        None => (None, url_path),
    };
    let mut segments: Vec<&str> = path.split('/').collect();
    if segments.last().is_some_and(|s| !s.is_empty()) {
        segments.pop();
    }
    segments.push("..");
    // segments[1:-1] = filter(None, segments[1:-1])
    let last = segments.len() - 1;
    let mut filtered: Vec<&str> = Vec::with_capacity(segments.len());
    for (i, seg) in segments.iter().enumerate() {
        if i == 0 || i == last || !seg.is_empty() {
            filtered.push(seg);
        }
    }
    let mut resolved: Vec<&str> = Vec::new();
    for seg in &filtered {
        match *seg {
            ".." => {
                resolved.pop();
            }
            "." => {}
            s => resolved.push(s),
        }
    }
    resolved.push("");
    let mut joined = resolved.join("/");
    if joined.is_empty() {
        joined.push('/');
    }
    // `urlunparse` writes `//` only for a non-empty network location.
    match netloc {
        Some(n) if !n.is_empty() => format!("//{n}{joined}"),
        _ => joined,
    }
}

/// Directory entries in wptserve's order, each with the `.headers` file folded into it.
fn ordered_items(mut names: Vec<String>) -> Vec<(String, Option<String>)> {
    // `X.headers` sorts directly after `X`: key (X, X.headers) against (X, X).
    names.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    let mut items: Vec<(String, Option<String>)> = Vec::with_capacity(names.len());
    let mut prev: Option<String> = None;
    for name in names {
        if let Some(p) = prev.as_deref() {
            if !p.is_empty()
                && name.len() == p.len() + 8
                && name.starts_with(p)
                && name.ends_with(".headers")
            {
                if let Some(last) = items.last_mut() {
                    last.1 = Some(name);
                }
                prev = None;
                continue;
            }
        }
        prev = Some(name.clone());
        items.push((name, None));
    }
    items
}

fn sort_key(name: &str) -> (&str, &str) {
    match name.strip_suffix(".headers") {
        Some(stem) => (stem, name),
        None => (name, name),
    }
}

/// The listing page for directory `dir` requested as raw URL path `url_path` (ends with `/`).
/// Blocking: reads the directory and stats each entry.
pub fn render(url_path: &str, dir: &Path) -> io::Result<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        names.push(entry?.file_name().to_string_lossy().into_owned());
    }
    let mut lines: Vec<String> = Vec::with_capacity(names.len() + 1);
    if url_path != "/" {
        lines.push(format!(
            "<li class=\"dir\"><a href=\"{}\">..</a></li>",
            parent_link(url_path)
        ));
    }
    for (name, headers) in ordered_items(names) {
        let mut link = html_escape(&url_quote(&name));
        let class = if dir.join(&name).is_dir() {
            link.push('/');
            "dir"
        } else {
            "file"
        };
        let headers_markup = headers
            .map(|h| {
                format!(
                    " (<a href=\"{}\">.headers</a>)",
                    html_escape(&url_quote(&h))
                )
            })
            .unwrap_or_default();
        lines.push(format!(
            "<li class=\"{class}\"><a href=\"{link}\">{}</a>{headers_markup}</li>",
            html_escape(&name)
        ));
    }
    let path = html_escape(url_path);
    Ok(format!(
        "<!doctype html>\n<meta name=\"viewport\" content=\"width=device-width\">\n\
         <title>Directory listing for {path}</title>\n<h1>Directory listing for {path}</h1>\n\
         <ul>\n{}\n</ul>\n",
        lines.join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_dl_3_parent_link() {
        assert_eq!(parent_link("/subdir/"), "/");
        assert_eq!(parent_link("/a/b/"), "/a/");
        assert_eq!(parent_link("/a//b/"), "/a/");
        assert_eq!(parent_link("/sp%20ace/x/"), "/sp%20ace/");
        assert_eq!(parent_link("//x/"), "//x/");
        assert_eq!(parent_link("//x/y/"), "//x/");
        assert_eq!(parent_link("///a///"), "/");
        assert_eq!(parent_link("//"), "/");
    }

    #[test]
    fn f_dl_3_order_and_folding() {
        let names = [
            "x-y",
            "x.headers",
            "x",
            "__dir__.headers",
            "b.sub.headers",
            "b",
            "B",
            "é",
            "z.headers",
        ];
        let items = ordered_items(names.iter().map(|s| s.to_string()).collect());
        let got: Vec<(&str, Option<&str>)> = items
            .iter()
            .map(|(n, h)| (n.as_str(), h.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("B", None),
                ("__dir__.headers", None),
                ("b", None),
                ("b.sub.headers", None),
                ("x", Some("x.headers")),
                ("x-y", None),
                ("z.headers", None),
                ("é", None),
            ]
        );
    }

    #[test]
    fn f_dl_3_escaping() {
        assert_eq!(html_escape(&url_quote("f&<.txt")), "f%26%3C.txt");
        assert_eq!(html_escape("f&<.txt"), "f&amp;&lt;.txt");
        assert_eq!(url_quote("sp ace/é~"), "sp%20ace/%C3%A9~");
        assert_eq!(html_escape("'\">"), "&#x27;&quot;&gt;");
    }
}
