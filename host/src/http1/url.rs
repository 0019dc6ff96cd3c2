//! `request.url` and `request.url_parts` exactly as wptserve derives them (F-H1-14, F-H1-15): the
//! Host header (split at its first colon) or the bound address, the port from Host or the listener,
//! and Python's `urlsplit` for the parts.

use crate::request::Scheme;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestUrl {
    pub url: String,
    pub path: String,
    pub query: String,
    pub hostname: String,
    pub port: u16,
}

impl RequestUrl {
    pub fn compute(
        scheme: Scheme,
        target: &str,
        host_header: Option<&[u8]>,
        server_host: &str,
        server_port: u16,
    ) -> RequestUrl {
        let scheme_str = scheme.as_str();
        let url = if target
            .strip_prefix(scheme_str)
            .is_some_and(|rest| rest.starts_with("://"))
        {
            target.to_owned()
        } else {
            let host_value = host_header.map(latin1);
            let (host, port) = match host_value.as_deref() {
                None => (server_host.to_owned(), server_port.to_string()),
                Some(h) => match h.split_once(':') {
                    Some((host, port)) => (host.to_owned(), port.to_owned()),
                    None => (h.to_owned(), server_port.to_string()),
                },
            };
            format!("{scheme_str}://{host}:{port}{target}")
        };
        let parts = urlsplit(&url);
        let default_port = match scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        };
        RequestUrl {
            path: parts.path.to_owned(),
            query: parts.query.to_owned(),
            hostname: parts.hostname(),
            port: parts.port().unwrap_or(default_port),
            url,
        }
    }
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

/// The pieces of Python's `urllib.parse.urlsplit` that wptserve uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts<'a> {
    pub netloc: &'a str,
    pub path: &'a str,
    pub query: &'a str,
}

pub fn urlsplit(url: &str) -> UrlParts<'_> {
    let mut rest = url;
    if let Some(colon) = url.find(':') {
        let scheme = &url[..colon];
        let valid = scheme
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.');
        if valid {
            rest = &url[colon + 1..];
        }
    }
    let mut netloc = "";
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = &after[..end];
        rest = &after[end..];
    }
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    UrlParts {
        netloc,
        path,
        query,
    }
}

impl UrlParts<'_> {
    fn host_port(&self) -> (&str, Option<&str>) {
        let hostinfo = self.netloc.rsplit_once('@').map_or(self.netloc, |(_, h)| h);
        if let Some(bracketed) = hostinfo.strip_prefix('[') {
            if let Some((inside, after)) = bracketed.split_once(']') {
                return (inside, after.strip_prefix(':'));
            }
        }
        match hostinfo.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostinfo, None),
        }
    }

    /// `url_parts.hostname`: lower-cased, brackets removed.
    pub fn hostname(&self) -> String {
        self.host_port().0.to_ascii_lowercase()
    }

    /// `url_parts.port` when it is a valid port number.
    pub fn port(&self) -> Option<u16> {
        let p = self.host_port().1?;
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_header_and_defaults_f_h1_15() {
        let u = RequestUrl::compute(
            Scheme::Http,
            "/a/b?c=d",
            Some(b"Example.COM:8123"),
            "127.0.0.1",
            80,
        );
        assert_eq!(u.url, "http://Example.COM:8123/a/b?c=d");
        assert_eq!((u.path.as_str(), u.query.as_str()), ("/a/b", "c=d"));
        assert_eq!((u.hostname.as_str(), u.port), ("example.com", 8123));
        let u = RequestUrl::compute(
            Scheme::Http,
            "/x",
            Some(b"web-platform.test"),
            "127.0.0.1",
            8000,
        );
        assert_eq!(u.url, "http://web-platform.test:8000/x");
        let u = RequestUrl::compute(Scheme::Http, "/x", None, "127.0.0.1", 8000);
        assert_eq!(u.url, "http://127.0.0.1:8000/x");
        assert_eq!(u.port, 8000);
    }

    #[test]
    fn absolute_form_f_h1_14() {
        let u = RequestUrl::compute(
            Scheme::Http,
            "http://other:9/p?q#f",
            Some(b"h:1"),
            "127.0.0.1",
            80,
        );
        assert_eq!(u.url, "http://other:9/p?q#f");
        assert_eq!(
            (
                u.path.as_str(),
                u.query.as_str(),
                u.hostname.as_str(),
                u.port
            ),
            ("/p", "q", "other", 9)
        );
    }
}
