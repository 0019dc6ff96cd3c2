//! Python's argument converters as wptserve's pipes use them (`int()`, `float()`, `nullable`,
//! `boolean`), plus Python slice arithmetic. Shared with the template engine (index tokens).

/// Characters Python's `str.strip()` removes (Unicode whitespace per `str.isspace`).
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python `int(s)` for base 10: surrounding whitespace, optional sign, ASCII digits with single
/// underscores between them. Values beyond `i64` saturate (no pipe or index can tell the difference:
/// slices clamp, status codes and list indexes are out of range either way).
pub fn py_int(s: &str) -> Option<i64> {
    let t = s.trim_matches(is_py_space);
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') {
        return None;
    }
    let mut value: i64 = 0;
    let mut previous_underscore = false;
    for b in digits.bytes() {
        match b {
            b'_' if !previous_underscore => previous_underscore = true,
            b'0'..=b'9' => {
                previous_underscore = false;
                let d = i64::from(b - b'0');
                value = value.saturating_mul(10);
                value = if negative {
                    value.saturating_sub(d)
                } else {
                    value.saturating_add(d)
                };
            }
            _ => return None,
        }
    }
    Some(value)
}

/// Python `float(s)`: whitespace, underscores between digits, `inf`/`nan` spellings.
pub fn py_float(s: &str) -> Option<f64> {
    let t = s.trim_matches(is_py_space);
    if t.contains('_') {
        let bytes = t.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'_' {
                let before = i.checked_sub(1).map(|j| bytes[j]);
                let after = bytes.get(i + 1).copied();
                if !(before.is_some_and(|c| c.is_ascii_digit())
                    && after.is_some_and(|c| c.is_ascii_digit()))
                {
                    return None;
                }
            }
        }
        return t.replace('_', "").parse().ok();
    }
    // Rust accepts exactly Python's spellings otherwise ("1.", ".5", "1e3", "inf", "Infinity", "nan").
    t.parse().ok()
}

/// `nullable(int)`: `null` in any case is None.
pub fn nullable_int(s: &str) -> Result<Option<i64>, String> {
    if s.eq_ignore_ascii_case("null") {
        return Ok(None);
    }
    py_int(s)
        .map(Some)
        .ok_or_else(|| format!("invalid literal for int() with base 10: {s:?}"))
}

/// wptserve's `boolean`: true/1/false/0, any case.
pub fn boolean(s: &str) -> Result<bool, String> {
    if s.eq_ignore_ascii_case("true") || s == "1" {
        Ok(true)
    } else if s.eq_ignore_ascii_case("false") || s == "0" {
        Ok(false)
    } else {
        Err(format!("expected true, false, 1 or 0, got {s:?}"))
    }
}

/// The byte range Python's `seq[start:end]` selects from a sequence of `len` items.
pub fn py_slice(len: usize, start: Option<i64>, end: Option<i64>) -> std::ops::Range<usize> {
    let n = i64::try_from(len).unwrap_or(i64::MAX);
    let clamp = |v: Option<i64>, default: i64| -> i64 {
        match v {
            None => default,
            Some(v) if v < 0 => v.saturating_add(n).max(0),
            Some(v) => v.min(n),
        }
    };
    let s = clamp(start, 0);
    let e = clamp(end, n);
    if s >= e {
        // An empty slice; any in-bounds empty range will do.
        let s = usize::try_from(s).unwrap_or(len).min(len);
        return s..s;
    }
    // Both are within 0..=n here.
    usize::try_from(s).unwrap_or(0)..usize::try_from(e).unwrap_or(len)
}

/// Python's `seq[index]` position (negative counts from the end), or None for IndexError.
pub fn py_index(len: usize, index: i64) -> Option<usize> {
    let n = i64::try_from(len).ok()?;
    let i = if index < 0 {
        index.checked_add(n)?
    } else {
        index
    };
    if (0..n).contains(&i) {
        usize::try_from(i).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_int_forms() {
        assert_eq!(py_int("202"), Some(202));
        assert_eq!(py_int(" -5\t"), Some(-5));
        assert_eq!(py_int("+1_000"), Some(1000));
        assert_eq!(py_int("010"), Some(10));
        for bad in ["", "1__0", "_1", "1_", "0x10", "1.0", "- 1", "abc"] {
            assert_eq!(py_int(bad), None, "{bad:?}");
        }
        assert_eq!(py_int("99999999999999999999999"), Some(i64::MAX));
    }

    #[test]
    fn python_float_forms() {
        assert_eq!(py_float("1"), Some(1.0));
        assert_eq!(py_float(" .5 "), Some(0.5));
        assert_eq!(py_float("1_0.5"), Some(10.5));
        assert_eq!(py_float("1e-2"), Some(0.01));
        assert!(py_float("inf").is_some_and(f64::is_infinite));
        assert_eq!(py_float(""), None);
        assert_eq!(py_float("1__0"), None);
        assert_eq!(py_float("d1"), None);
    }

    #[test]
    fn python_slices() {
        let r = |s, e| py_slice(24, s, e);
        assert_eq!(r(Some(1), Some(10)), 1..10);
        assert_eq!(r(Some(1), None), 1..24);
        assert_eq!(r(None, Some(10)), 0..10);
        assert_eq!(r(Some(-5), None), 19..24);
        assert_eq!(r(None, Some(-5)), 0..19);
        assert!(r(Some(2), Some(1)).is_empty());
        assert_eq!(r(Some(-100), Some(100)), 0..24);
        assert!(r(Some(30), None).is_empty());
        assert_eq!(py_index(3, -1), Some(2));
        assert_eq!(py_index(3, 3), None);
        assert_eq!(py_index(3, -4), None);
    }
}
