//! Cookies: parsing the request's `Cookie` header (F-RQ-10) and formatting `Set-Cookie` exactly as
//! wptserve's `Response.set_cookie` does through Python's `Morsel.OutputString()` (F-CK-1..3).

use crate::Error;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Parse a `Cookie` header value with the stdlib `BaseCookie` rules wptserve uses: `name=value` pairs
/// separated by `;` or whitespace, values kept verbatim (quotes included), a repeated name keeps the
/// last value, `$`-attributes and reserved attribute names are not cookies, and a malformed piece stops
/// the parse with nothing set (as `BaseCookie.load` does).
pub(crate) fn parse_cookie_header(header: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut cookies: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut i = 0;
    let mut morsel_seen = false;
    while i < header.len() {
        let Some((key, value, next)) = match_pair(header, i) else {
            break;
        };
        i = next;
        if key.first() == Some(&b'$') {
            continue;
        }
        if is_reserved(&key) {
            if !morsel_seen || (value.is_none() && !is_flag(&key)) {
                return Vec::new();
            }
            continue;
        }
        let Some(value) = value else {
            return Vec::new();
        };
        morsel_seen = true;
        if let Some(existing) = cookies.iter_mut().find(|(k, _)| *k == key) {
            existing.1 = value;
        } else {
            cookies.push((key, value));
        }
    }
    cookies
}

/// One match of `BaseCookie`'s `_CookiePattern` at `start`: key, optional value, end offset.
fn match_pair(s: &[u8], start: usize) -> Option<(Vec<u8>, Option<Vec<u8>>, usize)> {
    let mut i = skip_ws(s, start);
    let key_start = i;
    while i < s.len() && is_key_char(s[i]) && s[i] != b'=' {
        i += 1;
    }
    // The key pattern is lazy but may contain `=`; in practice `=` ends it when a value follows.
    if i == key_start {
        return None;
    }
    let key = s[key_start..i].to_vec();
    let mut j = skip_ws(s, i);
    let mut value = None;
    if j < s.len() && s[j] == b'=' {
        j = skip_ws(s, j + 1);
        let v_start = j;
        if j < s.len() && s[j] == b'"' {
            let mut k = j + 1;
            while k < s.len() && s[k] != b'"' {
                if s[k] == b'\\' {
                    k += 1;
                }
                k += 1;
            }
            if k < s.len() {
                j = k + 1;
            } else {
                // Unterminated quote: the plain-word alternative matches the empty string.
                j = v_start;
            }
        }
        if j == v_start {
            if let Some(end) = match_expires_value(s, j) {
                j = end;
            }
        }
        if j == v_start {
            while j < s.len() && (is_key_char(s[j]) || s[j] == b'[' || s[j] == b']') {
                j += 1;
            }
        }
        value = Some(s[v_start..j].to_vec());
    } else {
        j = i;
    }
    let end = skip_ws(s, j);
    // The match must end at whitespace, `;`, or the end of the string.
    if end < s.len() {
        if s[end] == b';' {
            return Some((key, value, end + 1));
        }
        if end == j {
            return None;
        }
    }
    Some((key, value, end))
}

/// `BaseCookie`'s special case for `expires` values: `\w{3},\s[\w\d\s-]{9,11}\s[\d:]{8}\sGMT`.
fn match_expires_value(s: &[u8], start: usize) -> Option<usize> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let head = s.get(start..start + 5)?;
    if !(head[..3].iter().all(|&b| word(b)) && head[3] == b',' && is_ws(head[4])) {
        return None;
    }
    let mid = start + 5;
    // The regex backtracks over the middle part's length.
    (9..=11).rev().find_map(|len| {
        let middle = s.get(mid..mid + len)?;
        if !middle.iter().all(|&b| word(b) || is_ws(b) || b == b'-') {
            return None;
        }
        let rest = s.get(mid + len..mid + len + 14)?;
        let ok = is_ws(rest[0])
            && rest[1..9].iter().all(|&b| b.is_ascii_digit() || b == b':')
            && is_ws(rest[9])
            && &rest[10..13] == b"GMT";
        ok.then_some(mid + len + 13)
    })
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && is_ws(s[i]) {
        i += 1;
    }
    i
}

/// `[\w\d!#%&'~_`><@,:/\$\*\+\-\.\^\|\)\(\?\}\{\=]` (the pattern is compiled with `re.ASCII`, so
/// non-ASCII bytes never match and stop the parse).
fn is_key_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#%&'~_`><@,:/$*+-.^|)(?}{=".contains(&b)
}

const RESERVED: [&[u8]; 9] = [
    b"expires",
    b"path",
    b"comment",
    b"domain",
    b"max-age",
    b"secure",
    b"httponly",
    b"version",
    b"samesite",
];

fn is_reserved(key: &[u8]) -> bool {
    RESERVED.iter().any(|r| key.eq_ignore_ascii_case(r))
}

fn is_flag(key: &[u8]) -> bool {
    key.eq_ignore_ascii_case(b"secure") || key.eq_ignore_ascii_case(b"httponly")
}

/// When a cookie expires: an absolute time or an offset from now (wptserve accepts a `datetime` or a
/// `timedelta`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expires {
    /// At this time.
    At(SystemTime),
    /// From now on (may be in the past: `InPast(d)` is `timedelta(-d)`).
    In(Duration),
    /// This long before now.
    InPast(Duration),
}

/// A `Set-Cookie` header built with wptserve's `set_cookie` parameters and formatting.
///
/// ```
/// use wpthost_plugin_sdk::SetCookie;
/// let c = SetCookie::new("a", "b").comment("c").domain("example.com").http_only(true)
///     .max_age(10).path("/p").same_site("None").secure(true);
/// assert_eq!(c.to_header_value().unwrap(),
///     b"a=b; Comment=c; Domain=example.com; HttpOnly; Max-Age=10; Path=/p; SameSite=None; Secure");
/// assert_eq!(SetCookie::new("name", "value").to_header_value().unwrap(), b"name=value; Path=/");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    name: Vec<u8>,
    value: Vec<u8>,
    path: Option<Vec<u8>>,
    domain: Option<Vec<u8>>,
    max_age: Option<i64>,
    expires: Option<Expires>,
    same_site: Option<Vec<u8>>,
    secure: bool,
    http_only: bool,
    comment: Option<Vec<u8>>,
}

impl SetCookie {
    /// `name=value` with wptserve's default `Path=/`. The value is sent verbatim (not quoted).
    pub fn new(name: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) -> Self {
        SetCookie {
            name: name.into(),
            value: value.into(),
            path: Some(b"/".to_vec()),
            domain: None,
            max_age: None,
            expires: None,
            same_site: None,
            secure: false,
            http_only: false,
            comment: None,
        }
    }

    /// wptserve's `delete_cookie(name, path, domain)`: empty value, `expires` one day ago, `Max-Age=0`.
    pub fn deletion(name: impl Into<Vec<u8>>) -> Self {
        SetCookie::new(name, Vec::new())
            .max_age(0)
            .expires(Expires::InPast(Duration::from_secs(86_400)))
    }

    /// The cookie's name.
    pub fn name(&self) -> &[u8] {
        &self.name
    }

    /// `Path=` (default `/`).
    pub fn path(mut self, path: impl Into<Vec<u8>>) -> Self {
        self.path = Some(path.into());
        self
    }
    /// No `Path` attribute at all (wptserve's `path=None`).
    pub fn no_path(mut self) -> Self {
        self.path = None;
        self
    }
    /// `Domain=`.
    pub fn domain(mut self, domain: impl Into<Vec<u8>>) -> Self {
        self.domain = Some(domain.into());
        self
    }
    /// Seconds (formatted with `%.0d`, so `0` stays `0`).
    pub fn max_age(mut self, seconds: i64) -> Self {
        self.max_age = Some(seconds);
        self
    }
    /// `expires=` in wptserve's `DD mon YYYY HH:MM:SS GMT` form.
    pub fn expires(mut self, expires: Expires) -> Self {
        self.expires = Some(expires);
        self
    }
    /// `SameSite=` (`Strict`, `Lax`, `None`).
    pub fn same_site(mut self, value: impl Into<Vec<u8>>) -> Self {
        self.same_site = Some(value.into());
        self
    }
    /// The `Secure` flag.
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }
    /// The `HttpOnly` flag.
    pub fn http_only(mut self, http_only: bool) -> Self {
        self.http_only = http_only;
        self
    }
    /// `Comment=` (quoted as Python's cookie module does when needed).
    pub fn comment(mut self, comment: impl Into<Vec<u8>>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// The header value, formatted with the current time for relative expiry.
    pub fn to_header_value(&self) -> Result<Vec<u8>, Error> {
        self.format_at(SystemTime::now())
    }

    /// The header value as of `now`: `name=value` then the attributes in `Morsel`'s sorted-key order
    /// `Comment, Domain, expires, HttpOnly, Max-Age, Path, SameSite, Secure`.
    pub fn format_at(&self, now: SystemTime) -> Result<Vec<u8>, Error> {
        if self.name.is_empty()
            || !self.name.iter().all(|&b| is_legal_char(b))
            || is_reserved(&self.name)
        {
            return Err(Error::msg(format!(
                "Illegal key {:?}",
                String::from_utf8_lossy(&self.name)
            )));
        }
        let mut out = self.name.clone();
        out.push(b'=');
        out.extend_from_slice(&self.value);
        let mut attr = |name: &[u8], value: Option<&[u8]>| {
            out.extend_from_slice(b"; ");
            out.extend_from_slice(name);
            if let Some(v) = value {
                out.push(b'=');
                out.extend_from_slice(v);
            }
        };
        if let Some(c) = &self.comment {
            attr(b"Comment", Some(&quote(c)));
        }
        if let Some(d) = &self.domain {
            attr(b"Domain", Some(d));
        }
        if let Some(e) = self.expires {
            let at = match e {
                Expires::At(t) => t,
                Expires::In(d) => now + d,
                Expires::InPast(d) => now.checked_sub(d).unwrap_or(UNIX_EPOCH),
            };
            attr(b"expires", Some(format_expires(at).as_bytes()));
        }
        if self.http_only {
            attr(b"HttpOnly", None);
        }
        if let Some(m) = self.max_age {
            attr(b"Max-Age", Some(m.to_string().as_bytes()));
        }
        if let Some(p) = &self.path {
            attr(b"Path", Some(p));
        }
        if let Some(s) = &self.same_site {
            attr(b"SameSite", Some(s));
        }
        if self.secure {
            attr(b"Secure", None);
        }
        Ok(out)
    }
}

/// Python's `_LegalChars` for cookie names.
fn is_legal_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~:".contains(&b)
}

/// Python's `http.cookies._quote`: as-is when every byte is legal, else double-quoted with `"` and `\`
/// escaped and non-printable bytes as octal escapes.
fn quote(v: &[u8]) -> Vec<u8> {
    if v.iter().all(|&b| is_legal_char(b)) {
        return v.to_vec();
    }
    let mut out = vec![b'"'];
    for &b in v {
        match b {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            b if !(0x20..0x7f).contains(&b) || b == b',' || b == b';' => {
                out.extend_from_slice(format!("\\{b:03o}").as_bytes())
            }
            b => out.push(b),
        }
    }
    out.push(b'"');
    out
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// `DD mon YYYY HH:MM:SS GMT` with a lowercase month and no weekday (F-CK-2).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = UNIX_EPOCH + Duration::from_secs(1_893_553_445); // 2030-01-02T03:04:05Z
/// assert_eq!(wpthost_plugin_sdk::cookies::format_expires(t), "02 jan 2030 03:04:05 GMT");
/// ```
pub fn format_expires(at: SystemTime) -> String {
    let secs = at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        MONTHS[(m - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month 1..=12, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn f_ck_1_value_not_quoted_and_comment_quoted() {
        let c = SetCookie::new("sp", "a b;c").comment("hello world");
        assert_eq!(
            c.format_at(at(0)).unwrap(),
            b"sp=a b;c; Comment=\"hello world\"; Path=/"
        );
    }

    #[test]
    fn f_ck_3_delete_cookie() {
        let c = SetCookie::deletion("name");
        assert_eq!(
            c.format_at(at(1_893_553_445)).unwrap(),
            b"name=; expires=01 jan 2030 03:04:05 GMT; Max-Age=0; Path=/"
        );
    }

    #[test]
    fn f_ck_2_leap_day() {
        assert_eq!(format_expires(at(951_782_400)), "29 feb 2000 00:00:00 GMT");
    }

    #[test]
    fn illegal_name_is_an_error() {
        assert!(SetCookie::new("a b", "c").format_at(at(0)).is_err());
        assert!(SetCookie::new("path", "c").format_at(at(0)).is_err());
    }

    #[test]
    fn f_rq_10_request_cookie_parsing() {
        let c = parse_cookie_header(b"a=1; b=\"q x\"; a=2; $Version=1");
        assert_eq!(
            c,
            vec![
                (b"a".to_vec(), b"2".to_vec()),
                (b"b".to_vec(), b"\"q x\"".to_vec())
            ]
        );
        let c = parse_cookie_header(b"a=1; Path=/; HttpOnly; c=3");
        assert_eq!(c.len(), 2);
        // The `expires` date form with its comma and spaces is one value.
        let c = parse_cookie_header(b"a=1; expires=Wed, 09 Jun 2021 10:18:14 GMT; b=2");
        assert_eq!(c.len(), 2);
        // Non-ASCII is not a cookie character: the parse stops with nothing.
        assert!(parse_cookie_header(b"a=\xe9; b=1").is_empty());
        // A bare word that is not a flag makes BaseCookie give up entirely.
        assert!(parse_cookie_header(b"a=1; junk; c=3").is_empty());
    }
}
