//! The request as handlers see it: raw bytes wherever HTTP carries bytes, plus the values wptserve
//! derives from them (url, path, query, route match).

use std::net::SocketAddr;
use std::path::PathBuf;

/// `http` or `https`; appears in `request.url` and `{{location[scheme]}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    /// Method token exactly as received (case-sensitive, F-H1-12).
    pub method: String,
    /// Request-target as received (after the rewriter), including the query (F-RQ-2 `request_path`).
    pub target: String,
    /// Minor HTTP version of the request line: 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub version_minor: u8,
    /// The raw request line including CRLF.
    pub request_line: Vec<u8>,
    /// Header lines in received order, names in received case, values as raw bytes, duplicates kept.
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// Decoded body (Content-Length or chunked framing already removed).
    pub body: Vec<u8>,
    pub client_addr: SocketAddr,
    pub local_addr: SocketAddr,
    pub scheme: Scheme,
    /// `scheme://host:port/target` as wptserve computes it (F-H1-15), or the absolute-form target.
    pub url: String,
    /// `url_parts.path`: path component of `url`, still percent-encoded.
    pub path: String,
    /// Query component of `url` without the `?` (empty when absent).
    pub query: String,
    /// Hostname from `url` (lower-cased) and port, for `{{location[...]}}`.
    pub url_hostname: String,
    pub url_port: u16,
    /// Named groups of the matching route plus `*` (F-RT-2), filled in by the router.
    pub route_match: Vec<(String, String)>,
    /// Directory the request's files are served from (doc root, or an alias directory).
    pub doc_root: PathBuf,
    /// Mount point of the handler (`/` normally, F-SB-13).
    pub url_base: String,
}

impl Request {
    /// First value of a header, case-insensitive (wptserve's `request.headers.get` sees only the first
    /// value of a repeated header, F-RQ-5; substitutions depend on that).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v.as_slice())
    }

    /// Every value of a header in received order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v.as_slice())
    }

    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }

    /// The query parsed like Python's `parse_qsl(keep_blank_values=True, encoding="iso-8859-1")`
    /// (F-RQ-6): split on `&`, `+` is a space, `%XX` is a raw byte, `a` alone is `a=""`.
    pub fn query_pairs(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        parse_query(&self.query)
    }

    /// First value of a query parameter (`request.GET.first`).
    pub fn query_first(&self, name: &[u8]) -> Option<Vec<u8>> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// `parse_qsl` with `keep_blank_values=True` and latin-1 decoding: keys and values as raw bytes.
pub fn parse_query(query: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            (unquote_plus(k), unquote_plus(v))
        })
        .collect()
}

/// `+` to space, then `%XX` to the byte it names; malformed escapes stay literal (as Python does).
pub fn unquote_plus(s: &str) -> Vec<u8> {
    let replaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&replaced).collect()
}
