//! Normalise both servers' answers and describe the first differences.
//!
//! Always ignored: the values of `Date` and `Server` (the header lines themselves must be at the
//! same positions), the servers' own port numbers (replaced by `{port}`), UUIDs (`{uuid}`) and a
//! gzip body's mtime field.

use super::cases::{Case, ConnectionExpectation};
use super::wire::{Exchange, Response};

const ALWAYS_IGNORED: &[&str] = &["date", "server"];

pub fn show(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\r' => out.push_str("\\r"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    if out.len() > 400 {
        let mut cut = 400;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

fn replace_all(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    if from.is_empty() {
        return hay.to_vec();
    }
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

fn is_uuid_at(b: &[u8]) -> bool {
    const DASHES: [usize; 4] = [8, 13, 18, 23];
    b.len() >= 36
        && (0..36).all(|i| {
            if DASHES.contains(&i) {
                b[i] == b'-'
            } else {
                b[i].is_ascii_hexdigit()
            }
        })
}

fn mask_uuids(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if is_uuid_at(&v[i..]) {
            out.extend_from_slice(b"{uuid}");
            i += 36;
        } else {
            out.push(v[i]);
            i += 1;
        }
    }
    out
}

fn normalise_bytes(v: &[u8], port: u16) -> Vec<u8> {
    mask_uuids(&replace_all(v, port.to_string().as_bytes(), b"{port}"))
}

fn normalise(r: &Response, port: u16, case: &Case) -> Response {
    let headers = r
        .headers
        .iter()
        .map(|(name, value)| {
            let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
            let value = if ALWAYS_IGNORED.contains(&lower.as_str())
                || case.ignore_headers.contains(&lower)
            {
                b"<ignored>".to_vec()
            } else {
                normalise_bytes(value, port)
            };
            (name.clone(), value)
        })
        .collect();
    let mut body = if case.ignore_body {
        b"<ignored>".to_vec()
    } else {
        normalise_bytes(&r.body, port)
    };
    // gzip header: magic 1f 8b, method, flags, then a 4-byte mtime.
    if !case.ignore_body && body.len() >= 8 && body.starts_with(&[0x1f, 0x8b]) {
        body[4..8].copy_from_slice(&[0, 0, 0, 0]);
    }
    Response {
        status_line: normalise_bytes(&r.status_line, port),
        headers,
        body,
    }
}

fn describe_response(r: &Response) -> String {
    let mut s = show(&r.status_line);
    for (n, v) in &r.headers {
        s.push_str(&format!(" | {}: {}", show(n), show(v)));
    }
    s.push_str(&format!(
        " || body {} bytes: {}",
        r.body.len(),
        show(&r.body)
    ));
    s
}

/// Check a connection expectation against one server's exchange.
fn check_connection(case: &Case, who: &str, ex: &Exchange, problems: &mut Vec<String>) {
    match case.connection {
        Some(ConnectionExpectation::Closes) if !ex.closed => problems.push(format!(
            "{who} kept the connection open; the case expects it to close"
        )),
        Some(ConnectionExpectation::KeepsAlive) if ex.closed => problems.push(format!(
            "{who} closed the connection; the case expects keep-alive"
        )),
        _ => {}
    }
    if ex.timed_out {
        problems.push(format!(
            "{who} did not finish within {} ms",
            case.timeout_ms
        ));
    }
}

/// Compare the exchanges; an empty list means they match.
pub fn compare(
    case: &Case,
    reference: &Exchange,
    reference_port: u16,
    ours: &Exchange,
    our_port: u16,
) -> Vec<String> {
    let mut problems = Vec::new();
    check_connection(case, "wptserve", reference, &mut problems);
    check_connection(case, "wpthost", ours, &mut problems);
    let theirs: Vec<Response> = reference
        .responses
        .iter()
        .map(|r| normalise(r, reference_port, case))
        .collect();
    let mine: Vec<Response> = ours
        .responses
        .iter()
        .map(|r| normalise(r, our_port, case))
        .collect();
    if theirs.len() != mine.len() {
        problems.push(format!(
            "wptserve sent {} responses, wpthost {}",
            theirs.len(),
            mine.len()
        ));
    }
    for (i, (a, b)) in theirs.iter().zip(&mine).enumerate() {
        let n = i + 1;
        if a.status_line != b.status_line {
            problems.push(format!(
                "response {n} status line: wptserve `{}`, wpthost `{}`",
                show(&a.status_line),
                show(&b.status_line)
            ));
        }
        if a.headers != b.headers {
            problems.push(format!(
                "response {n} headers differ:\n      wptserve: {}\n      wpthost:  {}",
                describe_headers(&a.headers),
                describe_headers(&b.headers)
            ));
        }
        if a.body != b.body {
            problems.push(format!(
                "response {n} body differs ({} vs {} bytes):\n      wptserve: {}\n      wpthost:  {}",
                a.body.len(),
                b.body.len(),
                show(&a.body),
                show(&b.body)
            ));
        }
    }
    for (who, extra) in [
        ("wptserve", theirs.get(mine.len()..)),
        ("wpthost", mine.get(theirs.len()..)),
    ] {
        for r in extra.unwrap_or_default() {
            problems.push(format!("only {who} sent: {}", describe_response(r)));
        }
    }
    let (u_ref, u_ours) = (
        normalise_bytes(&reference.unparsed, reference_port),
        normalise_bytes(&ours.unparsed, our_port),
    );
    if u_ref != u_ours {
        problems.push(format!(
            "bytes outside responses differ:\n      wptserve: {}\n      wpthost:  {}",
            show(&u_ref),
            show(&u_ours)
        ));
    }
    if reference.closed != ours.closed && case.connection.is_none() {
        problems.push(format!(
            "connection: wptserve {}, wpthost {}",
            closed_word(reference.closed),
            closed_word(ours.closed)
        ));
    }
    problems
}

fn closed_word(closed: bool) -> &'static str {
    if closed {
        "closed it"
    } else {
        "kept it open"
    }
}

fn describe_headers(h: &[(Vec<u8>, Vec<u8>)]) -> String {
    h.iter()
        .map(|(n, v)| format!("{}: {}", show(n), show(v)))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// For a documented difference: wpthost must still answer sensibly.
pub fn check_documented(case: &Case, ours: &Exchange) -> Vec<String> {
    let mut problems = Vec::new();
    check_connection(case, "wpthost", ours, &mut problems);
    if let Some(want) = case.wpthost_status {
        match ours.first_final_status() {
            Some(got) if got == want => {}
            got => problems.push(format!(
                "wpthost answered {got:?}, the documented difference says {want}"
            )),
        }
    }
    problems
}
