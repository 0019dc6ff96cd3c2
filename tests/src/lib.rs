//! Integration-test harness: start a real wpthost in-process and talk to it over real sockets.
//!
//! `TestServer` owns its own event loops (two unless the configuration's `wpthost.threads` says
//! otherwise, as `wpthost serve` runs them), so tests may be plain `#[test]` functions
//! (preferred) or `#[tokio::test(flavor = "multi_thread")]`. The client helpers (`raw_exchange`,
//! `get`, `RawConnection`) use blocking `std::net` sockets; inside a tokio test they block one
//! worker, which is fine for the multi-threaded flavour.
//!
//! ```no_run
//! use wpthost_tests::{get, TempDocRoot, TestServer};
//! let root = TempDocRoot::new();
//! root.write("a.txt", b"hello");
//! let server = TestServer::start(root.path());
//! let resp = get(server.port(), "/a.txt");
//! assert_eq!(resp.status_code(), 200);
//! ```

pub mod static_wire;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wpthost::config::Config;
use wpthost::event_loops::EventLoops;
use wpthost::listener::{self, RunningServer};
use wpthost::server::ServerState;

/// How long the client helpers wait for the server before giving up.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// A running server on 127.0.0.1 with an ephemeral ("auto") port.
pub struct TestServer {
    loops: Option<EventLoops>,
    server: Option<RunningServer>,
    bound: Vec<(String, SocketAddr)>,
    pub config: Arc<Config>,
}

impl TestServer {
    /// Serve `doc_root` with the test defaults (`Config::for_doc_root`: browser_host "localhost",
    /// one auto http port).
    pub fn start(doc_root: &Path) -> TestServer {
        let config = match Config::for_doc_root(doc_root.to_path_buf()) {
            Ok(c) => c,
            Err(e) => panic!("test config for {}: {e}", doc_root.display()),
        };
        Self::start_config(test_bind(config))
    }

    /// Serve with a config.json-style value (wptserve keys plus the `"wpthost"` key). `doc_root`
    /// must be inside; relative paths resolve against the current directory. Missing `ports` means
    /// one auto http port.
    pub fn start_with_config(mut json: serde_json::Value) -> TestServer {
        if let Some(obj) = json.as_object_mut() {
            obj.entry("ports")
                .or_insert_with(|| serde_json::json!({"http": ["auto"]}));
        }
        let base = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let config = match Config::from_json(json, &base) {
            Ok(c) => c,
            Err(e) => panic!("test config: {e}"),
        };
        Self::start_config(test_bind(config))
    }

    /// Serve an already built configuration as is.
    pub fn start_config(config: Config) -> TestServer {
        let config = Arc::new(config);
        let loops = match EventLoops::start(match config.server.threads {
            0 => 2,
            n => n,
        }) {
            Ok(l) => l,
            Err(e) => panic!("test event loops: {e}"),
        };
        let state = match ServerState::new(config.clone()) {
            Ok(s) => Arc::new(s),
            Err(e) => panic!("server state: {e}"),
        };
        let server = match listener::start_on(state, &loops.handles()) {
            Ok(s) => s,
            Err(e) => panic!("starting the server: {e}"),
        };
        let bound = server.bound();
        TestServer {
            loops: Some(loops),
            server: Some(server),
            bound,
            config,
        }
    }

    /// The server's event loops, to spawn work on one of them (tests of the loops themselves).
    pub fn loop_handles(&self) -> Vec<tokio::runtime::Handle> {
        self.loops
            .as_ref()
            .map(EventLoops::handles)
            .unwrap_or_default()
    }

    /// The first http port.
    pub fn port(&self) -> u16 {
        self.bound
            .iter()
            .find(|(scheme, _)| scheme == "http")
            .or_else(|| self.bound.first())
            .map(|(_, addr)| addr.port())
            .unwrap_or(0)
    }

    /// Every `(scheme, address)` the server listens on.
    pub fn bound(&self) -> &[(String, SocketAddr)] {
        &self.bound
    }

    /// `http://127.0.0.1:<port><path>` (`path` starts with `/`).
    pub fn http_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port(), path)
    }

    /// Stop the server and wait until every connection has ended.
    pub fn stop(mut self) {
        self.stop_inner();
    }

    fn stop_inner(&mut self) {
        if let (Some(loops), Some(server)) = (self.loops.as_ref(), self.server.take()) {
            let stop = || {
                let _ = loops.block_on(async {
                    tokio::time::timeout(Duration::from_secs(10), server.shutdown()).await
                });
            };
            if tokio::runtime::Handle::try_current().is_ok() {
                // Called from an async test: blocking on the loops must happen off its runtime.
                std::thread::scope(|scope| {
                    scope.spawn(stop);
                });
            } else {
                stop();
            }
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Stops accepting (the listener sockets close with their loops), then stops the loops.
        drop(self.server.take());
        drop(self.loops.take());
    }
}

/// Tests bind loopback only, whatever the configuration says.
fn test_bind(mut config: Config) -> Config {
    config.server_host = "127.0.0.1".to_owned();
    config.bind_address = true;
    config
}

/// A temporary document root, removed on drop.
pub struct TempDocRoot {
    path: PathBuf,
}

impl TempDocRoot {
    pub fn new() -> TempDocRoot {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "wpthost-test-{}-{}-{}",
            std::process::id(),
            nanos,
            n
        ));
        if let Err(e) = std::fs::create_dir_all(&path) {
            panic!("creating {}: {e}", path.display());
        }
        TempDocRoot { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write a file (creating parent directories) relative to the root.
    pub fn write(&self, rel: &str, contents: &[u8]) -> PathBuf {
        let p = self.path.join(rel);
        if let Some(parent) = p.parent() {
            if let Err(e) = std::fs::create_dir_all(parent) {
                panic!("creating {}: {e}", parent.display());
            }
        }
        if let Err(e) = std::fs::write(&p, contents) {
            panic!("writing {}: {e}", p.display());
        }
        p
    }

    pub fn mkdir(&self, rel: &str) -> PathBuf {
        let p = self.path.join(rel);
        if let Err(e) = std::fs::create_dir_all(&p) {
            panic!("creating {}: {e}", p.display());
        }
        p
    }
}

impl Default for TempDocRoot {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDocRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Connect to 127.0.0.1:`port` with the client timeouts set.
pub fn connect(port: u16) -> TcpStream {
    let stream = match TcpStream::connect(("127.0.0.1", port)) {
        Ok(s) => s,
        Err(e) => panic!("connect to 127.0.0.1:{port}: {e}"),
    };
    let _ = stream.set_read_timeout(Some(CLIENT_TIMEOUT));
    let _ = stream.set_write_timeout(Some(CLIENT_TIMEOUT));
    let _ = stream.set_nodelay(true);
    stream
}

/// Write `request`, then read until the server closes or 10 s pass; everything received.
pub fn raw_exchange(port: u16, request: &[u8]) -> Vec<u8> {
    let mut stream = connect(port);
    if let Err(e) = stream.write_all(request) {
        panic!("writing request: {e}");
    }
    read_to_close(&mut stream, CLIENT_TIMEOUT)
}

/// Read until EOF, a reset, or `limit` elapses; everything received so far.
pub fn read_to_close(stream: &mut TcpStream, limit: Duration) -> Vec<u8> {
    let deadline = Instant::now() + limit;
    let mut out = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let _ = stream.set_read_timeout(Some(left));
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    out
}

/// `GET path HTTP/1.1` with `Host: localhost:<port>`, read until close, parsed. For responses the
/// server keeps alive (Content-Length), this returns once the declared body has arrived.
pub fn get(port: u16, path: &str) -> RawResponse {
    let mut conn = RawConnection::open(port);
    conn.send(format!("GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").as_bytes());
    conn.read_response()
}

/// A parsed HTTP/1.1 response as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// The status line without its CRLF, e.g. `HTTP/1.1 200 OK`.
    pub status_line: String,
    /// Header lines in received order (`name` as received, value bytes verbatim).
    pub headers: Vec<(String, Vec<u8>)>,
    /// Everything after the blank line (for `parse`, all remaining bytes).
    pub body: Vec<u8>,
}

impl RawResponse {
    /// Split raw bytes at the first blank line. Panics if there is no complete head.
    pub fn parse(raw: &[u8]) -> RawResponse {
        match Self::try_parse(raw) {
            Some(r) => r,
            None => panic!(
                "no complete response head in {:?}",
                String::from_utf8_lossy(&raw[..raw.len().min(2000)])
            ),
        }
    }

    pub fn try_parse(raw: &[u8]) -> Option<RawResponse> {
        let end = find(raw, b"\r\n\r\n")?;
        let head = &raw[..end];
        let mut lines = head
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let status_line = String::from_utf8_lossy(lines.next()?).into_owned();
        let headers = lines
            .filter_map(|l| {
                let colon = l.iter().position(|&b| b == b':')?;
                let name = String::from_utf8_lossy(&l[..colon]).into_owned();
                let mut value = &l[colon + 1..];
                if let Some(v) = value.strip_prefix(b" ") {
                    value = v;
                }
                Some((name, value.to_vec()))
            })
            .collect();
        Some(RawResponse {
            status_line,
            headers,
            body: raw[end + 4..].to_vec(),
        })
    }

    /// The numeric status code (0 if the status line is malformed).
    pub fn status_code(&self) -> u16 {
        self.status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    /// First value of a header, case-insensitive.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// First value of a header as text (lossy).
    pub fn header_str(&self, name: &str) -> Option<String> {
        self.header(name)
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// Every value of a header in order.
    pub fn header_all(&self, name: &str) -> Vec<&[u8]> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
            .collect()
    }

    /// Header names in order.
    pub fn header_names(&self) -> Vec<&str> {
        self.headers.iter().map(|(n, _)| n.as_str()).collect()
    }

    pub fn body_str(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One client connection for keep-alive and pipelining tests.
pub struct RawConnection {
    pub stream: TcpStream,
    /// Received bytes not yet returned by `read_response`.
    pub pending: Vec<u8>,
}

impl RawConnection {
    pub fn open(port: u16) -> RawConnection {
        RawConnection {
            stream: connect(port),
            pending: Vec::new(),
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        if let Err(e) = self.stream.write_all(bytes) {
            panic!("writing request: {e}");
        }
    }

    /// Read more bytes; `false` on EOF, error or timeout.
    fn fill(&mut self) -> bool {
        let mut buf = [0u8; 16 * 1024];
        match self.stream.read(&mut buf) {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.pending.extend_from_slice(&buf[..n]);
                true
            }
        }
    }

    /// Read one response: the head, then a body of `Content-Length` bytes, or (without one) until
    /// the server closes. HEAD responses: call `read_head_only`. Panics if no head arrives.
    pub fn read_response(&mut self) -> RawResponse {
        let (head_end, mut resp) = self.read_head();
        let body_start = head_end + 4;
        match resp
            .header_str("content-length")
            .and_then(|v| v.trim().parse::<usize>().ok())
        {
            Some(len) => {
                while self.pending.len() < body_start + len {
                    if !self.fill() {
                        break;
                    }
                }
                let end = (body_start + len).min(self.pending.len());
                resp.body = self.pending[body_start..end].to_vec();
                self.pending.drain(..end);
            }
            None => {
                while self.fill() {}
                resp.body = self.pending[body_start..].to_vec();
                self.pending.clear();
            }
        }
        resp
    }

    /// Read only a response head (for HEAD requests and 100 Continue); the body stays pending.
    pub fn read_head_only(&mut self) -> RawResponse {
        let (head_end, resp) = self.read_head();
        self.pending.drain(..head_end + 4);
        resp
    }

    fn read_head(&mut self) -> (usize, RawResponse) {
        loop {
            if let Some(end) = find(&self.pending, b"\r\n\r\n") {
                let mut resp = RawResponse::parse(&self.pending[..end + 4]);
                resp.body.clear();
                return (end, resp);
            }
            if !self.fill() {
                panic!(
                    "connection ended before a response head; got {:?}",
                    String::from_utf8_lossy(&self.pending)
                );
            }
        }
    }

    /// True if the server closed the connection (EOF) within `limit`, with nothing more sent.
    pub fn closed_within(&mut self, limit: Duration) -> bool {
        let _ = self.stream.set_read_timeout(Some(limit));
        let mut buf = [0u8; 1024];
        let closed = match self.stream.read(&mut buf) {
            Ok(0) => true,
            Ok(n) => {
                self.pending.extend_from_slice(&buf[..n]);
                false
            }
            Err(e) => matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
            ),
        };
        let _ = self.stream.set_read_timeout(Some(CLIENT_TIMEOUT));
        closed
    }
}
