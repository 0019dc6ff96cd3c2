//! wptserve's `MultiDict` (F-RQ-6/7): ordered `bytes -> [bytes]` with first/last/all access, and the
//! `application/x-www-form-urlencoded` parser that fills it.

/// An ordered multi-map from byte keys to byte values; a key may repeat.
///
/// ```
/// use wpthost_plugin_sdk::MultiDict;
/// let q = MultiDict::parse_urlencoded(b"a=1&a=2&b=&c&d=%ff+x");
/// assert_eq!(q.first(b"a"), Some(&b"1"[..]));
/// assert_eq!(q.last(b"a"), Some(&b"2"[..]));
/// assert_eq!(q.get_all(b"a"), vec![&b"1"[..], &b"2"[..]]);
/// assert_eq!(q.first(b"c"), Some(&b""[..]));
/// assert_eq!(q.first(b"d"), Some(&b"\xff x"[..]));
/// assert!(q.first(b"missing").is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MultiDict {
    items: Vec<(Vec<u8>, Vec<u8>)>,
}

impl MultiDict {
    /// An empty dictionary.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parse a query string or urlencoded body the way wptserve does (`parse_qsl` with
    /// `keep_blank_values=True` and ISO-8859-1): pieces separated by `&` only, empty pieces skipped,
    /// `+` is a space, `%XX` is a byte (an invalid escape stays literal), `a` and `a=` give `b""`.
    pub fn parse_urlencoded(input: &[u8]) -> Self {
        let mut dict = MultiDict::new();
        for piece in input.split(|&b| b == b'&') {
            if piece.is_empty() {
                continue;
            }
            let (name, value) = match piece.iter().position(|&b| b == b'=') {
                Some(i) => (&piece[..i], &piece[i + 1..]),
                None => (piece, &b""[..]),
            };
            dict.push(form_unquote(name), form_unquote(value));
        }
        dict
    }

    /// Add a value for `key` after all existing items.
    pub fn push(&mut self, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.items.push((key.into(), value.into()));
    }

    /// The first value for `key` (wptserve's `first` and `[]`).
    pub fn first(&self, key: &[u8]) -> Option<&[u8]> {
        self.items
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }

    /// The last value for `key`.
    pub fn last(&self, key: &[u8]) -> Option<&[u8]> {
        self.items
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }

    /// Every value for `key` in order (empty if absent; wptserve's `get_list`).
    pub fn get_all(&self, key: &[u8]) -> Vec<&[u8]> {
        self.items
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
            .collect()
    }

    /// The first value for `key` as (lossy) UTF-8 text.
    pub fn first_str(&self, key: &[u8]) -> Option<String> {
        self.first(key)
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// The first value for `key` parsed with `FromStr`; `Ok(None)` when absent, an error (a 500, as a
    /// failing `int(...)` in a Python handler) when it does not parse.
    ///
    /// ```
    /// let q = wpthost_plugin_sdk::MultiDict::parse_urlencoded(b"ms=250&bad=x");
    /// assert_eq!(q.first_as::<u64>(b"ms").unwrap(), Some(250));
    /// assert_eq!(q.first_as::<u64>(b"none").unwrap(), None);
    /// assert!(q.first_as::<u64>(b"bad").is_err());
    /// ```
    pub fn first_as<T: std::str::FromStr>(&self, key: &[u8]) -> Result<Option<T>, crate::Error> {
        match self.first(key) {
            None => Ok(None),
            Some(v) => std::str::from_utf8(v)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .map(Some)
                .ok_or_else(|| {
                    crate::Error::msg(format!(
                        "invalid value {:?} for parameter {:?}",
                        String::from_utf8_lossy(v),
                        String::from_utf8_lossy(key)
                    ))
                }),
        }
    }

    /// Whether `key` has at least one value.
    pub fn contains(&self, key: &[u8]) -> bool {
        self.items.iter().any(|(k, _)| k == key)
    }

    /// Every `(key, value)` pair in order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.items.iter().map(|(k, v)| (k.as_slice(), v.as_slice()))
    }

    /// Distinct keys in order of first appearance.
    pub fn keys(&self) -> Vec<&[u8]> {
        let mut keys: Vec<&[u8]> = Vec::new();
        for (k, _) in &self.items {
            if !keys.contains(&k.as_slice()) {
                keys.push(k);
            }
        }
        keys
    }

    /// The number of `(key, value)` items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// `+` to space, then percent-decoding to raw bytes (Python's `unquote_plus` with latin-1).
pub(crate) fn form_unquote(input: &[u8]) -> Vec<u8> {
    let spaced: Vec<u8> = input
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_decode(&spaced)
}

/// `%XX` to the byte; anything that is not a valid escape stays as it is.
pub fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%' && i + 2 < input.len() {
            if let (Some(h), Some(l)) = (hex(input[i + 1]), hex(input[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_rq_6_observed_example() {
        let q = MultiDict::parse_urlencoded(b"a=1&a=2&b=&c&d=%ff+x");
        assert_eq!(q.get_all(b"a"), vec![&b"1"[..], b"2"]);
        assert_eq!(q.first(b"b"), Some(&b""[..]));
        assert_eq!(q.first(b"c"), Some(&b""[..]));
        assert_eq!(q.first(b"d"), Some(&b"\xff x"[..]));
        assert_eq!(q.keys(), vec![&b"a"[..], b"b", b"c", b"d"]);
    }

    #[test]
    fn invalid_escapes_stay_literal_and_empty_pieces_skip() {
        let q = MultiDict::parse_urlencoded(b"&&x=%zz%4&y=%41%");
        assert_eq!(q.first(b"x"), Some(&b"%zz%4"[..]));
        assert_eq!(q.first(b"y"), Some(&b"A%"[..]));
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn equals_in_value_kept() {
        let q = MultiDict::parse_urlencoded(b"plus+pct-20%20pct-3D%3D=PLUS+PCT-20%20PCT-3D%3D");
        assert_eq!(
            q.first(b"plus pct-20 pct-3D="),
            Some(&b"PLUS PCT-20 PCT-3D="[..])
        );
    }
}
