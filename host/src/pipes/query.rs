//! Where the query's pipe string comes from: wptserve's own `parse_qs` (handlers.py), not the
//! `parse_qsl` behind `request.GET` (F-PP-9).

/// The value of the last `pipe` parameter with a non-empty value: the query is split on `&` only,
/// pairs without `=` or with an empty value are skipped, and names and values are unquoted after
/// `+` becomes a space.
pub fn last_pipe_param(query: &str) -> Option<String> {
    let mut found = None;
    for item in query.split('&') {
        let Some((name, value)) = item.split_once('=') else {
            continue;
        };
        if value.is_empty() || !is_pipe_name(name) {
            continue;
        }
        found = Some(value);
    }
    found.map(unquote_plus)
}

/// Whether a raw parameter name unquotes to `pipe` (without allocating in the common case).
fn is_pipe_name(name: &str) -> bool {
    if name.contains(['%', '+']) {
        unquote_plus(name) == "pipe"
    } else {
        name == "pipe"
    }
}

/// `urllib.parse.unquote(s.replace("+", " "))`: `%XX` escapes become bytes decoded as UTF-8 with
/// replacement characters; characters outside ASCII pass through untouched.
pub fn unquote_plus(s: &str) -> String {
    if !s.contains(['%', '+']) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut pending: Vec<u8> = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                std::str::from_utf8(h)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            });
            if let Some(byte) = hex {
                pending.push(byte);
                i += 3;
                continue;
            }
        }
        if b.is_ascii() {
            pending.push(if b == b'+' { b' ' } else { b });
            i += 1;
        } else {
            out.push_str(&String::from_utf8_lossy(&pending));
            pending.clear();
            // A whole non-ASCII character: copy it as is.
            let len = s[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&s[i..i + len]);
            i += len;
        }
    }
    out.push_str(&String::from_utf8_lossy(&pending));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_non_empty_pipe_wins_f_pp_9() {
        assert_eq!(
            last_pipe_param("pipe=status(201)&pipe=status(202)").as_deref(),
            Some("status(202)")
        );
        assert_eq!(
            last_pipe_param("pipe=status(201)&pipe=&pipe").as_deref(),
            Some("status(201)")
        );
        assert_eq!(last_pipe_param("a=1;pipe=x").as_deref(), None);
        assert_eq!(last_pipe_param("p%69pe=gzip").as_deref(), Some("gzip"));
        assert_eq!(last_pipe_param("").as_deref(), None);
    }

    #[test]
    fn unquotes_like_python() {
        assert_eq!(unquote_plus("a+b%20c%2C"), "a b c,");
        assert_eq!(unquote_plus("%C3%A9"), "é");
        assert_eq!(unquote_plus("%ff"), "\u{fffd}");
        assert_eq!(unquote_plus("%zz%4"), "%zz%4");
        assert_eq!(unquote_plus("é%41"), "éA");
    }
}
