//! The request as a handler sees it, with wptserve's convenience views (F-RQ-*).

use crate::bindings::wpthost::handler::types;
use crate::cookies::parse_cookie_header;
use crate::form::{self, Form};
use crate::multidict::MultiDict;
use crate::Error;
use std::cell::OnceCell;

/// One request. Every HTTP field is raw bytes; the parsed views (`query`, `form`, `cookies`) are computed
/// on first use.
pub struct Request {
    raw: types::Request,
    query: OnceCell<MultiDict>,
    form: OnceCell<Result<Form, String>>,
    cookies: OnceCell<MultiDict>,
}

/// `user:password` from `Authorization: Basic` (F-RQ-11), as bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicAuth {
    /// Everything before the first `:` of the decoded credentials.
    pub username: Vec<u8>,
    /// Everything after it.
    pub password: Vec<u8>,
}

impl Request {
    /// Wrap the record the host passed to `handle`.
    pub fn from_raw(raw: types::Request) -> Self {
        Request {
            raw,
            query: OnceCell::new(),
            form: OnceCell::new(),
            cookies: OnceCell::new(),
        }
    }

    /// A request built in memory, for unit tests of handler logic.
    ///
    /// ```
    /// let req = wpthost_plugin_sdk::Request::builder("GET", "/x?a=1")
    ///     .header("Cookie", "k=v")
    ///     .build();
    /// assert_eq!(req.query().first(b"a"), Some(&b"1"[..]));
    /// assert_eq!(req.cookie(b"k"), Some(&b"v"[..]));
    /// ```
    pub fn builder(method: &str, target: &str) -> RequestBuilder {
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, q),
            None => (target, ""),
        };
        RequestBuilder {
            raw: types::Request {
                method: method.as_bytes().to_vec(),
                target: target.as_bytes().to_vec(),
                path: path.as_bytes().to_vec(),
                query: query.as_bytes().to_vec(),
                version: b"HTTP/1.1".to_vec(),
                headers: Vec::new(),
                body: Vec::new(),
                client_address: "127.0.0.1:1".into(),
                scheme: "http".into(),
                url: format!("http://localhost{target}"),
                route_match: Vec::new(),
                url_base: "/".into(),
            },
        }
    }

    /// The underlying WIT record.
    pub fn raw(&self) -> &types::Request {
        &self.raw
    }

    /// The method token as received (case-sensitive).
    pub fn method(&self) -> &[u8] {
        &self.raw.method
    }
    /// The request-target as received, query included (wptserve's `request_path`).
    pub fn target(&self) -> &[u8] {
        &self.raw.target
    }
    /// The URL path, still percent-encoded.
    pub fn path(&self) -> &[u8] {
        &self.raw.path
    }
    /// The query string without `?` (empty when absent).
    pub fn query_string(&self) -> &[u8] {
        &self.raw.query
    }
    /// `HTTP/1.0` or `HTTP/1.1` as the client sent it.
    pub fn version(&self) -> &[u8] {
        &self.raw.version
    }
    /// The decoded body (chunked bodies arrive de-chunked).
    pub fn body(&self) -> &[u8] {
        &self.raw.body
    }
    /// `ip:port` of the client.
    pub fn client_address(&self) -> &str {
        &self.raw.client_address
    }
    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        &self.raw.scheme
    }
    /// The full URL (`scheme://host:port/target`).
    pub fn url(&self) -> &str {
        &self.raw.url
    }
    /// The handler's mount point (`/` normally).
    pub fn url_base(&self) -> &str {
        &self.raw.url_base
    }

    /// The host part of [`Request::url`] (no port).
    pub fn hostname(&self) -> &str {
        let authority = self.authority();
        match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
        }
    }

    /// The port of [`Request::url`], if it has one.
    pub fn port(&self) -> Option<u16> {
        let authority = self.authority();
        let after_host = authority.rsplit(']').next().unwrap_or(authority);
        after_host
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok())
    }

    fn authority(&self) -> &str {
        let rest = self.raw.url.split_once("://").map_or("", |(_, r)| r);
        rest.split('/').next().unwrap_or("")
    }

    /// A named group of the manifest route that selected this handler (`*` for the star).
    pub fn route_param(&self, name: &str) -> Option<&str> {
        self.raw
            .route_match
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.as_str())
    }

    /// Every header line in received order, duplicates kept: `(name, value)` as sent.
    pub fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.raw
            .headers
            .iter()
            .map(|h| (h.name.as_slice(), h.value.as_slice()))
    }

    /// The first value of a header, name matched case-insensitively.
    pub fn header(&self, name: &[u8]) -> Option<&[u8]> {
        self.header_lines()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Every value of a header in received order (unlike wptserve 4.0.3, which only sees the first).
    pub fn header_all(&self, name: &[u8]) -> Vec<&[u8]> {
        self.header_lines()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .collect()
    }

    /// Every value joined with `", "`, as wptserve's `request.headers[name]` documents.
    pub fn header_joined(&self, name: &[u8]) -> Option<Vec<u8>> {
        let all = self.header_all(name);
        if all.is_empty() {
            None
        } else {
            Some(all.join(&b", "[..]))
        }
    }

    /// Whether the header is present (any case).
    pub fn has_header(&self, name: &[u8]) -> bool {
        self.header(name).is_some()
    }

    /// The query parameters (wptserve's `request.GET`, F-RQ-6).
    pub fn query(&self) -> &MultiDict {
        self.query
            .get_or_init(|| MultiDict::parse_urlencoded(&self.raw.query))
    }

    /// The body's form fields (wptserve's `request.POST`, F-RQ-7): urlencoded (also without a
    /// Content-Type) or multipart; other types are an error (a 500 in wptserve).
    pub fn form(&self) -> Result<&MultiDict, Error> {
        self.form_full().map(|f| &f.fields)
    }

    /// The parsed form including multipart file parts.
    pub fn form_full(&self) -> Result<&Form, Error> {
        let parsed = self.form.get_or_init(|| {
            form::parse(
                &self.raw.method,
                self.header(b"content-type"),
                &self.raw.body,
            )
            .map_err(|e| e.message().to_string())
        });
        parsed.as_ref().map_err(Error::msg)
    }

    /// Request cookies (F-RQ-10): from the first `Cookie` header, `BaseCookie` rules, values verbatim
    /// (quotes kept), the last of a repeated name wins.
    pub fn cookies(&self) -> &MultiDict {
        self.cookies.get_or_init(|| {
            let mut dict = MultiDict::new();
            if let Some(h) = self.header(b"cookie") {
                for (k, v) in parse_cookie_header(h) {
                    dict.push(k, v);
                }
            }
            dict
        })
    }

    /// One request cookie's value.
    pub fn cookie(&self, name: &[u8]) -> Option<&[u8]> {
        self.cookies().last(name)
    }

    /// Basic credentials (F-RQ-11). `Ok(None)` without an `Authorization` header; another scheme is
    /// wptserve's `HTTPException(400, "Unsupported authentication scheme b'…'")`.
    pub fn basic_auth(&self) -> Result<Option<BasicAuth>, Error> {
        let Some(header) = self.header(b"authorization") else {
            return Ok(None);
        };
        let Some(space) = header.iter().position(|&b| b == b' ') else {
            return Err(Error::msg("Authorization header without a space"));
        };
        let (scheme, data) = (&header[..space], &header[space + 1..]);
        if scheme != b"Basic" {
            let message = format!(
                "Unsupported authentication scheme {}",
                python_bytes_repr(scheme)
            );
            return Err(Error::http(400, python_exception_repr(400, &message)));
        }
        let decoded = base64_decode_lenient(data);
        let Some(colon) = decoded.iter().position(|&b| b == b':') else {
            return Err(Error::msg(
                "ValueError: not enough values to unpack (expected 2, got 1)",
            ));
        };
        Ok(Some(BasicAuth {
            username: decoded[..colon].to_vec(),
            password: decoded[colon + 1..].to_vec(),
        }))
    }
}

/// Builds an in-memory [`Request`] (see [`Request::builder`]).
pub struct RequestBuilder {
    raw: types::Request,
}

impl RequestBuilder {
    /// Add a header line.
    pub fn header(mut self, name: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) -> Self {
        self.raw.headers.push(types::Header {
            name: name.into(),
            value: value.into(),
        });
        self
    }
    /// Set the (decoded) body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.raw.body = body.into();
        self
    }
    /// Add a route-match group.
    pub fn route_param(mut self, name: &str, value: &str) -> Self {
        self.raw.route_match.push(types::RouteParam {
            name: name.into(),
            value: value.into(),
        });
        self
    }
    /// The request.
    pub fn build(self) -> Request {
        Request::from_raw(self.raw)
    }
}

/// Python's `repr(bytes)` for the ASCII-ish cases error messages contain.
fn python_bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut s = format!("b{quote}");
    for &c in b {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'\t' => s.push_str("\\t"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            c if c == quote as u8 => {
                s.push('\\');
                s.push(c as char);
            }
            0x20..=0x7e => s.push(c as char),
            c => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push(quote);
    s
}

/// `str(HTTPException(code, message))`, i.e. Python's repr of the `(code, message)` args tuple.
fn python_exception_repr(code: u16, message: &str) -> String {
    if message.contains('\'') && !message.contains('"') {
        format!("({code}, \"{message}\")")
    } else {
        format!(
            "({code}, '{}')",
            message.replace('\\', "\\\\").replace('\'', "\\'")
        )
    }
}

/// Python's non-validating `base64.b64decode`: characters outside the alphabet are dropped.
fn base64_decode_lenient(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in data {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_rq_11_basic_auth_bytes() {
        let req = Request::builder("GET", "/")
            .header("Authorization", "Basic dGVzdDpQQVNT")
            .build();
        let auth = req.basic_auth().unwrap().unwrap();
        assert_eq!(auth.username, b"test");
        assert_eq!(auth.password, b"PASS");
    }

    #[test]
    fn f_rq_11_other_scheme_is_400_with_python_message() {
        let req = Request::builder("GET", "/")
            .header("authorization", "Bearer x")
            .build();
        let err = req.basic_auth().unwrap_err();
        assert_eq!(err.status(), 400);
        assert_eq!(
            err.message(),
            "(400, \"Unsupported authentication scheme b'Bearer'\")"
        );
    }

    #[test]
    fn headers_case_insensitive_with_every_value() {
        let req = Request::builder("GET", "/")
            .header("X-Dup", "1")
            .header("x-dup", "2")
            .build();
        assert_eq!(req.header(b"X-DUP"), Some(&b"1"[..]));
        assert_eq!(req.header_all(b"x-dup"), vec![&b"1"[..], b"2"]);
        assert_eq!(req.header_joined(b"x-dup").unwrap(), b"1, 2");
    }

    #[test]
    fn url_parts() {
        let mut req = Request::builder("GET", "/p?q").build();
        req.raw.url = "http://web-platform.test:8000/p?q".into();
        assert_eq!(req.hostname(), "web-platform.test");
        assert_eq!(req.port(), Some(8000));
        req.raw.url = "http://[::1]:81/".into();
        assert_eq!(req.hostname(), "::1");
        assert_eq!(req.port(), Some(81));
    }
}
