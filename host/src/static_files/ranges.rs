//! `Range` requests (F-RG-1..6), as wptserve's `RangeParser`: `bytes=` ranges, open-ended and
//! suffix forms, clamping, sorting and coalescing, the 416/400 errors with their exact messages, and
//! the `multipart/byteranges` body layout.

use crate::response::MultipartLayout;

/// A satisfiable range: `lower..upper` (upper exclusive) of a file of `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub lower: u64,
    pub upper: u64,
    pub size: u64,
}

impl ByteRange {
    /// `Range(lower, upper, file_size)`; `None` where wptserve raises `ValueError`.
    fn new(lower: Option<u64>, upper: Option<u64>, size: u64) -> Option<ByteRange> {
        let (lower, upper) = match (lower, upper) {
            (None, None) => (0, size),
            (None, Some(suffix)) => (size.saturating_sub(suffix), size),
            (Some(lower), None) => (lower, size),
            (Some(lower), Some(upper)) => (lower, size.min(upper.saturating_add(1))),
        };
        if lower >= upper || lower >= size {
            return None;
        }
        Some(ByteRange { lower, upper, size })
    }

    /// `Content-Range` value: `bytes 10-19/24`.
    pub fn header_value(&self) -> String {
        format!("bytes {}-{}/{}", self.lower, self.upper - 1, self.size)
    }

    pub fn len(&self) -> u64 {
        self.upper - self.lower
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A `Range` header wptserve refuses; `status` and `message` are the JSON error's (F-ER-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeError {
    pub status: u16,
    pub message: String,
}

impl RangeError {
    /// `HTTPException(416, "Bad range specifier <item>")`: `str()` of the exception's args tuple.
    fn bad_specifier(item: &str) -> RangeError {
        RangeError {
            status: 416,
            message: format!(
                "(416, {})",
                python_repr(&format!("Bad range specifier {item}"))
            ),
        }
    }
}

/// Python's `repr()` of an ASCII `str`.
fn python_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's whitespace for `int()` on ASCII text.
fn is_py_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c' | '\x1c'..='\x1f'
    )
}

/// Python's `int(text)` for a non-negative decimal (the `-` separator keeps signs out except `+`):
/// surrounding whitespace, an optional `+`, digits with single `_` between them. Values beyond
/// `u64` saturate, which keeps every comparison below correct; beyond Python's 4300-digit limit
/// it fails as Python does.
fn python_int(text: &str) -> Option<u64> {
    let t = text.trim_matches(is_py_space);
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    let mut value: u64 = 0;
    let mut digits = 0usize;
    for c in t.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(10)?;
        digits += 1;
        value = value.saturating_mul(10).saturating_add(u64::from(d));
    }
    (digits <= 4300).then_some(value)
}

/// `RangeParser()(header, file_size)`: the coalesced ranges in ascending order.
pub fn parse(header: &[u8], size: u64) -> Result<Vec<ByteRange>, RangeError> {
    if !header.is_ascii() {
        return Err(RangeError {
            status: 400,
            message: "(400, 'Non-ASCII range header value')".to_string(),
        });
    }
    let header = String::from_utf8_lossy(header);
    // `HTTPException(416, message=...)` keeps only the code in its args, so `str()` is "416".
    let Some(spec) = header.strip_prefix("bytes=") else {
        return Err(RangeError {
            status: 416,
            message: "416".to_string(),
        });
    };
    let mut ranges = Vec::new();
    for item in spec.split(',') {
        let components: Vec<&str> = item.split('-').collect();
        if components.len() != 2 {
            return Err(RangeError::bad_specifier(item));
        }
        let mut values = [None, None];
        for (slot, component) in values.iter_mut().zip(&components) {
            if !component.is_empty() {
                *slot = Some(python_int(component).ok_or_else(|| RangeError::bad_specifier(item))?);
            }
        }
        let range = ByteRange::new(values[0], values[1], size)
            .ok_or_else(|| RangeError::bad_specifier(item))?;
        ranges.push(range);
    }
    Ok(coalesce(ranges))
}

/// `coalesce_ranges`: walk the ranges from the highest start down, merging overlapping or
/// adjacent neighbours.
fn coalesce(mut ranges: Vec<ByteRange>) -> Vec<ByteRange> {
    // Stable, like Python's `sorted`.
    ranges.sort_by_key(|r| r.lower);
    let mut out = Vec::with_capacity(ranges.len());
    let mut target: Option<ByteRange> = None;
    for current in ranges.into_iter().rev() {
        target = Some(match target {
            None => current,
            Some(t) => {
                if t.upper < current.lower || t.lower > current.upper {
                    out.push(t);
                    current
                } else {
                    ByteRange {
                        lower: t.lower.min(current.lower),
                        upper: t.upper.max(current.upper),
                        size: t.size,
                    }
                }
            }
        });
    }
    out.extend(target);
    out.reverse();
    out
}

/// `MultipartContent` serialised in memory (small bodies; large ones stream through
/// `Body::FileRanges` with the same layout, F-RG-3).
pub fn multipart_body(layout: &MultipartLayout, parts: &[(ByteRange, &[u8])]) -> Vec<u8> {
    let total: usize = parts.iter().map(|(_, d)| d.len() + 128).sum();
    let mut out = Vec::with_capacity(total + layout.boundary.len() + 8);
    for (range, data) in parts {
        out.extend_from_slice(&layout.part_head(range.lower, range.len()));
        out.extend_from_slice(data);
    }
    out.extend_from_slice(&layout.trailer());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(header: &str, size: u64) -> Result<Vec<(u64, u64)>, RangeError> {
        parse(header.as_bytes(), size).map(|v| v.iter().map(|r| (r.lower, r.upper - 1)).collect())
    }

    fn err(status: u16, message: &str) -> Result<Vec<(u64, u64)>, RangeError> {
        Err(RangeError {
            status,
            message: message.to_string(),
        })
    }

    #[test]
    fn f_rg_1_2_single_open_suffix_clamp() {
        assert_eq!(spans("bytes=10-19", 24), Ok(vec![(10, 19)]));
        assert_eq!(spans("bytes=10-", 24), Ok(vec![(10, 23)]));
        assert_eq!(spans("bytes=-10", 24), Ok(vec![(14, 23)]));
        assert_eq!(spans("bytes=-100", 24), Ok(vec![(0, 23)]));
        assert_eq!(spans("bytes=5-1000", 24), Ok(vec![(5, 23)]));
        assert_eq!(spans("bytes=-", 24), Ok(vec![(0, 23)]));
        assert_eq!(
            spans("bytes=0-99999999999999999999999999", 24),
            Ok(vec![(0, 23)])
        );
    }

    #[test]
    fn f_rg_3_sort_and_coalesce() {
        assert_eq!(spans("bytes=1-2,5-7,6-10", 24), Ok(vec![(1, 2), (5, 10)]));
        assert_eq!(spans("bytes=0-1,2-3", 24), Ok(vec![(0, 3)]));
        assert_eq!(spans("bytes=10-12,0-1", 24), Ok(vec![(0, 1), (10, 12)]));
        assert_eq!(spans("bytes=0-5,2-3", 24), Ok(vec![(0, 5)]));
        assert_eq!(spans("bytes=0-1,3-4,2-2", 24), Ok(vec![(0, 4)]));
    }

    #[test]
    fn f_rg_4_5_errors() {
        assert_eq!(
            spans("bytes=11-10", 24),
            err(416, "(416, 'Bad range specifier 11-10')")
        );
        assert_eq!(
            spans("bytes=24-34", 24),
            err(416, "(416, 'Bad range specifier 24-34')")
        );
        assert_eq!(
            spans("bytes=-0", 24),
            err(416, "(416, 'Bad range specifier -0')")
        );
        assert_eq!(
            spans("bytes=1-2-3", 24),
            err(416, "(416, 'Bad range specifier 1-2-3')")
        );
        assert_eq!(
            spans("bytes=a-3", 24),
            err(416, "(416, 'Bad range specifier a-3')")
        );
        assert_eq!(
            spans("bytes=", 24),
            err(416, "(416, 'Bad range specifier ')")
        );
        assert_eq!(
            spans("bytes=1-2,", 24),
            err(416, "(416, 'Bad range specifier ')")
        );
        assert_eq!(
            spans("bytes=x'-1", 24),
            err(416, "(416, \"Bad range specifier x'-1\")")
        );
        assert_eq!(spans("items=1-2", 24), err(416, "416"));
        assert_eq!(spans("Bytes=1-2", 24), err(416, "416"));
        assert_eq!(
            spans("bytes=0-", 0),
            err(416, "(416, 'Bad range specifier 0-')")
        );
        assert_eq!(
            parse("bytes=1-2\u{e9}".as_bytes(), 24),
            Err(RangeError {
                status: 400,
                message: "(400, 'Non-ASCII range header value')".to_string()
            })
        );
    }

    #[test]
    fn f_rg_6_int_leniency() {
        assert_eq!(spans("bytes=1-2, 5-7", 24), Ok(vec![(1, 2), (5, 7)]));
        assert_eq!(spans("bytes= 1 -\t2 ", 24), Ok(vec![(1, 2)]));
        assert_eq!(spans("bytes=+1-1_0", 24), Ok(vec![(1, 10)]));
        assert_eq!(
            spans("bytes=1- ", 24),
            err(416, "(416, 'Bad range specifier 1- ')")
        );
        assert_eq!(
            spans("bytes=1-1__0", 24),
            err(416, "(416, 'Bad range specifier 1-1__0')")
        );
    }

    #[test]
    fn f_rg_3_multipart_layout() {
        let data = b"This is a test document\n";
        let ranges = parse(b"bytes=1-2,5-7,6-10", 24).expect("ranges");
        let parts: Vec<(ByteRange, &[u8])> = ranges
            .iter()
            .map(|r| (*r, &data[r.lower as usize..r.upper as usize]))
            .collect();
        let layout = MultipartLayout {
            boundary: "B".into(),
            content_type: Some(b"text/plain".to_vec()),
            file_size: 24,
        };
        assert_eq!(
            multipart_body(&layout, &parts),
            b"\r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 1-2/24\r\n\r\nhi\
              \r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 5-10/24\r\n\r\nis a t\
              \r\n--B--"
                .to_vec()
        );
    }
}
