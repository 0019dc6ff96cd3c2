//! Output escaping for substitutions (F-PP-4, F-SB-16).

/// The `escape_type` of `sub`: `html` (the default), `none`, or anything else, which wptserve only
/// rejects when a substitution actually happens (its escape lookup runs per substitution).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscapeType {
    Html,
    None,
    /// An unknown name; `None` stands for `sub(null)` (Python's None).
    Unknown(Option<String>),
}

impl EscapeType {
    /// The argument of `sub(...)` after wptserve's `nullable(str)` converter.
    pub fn from_arg(arg: Option<&str>) -> EscapeType {
        match arg {
            Some("html") => EscapeType::Html,
            Some("none") => EscapeType::None,
            Some(other) => EscapeType::Unknown(Some(other.to_owned())),
            None => EscapeType::Unknown(None),
        }
    }
}

/// Python's `html.escape(s, quote=True)`.
pub fn html_escape_into(s: &str, out: &mut Vec<u8>) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&#x27;",
            _ => continue,
        };
        out.extend_from_slice(&s.as_bytes()[last..i]);
        out.extend_from_slice(rep);
        last = i + 1;
    }
    out.extend_from_slice(&s.as_bytes()[last..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_python_html_escape() {
        let mut out = Vec::new();
        html_escape_into("<b>&\"'x é", &mut out);
        assert_eq!(out, "&lt;b&gt;&amp;&quot;&#x27;x é".as_bytes());
    }
}
