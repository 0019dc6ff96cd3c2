//! Request body forms (wptserve's `request.POST`, F-RQ-7): `application/x-www-form-urlencoded` (also
//! when there is no Content-Type) and `multipart/form-data`, with the stdlib `cgi.FieldStorage` rules.

use crate::multidict::MultiDict;
use crate::Error;

/// A multipart part that carried a `filename` (wptserve keeps these as `FieldStorage` objects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePart {
    /// The form field name.
    pub name: Vec<u8>,
    /// The `filename` parameter as sent.
    pub filename: Vec<u8>,
    /// The part's `Content-Type` (`text/plain` when the part has none, as in `cgi`).
    pub content_type: Vec<u8>,
    /// The part's content.
    pub data: Vec<u8>,
}

/// The parsed form: every field's value in [`Form::fields`] (file parts contribute their content), and
/// file parts with their metadata in [`Form::files`].
#[derive(Debug, Clone, Default)]
pub struct Form {
    /// Every field in body order; a file part's value is its content.
    pub fields: MultiDict,
    /// The multipart parts that carried a `filename`.
    pub files: Vec<FilePart>,
}

/// Parse `body` as a form. `GET`/`HEAD` give an empty form (cgi reads the query string instead, and
/// wptserve passes none). Other content types are an error, which wptserve reports as a 500.
pub(crate) fn parse(
    method: &[u8],
    content_type: Option<&[u8]>,
    body: &[u8],
) -> Result<Form, Error> {
    if method == b"GET" || method == b"HEAD" {
        return Ok(Form::default());
    }
    let content_type = content_type.unwrap_or(b"application/x-www-form-urlencoded");
    let (mime, params) = split_params(content_type);
    let mime = mime.to_ascii_lowercase();
    if mime == b"application/x-www-form-urlencoded" {
        return Ok(Form {
            fields: MultiDict::parse_urlencoded(body),
            files: Vec::new(),
        });
    }
    if mime.starts_with(b"multipart/") {
        let boundary = params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(b"boundary"))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| Error::msg("multipart body without a boundary parameter"))?;
        return parse_multipart(body, &boundary);
    }
    Err(Error::msg(format!(
        "request body of type {} is not a form",
        String::from_utf8_lossy(&mime)
    )))
}

fn parse_multipart(body: &[u8], boundary: &[u8]) -> Result<Form, Error> {
    let mut delimiter = b"--".to_vec();
    delimiter.extend_from_slice(boundary);
    let mut form = Form::default();
    let mut rest = match find(body, &delimiter) {
        Some(i) => &body[i + delimiter.len()..],
        None => return Ok(form),
    };
    loop {
        if rest.starts_with(b"--") {
            break;
        }
        rest = strip_line_end(rest);
        // The part runs to the next delimiter, minus the line break that precedes it.
        let end = find(rest, &delimiter).unwrap_or(rest.len());
        let mut part = &rest[..end];
        if part.ends_with(b"\r\n") {
            part = &part[..part.len() - 2];
        } else if part.ends_with(b"\n") {
            part = &part[..part.len() - 1];
        }
        add_part(&mut form, part)?;
        if end >= rest.len() {
            break;
        }
        rest = &rest[end + delimiter.len()..];
    }
    Ok(form)
}

fn add_part(form: &mut Form, part: &[u8]) -> Result<(), Error> {
    let (head, data) = match find(part, b"\r\n\r\n") {
        Some(i) => (&part[..i], &part[i + 4..]),
        None => match find(part, b"\n\n") {
            Some(i) => (&part[..i], &part[i + 2..]),
            None => (part, &b""[..]),
        },
    };
    let mut name = None;
    let mut filename = None;
    let mut content_type = b"text/plain".to_vec();
    for line in head.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let header = trim(&line[..colon]);
        let value = trim(&line[colon + 1..]);
        if header.eq_ignore_ascii_case(b"content-disposition") {
            for (k, v) in split_params(value).1 {
                if k.eq_ignore_ascii_case(b"name") {
                    name = Some(v);
                } else if k.eq_ignore_ascii_case(b"filename") {
                    filename = Some(v);
                }
            }
        } else if header.eq_ignore_ascii_case(b"content-type") {
            content_type = value.to_vec();
        }
    }
    // wptserve's MultiDict cannot hold cgi's `None` name: request.POST fails (a 500).
    let Some(name) = name else {
        return Err(Error::msg("multipart part without a name"));
    };
    form.fields.push(name.clone(), data.to_vec());
    if let Some(filename) = filename {
        form.files.push(FilePart {
            name,
            filename,
            content_type,
            data: data.to_vec(),
        });
    }
    Ok(())
}

/// Header parameters as `(name, value)` byte pairs.
type Params = Vec<(Vec<u8>, Vec<u8>)>;

/// `type; k=v; k2="v 2"` into the type and its parameters (quotes removed, `\"` unescaped).
pub(crate) fn split_params(value: &[u8]) -> (&[u8], Params) {
    let mut pieces = split_unquoted(value, b';').into_iter();
    let main = trim(pieces.next().unwrap_or(b""));
    let params = pieces
        .filter_map(|p| {
            let p = trim(p);
            let eq = p.iter().position(|&b| b == b'=')?;
            Some((trim(&p[..eq]).to_vec(), unquote(trim(&p[eq + 1..]))))
        })
        .collect();
    (main, params)
}

fn split_unquoted(value: &[u8], sep: u8) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut i = 0;
    while i < value.len() {
        match value[i] {
            b'\\' if quoted => i += 1,
            b'"' => quoted = !quoted,
            b if b == sep && !quoted => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&value[start.min(value.len())..]);
    out
}

fn unquote(v: &[u8]) -> Vec<u8> {
    if v.len() >= 2 && v[0] == b'"' && v[v.len() - 1] == b'"' {
        let inner = &v[1..v.len() - 1];
        let mut out = Vec::with_capacity(inner.len());
        let mut i = 0;
        while i < inner.len() {
            if inner[i] == b'\\' && i + 1 < inner.len() {
                i += 1;
            }
            out.push(inner[i]);
            i += 1;
        }
        out
    } else {
        v.to_vec()
    }
}

pub(crate) fn trim(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &v[start..end]
}

fn strip_line_end(v: &[u8]) -> &[u8] {
    v.strip_prefix(b"\r\n")
        .or_else(|| v.strip_prefix(b"\n"))
        .unwrap_or(v)
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_rq_7_urlencoded_without_content_type() {
        let form = parse(b"POST", None, b"foo=%82%a0&x=1&x=2").unwrap();
        assert_eq!(form.fields.first(b"foo"), Some(&b"\x82\xa0"[..]));
        assert_eq!(form.fields.get_all(b"x"), vec![&b"1"[..], b"2"]);
    }

    #[test]
    fn f_rq_7_multipart_fields_and_files() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue 1\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"t.txt\"\r\nContent-Type: text/x\r\n\r\nline\r\nline2\r\n\
--XyZ--\r\n";
        let form = parse(b"POST", Some(b"multipart/form-data; boundary=XyZ"), body).unwrap();
        assert_eq!(form.fields.first(b"a"), Some(&b"value 1"[..]));
        assert_eq!(form.fields.first(b"f"), Some(&b"line\r\nline2"[..]));
        assert_eq!(form.files.len(), 1);
        assert_eq!(form.files[0].filename, b"t.txt");
        assert_eq!(form.files[0].content_type, b"text/x");
    }

    #[test]
    fn f_rq_7_non_form_is_an_error_and_get_is_empty() {
        assert!(parse(b"POST", Some(b"text/plain"), b"a=1").is_err());
        assert!(parse(b"GET", Some(b"text/plain"), b"a=1")
            .unwrap()
            .fields
            .is_empty());
    }
}
