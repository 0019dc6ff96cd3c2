//! The case-file format (documented in tests/differential/README.md).

use std::path::{Path, PathBuf};

/// How the requests of a case are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Send one request, read its response, then the next (keep-alive).
    Sequential,
    /// Send every request in one write, then read all responses (pipelining).
    Pipelined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionExpectation {
    Closes,
    KeepsAlive,
}

/// One request of a case, as raw bytes with placeholders (`{host}`, `{port}`) still in.
#[derive(Debug, Clone, Default)]
pub struct RawRequest {
    pub bytes: Vec<u8>,
}

impl RawRequest {
    /// The method token, to know that a HEAD response has no body.
    pub fn method(&self) -> &[u8] {
        let end = self
            .bytes
            .iter()
            .position(|b| *b == b' ' || *b == b'\r' || *b == b'\n')
            .unwrap_or(self.bytes.len());
        &self.bytes[..end]
    }

    /// The bytes to send to a server on `port`.
    pub fn render(&self, port: u16) -> Vec<u8> {
        let host = format!("127.0.0.1:{port}");
        let mut out = replace(&self.bytes, b"{host}", host.as_bytes());
        out = replace(&out, b"{port}", port.to_string().as_bytes());
        out
    }
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// `file:line` where the case starts, for messages.
    pub origin: String,
    pub requests: Vec<RawRequest>,
    pub write: WriteMode,
    pub connection: Option<ConnectionExpectation>,
    /// Header names whose values are not compared (names and positions still are).
    pub ignore_headers: Vec<String>,
    /// Body bytes are not compared (only their presence and framing).
    pub ignore_body: bool,
    /// A documented difference: both servers answer, nothing is compared, this is the reason.
    pub differs: Option<String>,
    /// With `differs`: the status code wpthost must answer with (first final response).
    pub wpthost_status: Option<u16>,
    /// How long to wait for the whole exchange.
    pub timeout_ms: u64,
}

impl Case {
    fn new(name: String, origin: String) -> Case {
        Case {
            name,
            origin,
            requests: Vec::new(),
            write: WriteMode::Sequential,
            connection: None,
            ignore_headers: Vec::new(),
            ignore_body: false,
            differs: None,
            wpthost_status: None,
            timeout_ms: 10_000,
        }
    }
}

/// Every `*.cases` file under `dir`, sorted by name, parsed.
pub fn load_dir(dir: &Path) -> Result<Vec<Case>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("reading {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "cases"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("reading {}: {e}", file.display()))?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        cases.extend(parse(&name, &text)?);
    }
    Ok(cases)
}

/// Parse one case file; `file` names it in error messages.
pub fn parse(file: &str, text: &str) -> Result<Vec<Case>, String> {
    let mut cases: Vec<Case> = Vec::new();
    // `>` lines append to the case's current request; `then` starts the next one, so a request's
    // bytes may contain anything (blank lines, bodies) without ending it by accident.
    for (index, raw_line) in text.lines().enumerate() {
        let line_no = index + 1;
        let at = || format!("{file}:{line_no}");
        let line = raw_line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix("case:") {
            cases.push(Case::new(name.trim().to_string(), at()));
            continue;
        }
        let Some(case) = cases.last_mut() else {
            return Err(format!("{}: expected `case: <name>` first", at()));
        };
        if let Some(rest) = line.strip_prefix('>') {
            // `> text` adds text + CRLF, `>> text` adds text alone, a bare `>` adds CRLF.
            let (content, crlf) = match rest.strip_prefix('>') {
                Some(r) => (r.strip_prefix(' ').unwrap_or(r), false),
                None => (rest.strip_prefix(' ').unwrap_or(rest), true),
            };
            if case.requests.is_empty() {
                case.requests.push(RawRequest::default());
            }
            let Some(request) = case.requests.last_mut() else {
                return Err(format!("{}: no request", at()));
            };
            request
                .bytes
                .extend(unescape(content).map_err(|e| format!("{}: {e}", at()))?);
            if crlf {
                request.bytes.extend_from_slice(b"\r\n");
            }
            continue;
        }
        if line.trim() == "then" {
            case.requests.push(RawRequest::default());
            continue;
        }
        // `ignore-body` needs no value; every other directive has one.
        let (key, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.trim();
        match key.trim() {
            "write" => {
                case.write = match value {
                    "sequential" => WriteMode::Sequential,
                    "pipelined" => WriteMode::Pipelined,
                    other => {
                        return Err(format!("{}: write: {other}? (sequential|pipelined)", at()))
                    }
                }
            }
            "connection" => {
                case.connection = Some(match value {
                    "closes" => ConnectionExpectation::Closes,
                    "keeps-alive" => ConnectionExpectation::KeepsAlive,
                    other => {
                        return Err(format!(
                            "{}: connection: {other}? (closes|keeps-alive)",
                            at()
                        ))
                    }
                })
            }
            "ignore-headers" => case.ignore_headers.extend(
                value
                    .split(',')
                    .map(|h| h.trim().to_ascii_lowercase())
                    .filter(|h| !h.is_empty()),
            ),
            "ignore-body" => case.ignore_body = true,
            "differs" => {
                if value.is_empty() {
                    return Err(format!("{}: differs: needs the reason", at()));
                }
                case.differs = Some(value.to_string())
            }
            "wpthost-status" => {
                case.wpthost_status = Some(
                    value
                        .parse()
                        .map_err(|_| format!("{}: wpthost-status: {value}?", at()))?,
                )
            }
            "timeout-ms" => {
                case.timeout_ms = value
                    .parse()
                    .map_err(|_| format!("{}: timeout-ms: {value}?", at()))?
            }
            other => return Err(format!("{}: unknown directive `{other}`", at())),
        }
    }
    for case in &cases {
        if case.requests.is_empty() || case.requests.iter().any(|r| r.bytes.is_empty()) {
            return Err(format!(
                "{}: case `{}` has an empty request",
                case.origin, case.name
            ));
        }
        if case.wpthost_status.is_some() && case.differs.is_none() {
            return Err(format!(
                "{}: case `{}`: wpthost-status only goes with differs",
                case.origin, case.name
            ));
        }
    }
    Ok(cases)
}

/// `\r \n \t \\ \xHH` and `{repeat N text}` (text repeated N times; text may not contain `}`).
fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                let Some(&c) = bytes.get(i + 1) else {
                    return Err("a line ends in a lone backslash".into());
                };
                match c {
                    b'r' => out.push(b'\r'),
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'\\' => out.push(b'\\'),
                    b'x' => {
                        let hex = text.get(i + 2..i + 4).ok_or("\\x needs two hex digits")?;
                        out.push(
                            u8::from_str_radix(hex, 16)
                                .map_err(|_| format!("bad escape \\x{hex}"))?,
                        );
                        i += 2;
                    }
                    other => return Err(format!("unknown escape \\{}", other as char)),
                }
                i += 2;
            }
            b'{' if text[i..].starts_with("{repeat ") => {
                let end = text[i..].find('}').ok_or("unterminated {repeat N text}")? + i;
                let inner = &text[i + "{repeat ".len()..end];
                let (count, what) = inner.split_once(' ').ok_or("{repeat N text}")?;
                let count: usize = count.parse().map_err(|_| format!("{{repeat {count}?"))?;
                let what = unescape(what)?;
                for _ in 0..count {
                    out.extend_from_slice(&what);
                }
                i = end + 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(out)
}
