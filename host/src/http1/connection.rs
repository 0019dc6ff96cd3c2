//! The per-connection loop: read a head, read the body, serve, decide whether to keep the connection
//! (F-H1-2..6), repeat. Generic over the stream so TLS can wrap the socket.

use crate::config::ServerSettings;
use crate::errors::json_error;
use crate::http1::body::{self, BodyError, Framing};
use crate::http1::parse::{parse_head, Head, HeadError, HeadScanner};
use crate::http1::respond::{write_response, WriteOptions};
use crate::http1::sink::Sink;
use crate::http1::url::RequestUrl;
use crate::http1::writer::ResponseWriter;
use crate::request::{Request, Scheme};
use crate::server::{self, ServerState};
use crate::tls::TlsSetup;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::timeout_at;

/// Where a connection was accepted: everything a request needs to know about its socket.
#[derive(Debug, Clone)]
pub struct ConnInfo {
    pub client_addr: SocketAddr,
    pub local_addr: SocketAddr,
    pub scheme: Scheme,
    /// The listener's bound address as wptserve's `server_address[0]` (the host of `request.url`
    /// when the request has no Host header, F-H1-15).
    pub server_host: String,
    /// The listener's port (the port of `request.url` when Host has none).
    pub server_port: u16,
    /// Becomes true when the server shuts down: an idle connection closes at once, a busy one after
    /// its current response.
    pub stop: Option<watch::Receiver<bool>>,
    /// How many accept loops are waiting for a free connection slot (`max_connections`). While
    /// any is, an idle kept-alive connection closes instead of holding its slot until the idle
    /// timeout, so a client that opens connections and leaves them idle cannot lock others out.
    pub crowded: Option<watch::Receiver<usize>>,
}

/// Buffered reading side of a connection. `buf` holds received bytes not yet consumed.
pub(crate) struct Input<R> {
    rd: R,
    pub(crate) buf: Vec<u8>,
}

impl<R: AsyncRead + Unpin> Input<R> {
    pub(crate) fn new(rd: R) -> Self {
        Input {
            rd,
            buf: Vec::with_capacity(8 * 1024),
        }
    }

    /// Read more bytes, giving up at `deadline`. `Ok(0)` is end of stream.
    pub(crate) async fn fill(&mut self, deadline: tokio::time::Instant) -> std::io::Result<usize> {
        self.make_room();
        match timeout_at(deadline, self.rd.read_buf(&mut self.buf)).await {
            Ok(r) => r,
            Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
        }
    }

    /// Read more bytes without a deadline, for a caller that polls it once (`nothing_pending`):
    /// arming a timer there would cost more than the read, since a deadline earlier than every
    /// other one wakes tokio's driver through its eventfd.
    async fn fill_untimed(&mut self) -> std::io::Result<usize> {
        self.make_room();
        self.rd.read_buf(&mut self.buf).await
    }

    fn make_room(&mut self) {
        if self.buf.capacity() - self.buf.len() < 4096 {
            self.buf.reserve(16 * 1024);
        }
    }

    fn consume(&mut self, n: usize) {
        self.buf.drain(..n);
    }
}

enum HeadOutcome {
    Head(Head),
    /// The client closed or went quiet before starting a request: close silently.
    Gone,
    /// Idle between requests while the server is out of connection slots: close at once.
    Evicted,
    /// A request was started but not finished in time.
    TimedOut,
    Bad(HeadError),
}

async fn read_head<R: AsyncRead + Unpin>(
    input: &mut Input<R>,
    settings: &ServerSettings,
    first: bool,
    stop: &mut Option<watch::Receiver<bool>>,
    crowded: &mut Option<watch::Receiver<usize>>,
) -> HeadOutcome {
    let now = tokio::time::Instant::now();
    let mut scanner = HeadScanner::new();
    // The first request on a connection must arrive within the head timeout; later ones may wait
    // for the idle timeout, then must complete within the head timeout of their first byte.
    let mut head_deadline = first.then(|| now + settings.request_head_timeout);
    let idle_deadline = now + settings.idle_timeout;
    loop {
        match scanner.scan(&input.buf) {
            Ok(Some(span)) => {
                let parsed = parse_head(&input.buf[span.start..span.end]);
                input.consume(span.end);
                return match parsed {
                    Ok(h) => HeadOutcome::Head(h),
                    Err(e) => HeadOutcome::Bad(e),
                };
            }
            Ok(None) => {}
            Err(e) => return HeadOutcome::Bad(e),
        }
        let started = scanner.started(&input.buf);
        if head_deadline.is_none() && started {
            head_deadline = Some(tokio::time::Instant::now() + settings.request_head_timeout);
        }
        let deadline = head_deadline.unwrap_or(idle_deadline);
        let read = match stop.as_mut() {
            // Between requests, shutdown ends the wait; a request already begun is finished.
            // Waiting for a next request on a kept-alive connection also ends when the server is
            // out of connection slots (clients retry a closed idle connection; RFC 9112 §9.3.1).
            Some(stop) if !started => tokio::select! {
                r = input.fill(deadline) => r,
                _ = stop.wait_for(|s| *s) => return HeadOutcome::Gone,
                _ = until_crowded(crowded.as_mut().filter(|_| !first)) => return HeadOutcome::Evicted,
            },
            _ => input.fill(deadline).await,
        };
        match read {
            Ok(0) => return HeadOutcome::Gone,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut && started => {
                return HeadOutcome::TimedOut
            }
            Err(_) => return HeadOutcome::Gone,
        }
    }
}

/// Serve every request of one plain TCP connection, then close it. Its own halves (no lock
/// between them, unlike `tokio::io::split`) and a writer that can `sendfile` large files.
pub async fn serve_tcp_connection(stream: TcpStream, state: Arc<ServerState>, info: ConnInfo) {
    let (rd, wr) = stream.into_split();
    serve_halves(
        Input::new(rd),
        ResponseWriter::new(Sink::tcp(wr)),
        state,
        info,
    )
    .await
}

/// Serve every request of one connection over any stream (TLS), then close it.
pub async fn serve_connection<S>(stream: S, state: Arc<ServerState>, info: ConnInfo)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (rd, wr) = tokio::io::split(stream);
    let writer = ResponseWriter::new(Sink::Stream(Box::pin(wr)));
    serve_halves(Input::new(rd), writer, state, info).await
}

async fn serve_halves<R: AsyncRead + Unpin>(
    mut input: Input<R>,
    mut writer: ResponseWriter,
    state: Arc<ServerState>,
    info: ConnInfo,
) {
    match request_loop(&mut input, &mut writer, &state, &info, false).await {
        LoopEnd::Evicted => {
            let _ = writer.shutdown().await;
        }
        LoopEnd::CloseAfterError => linger_close(&mut input, &mut writer, &info, true).await,
        _ => linger_close(&mut input, &mut writer, &info, false).await,
    }
}

/// An https port in `encrypt_after_connect` mode (F-H1-13, F-TL-4, wptserve's self-proxy): plain
/// HTTP until a CONNECT is answered, then a TLS handshake on the same socket and HTTPS from there.
pub async fn serve_connection_tls_after_connect(
    stream: TcpStream,
    state: Arc<ServerState>,
    info: ConnInfo,
    tls: Arc<TlsSetup>,
) {
    let (rd, wr) = stream.into_split();
    let slot = Arc::new(Mutex::new(Some(wr)));
    let mut input = Input::new(rd);
    let mut writer = ResponseWriter::new(Sink::Stream(Box::pin(SharedWrite(slot.clone()))));
    match request_loop(&mut input, &mut writer, &state, &info, true).await {
        end @ (LoopEnd::Close | LoopEnd::CloseAfterError) => {
            let after_error = end == LoopEnd::CloseAfterError;
            linger_close(&mut input, &mut writer, &info, after_error).await;
            return;
        }
        LoopEnd::Evicted => {
            let _ = writer.shutdown().await;
            return;
        }
        LoopEnd::StartTls => {}
    }
    drop(writer);
    let wr = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    // A client sends its hello only after reading the 200; bytes before that cannot be TLS.
    let (Some(wr), true) = (wr, input.buf.is_empty()) else {
        return;
    };
    let Ok(stream) = input.rd.reunite(wr) else {
        return;
    };
    match tls.accept(stream).await {
        Ok(tls_stream) => serve_connection(tls_stream, state, info).await,
        Err(e) => tracing::debug!("TLS after CONNECT with {}: {e}", info.client_addr),
    }
}

/// The write half, lent to the writer and taken back when TLS starts on the socket.
struct SharedWrite(Arc<Mutex<Option<OwnedWriteHalf>>>);

impl SharedWrite {
    fn with<T>(
        &self,
        f: impl FnOnce(Pin<&mut OwnedWriteHalf>) -> Poll<std::io::Result<T>>,
    ) -> Poll<std::io::Result<T>> {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_mut() {
            Some(w) => f(Pin::new(w)),
            None => Poll::Ready(Err(std::io::ErrorKind::BrokenPipe.into())),
        }
    }
}

impl AsyncWrite for SharedWrite {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.with(|w| w.poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.with(|w| w.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.with(|w| w.poll_shutdown(cx))
    }
}

/// Resolves once some accept loop waits for a connection slot; never without a receiver.
async fn until_crowded(crowded: Option<&mut watch::Receiver<usize>>) {
    match crowded {
        Some(rx) => {
            if rx.wait_for(|waiting| *waiting > 0).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}

/// How a connection's request loop ended.
#[derive(Debug, PartialEq, Eq)]
enum LoopEnd {
    /// Close the connection: every request read whole and answered.
    Close,
    /// Close after an error answer that may have left request bytes unread (a body too large, a
    /// malformed or incomplete head): linger, so the client's further bytes do not reset the
    /// connection before it has read the answer.
    CloseAfterError,
    /// Close without lingering: idle, every response complete, and the slot is wanted elsewhere.
    Evicted,
    /// A CONNECT was answered and TLS starts on the same socket (`encrypt_after_connect`).
    StartTls,
}

async fn request_loop<R: AsyncRead + Unpin>(
    input: &mut Input<R>,
    writer: &mut ResponseWriter,
    state: &Arc<ServerState>,
    info: &ConnInfo,
    tls_after_connect: bool,
) -> LoopEnd {
    let settings = &state.config.server;
    let mut first = true;
    let mut stop = info.stop.clone();
    let mut crowded = info.crowded.clone();
    loop {
        if stop.as_ref().is_some_and(|s| *s.borrow()) {
            break;
        }
        let head = match read_head(input, settings, first, &mut stop, &mut crowded).await {
            HeadOutcome::Head(h) => h,
            HeadOutcome::Gone => break,
            HeadOutcome::Evicted => return LoopEnd::Evicted,
            HeadOutcome::TimedOut => {
                let _ = send_plain_error(writer, 408, "request head not received in time").await;
                log_request("-", "(incomplete request)", writer, Instant::now());
                return LoopEnd::CloseAfterError;
            }
            HeadOutcome::Bad(e) => {
                let started = Instant::now();
                let _ = send_head_error(writer, &e).await;
                log_request("-", "(malformed request)", writer, started);
                return LoopEnd::CloseAfterError;
            }
        };
        first = false;
        let started = Instant::now();
        let client_close = wants_close(&head);

        let framing = match body::framing(&head.headers) {
            Ok(f) => f,
            Err(e) => {
                let _ = send_body_error(writer, &e).await;
                log_request(&head.method, &head.target, writer, started);
                return LoopEnd::CloseAfterError;
            }
        };
        if let Framing::Length(n) = framing {
            if n > settings.max_body_bytes as u64 {
                let _ = send_body_error(writer, &BodyError::TooLarge).await;
                log_request(&head.method, &head.target, writer, started);
                return LoopEnd::CloseAfterError;
            }
        }
        if head.is_http11() && expects_continue(&head) {
            // F-H1-9: before the body is read (and before any handler runs).
            if writer
                .write_raw(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
                .is_err()
                || writer.flush().await.is_err()
            {
                break;
            }
        }

        if head.method == "CONNECT" {
            // F-H1-13: 200 with Server and Date, then keep parsing requests on the same socket.
            writer.reset_for_next_response(false);
            let ok = async {
                writer.write_status(200, None).await?;
                writer.end_headers(true, None).await?;
                writer.flush().await
            }
            .await
            .is_ok();
            log_request(&head.method, &head.target, writer, started);
            if !ok || client_close {
                break;
            }
            if tls_after_connect {
                return LoopEnd::StartTls;
            }
            continue;
        }

        let body = match body::read_body(input, framing, settings).await {
            Ok(b) => b,
            Err(BodyError::Io) => break,
            Err(e) => {
                let _ = send_body_error(writer, &e).await;
                log_request(&head.method, &head.target, writer, started);
                return LoopEnd::CloseAfterError;
            }
        };
        // A request framed by both Transfer-Encoding and Content-Length is a smuggling risk: serve
        // it, then close (RFC 9112 §6.3).
        let ambiguous = matches!(framing, Framing::Chunked) && has_header(&head, b"content-length");

        let is_head = head.method == "HEAD";
        let method_for_log = head.method.clone();
        let target_for_log = head.target.clone();
        let request = build_request(head, body, info, state);
        writer.reset_for_next_response(is_head);
        crate::static_files::absent::request_scope(server::handle(state, request, writer)).await;
        let flushed = writer.flush().await.is_ok();
        writer.drop_deferred();
        log_request(&method_for_log, &target_for_log, writer, started);

        let keep = flushed
            && !client_close
            && !ambiguous
            && writer.content_written
            && writer.has_content_length
            && !writer.close_connection;
        if !keep {
            break;
        }
    }
    LoopEnd::Close
}

/// Close our side, then discard what the client still sends for a moment, so that unread request
/// bytes do not turn our close into a reset that destroys the response in flight.
/// (A server shutting down does not wait for that.) Like nginx's `lingering_close on`, after a
/// request that was read whole the wait is skipped when nothing is left to read (no buffered
/// bytes, none arrived), so the connection's slot and memory are released at once; after an error
/// answer (`after_error`: the client may still be sending) it always lingers.
async fn linger_close<R: AsyncRead + Unpin>(
    input: &mut Input<R>,
    writer: &mut ResponseWriter,
    info: &ConnInfo,
    after_error: bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    let quiet = !after_error && input.buf.is_empty();
    // On plain TCP, closing the socket sends the same FIN a shutdown would: one syscall fewer per
    // connection. TLS shuts down first, to send its close_notify.
    let plain = info.scheme == Scheme::Http;
    if quiet && plain && (writer.flush().await.is_err() || nothing_pending(input).await) {
        return;
    }
    if writer.shutdown().await.is_err() {
        return;
    }
    if quiet && !plain && nothing_pending(input).await {
        return;
    }
    linger(input, deadline, info).await;
}

/// One read that does not wait: `biased` polls the read first; if it would block, `ready` wins.
/// True when nothing was there (or the client already closed).
async fn nothing_pending<R: AsyncRead + Unpin>(input: &mut Input<R>) -> bool {
    tokio::select! {
        biased;
        read = input.fill_untimed() => matches!(read, Ok(0) | Err(_)),
        _ = std::future::ready(()) => true,
    }
}

/// Discard what the client sends until it closes, 1 MiB, or `deadline`.
async fn linger<R: AsyncRead + Unpin>(
    input: &mut Input<R>,
    deadline: tokio::time::Instant,
    info: &ConnInfo,
) {
    let discard = async {
        let mut discarded = 0usize;
        while discarded < 1024 * 1024 {
            input.buf.clear();
            match input.fill(deadline).await {
                Ok(0) | Err(_) => break,
                Ok(n) => discarded += n,
            }
        }
    };
    match info.stop.clone() {
        Some(mut stop) => {
            tokio::select! {
                _ = discard => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        }
        None => discard.await,
    }
}

fn has_header(head: &Head, name: &[u8]) -> bool {
    head.headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case(name))
}

/// Comma-separated tokens of every value of `name`, lower-cased.
fn header_has_token(head: &Head, name: &[u8], token: &[u8]) -> bool {
    head.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .flat_map(|(_, v)| v.split(|&b| b == b','))
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token))
}

/// F-H1-5/F-H1-6: `Connection: close` closes; HTTP/1.0 stays open only with `keep-alive`.
fn wants_close(head: &Head) -> bool {
    if header_has_token(head, b"connection", b"close") {
        return true;
    }
    !head.is_http11() && !header_has_token(head, b"connection", b"keep-alive")
}

fn expects_continue(head: &Head) -> bool {
    head.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(b"expect"))
        .is_some_and(|(_, v)| v.trim_ascii().eq_ignore_ascii_case(b"100-continue"))
}

fn build_request(head: Head, body: Vec<u8>, info: &ConnInfo, state: &ServerState) -> Request {
    let url = RequestUrl::compute(
        info.scheme,
        &head.target,
        head.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(b"host"))
            .map(|(_, v)| v.as_slice()),
        &info.server_host,
        info.server_port,
    );
    Request {
        method: head.method,
        target: head.target,
        version_minor: head.version_minor,
        request_line: head.request_line,
        headers: head.headers,
        body,
        client_addr: info.client_addr,
        local_addr: info.local_addr,
        scheme: info.scheme,
        url: url.url,
        path: url.path,
        query: url.query,
        url_hostname: url.hostname,
        url_port: url.port,
        route_match: Vec::new(),
        doc_root: state.config.doc_root.clone(),
        url_base: "/".to_owned(),
    }
}

fn log_request(method: &str, target: &str, writer: &ResponseWriter, started: Instant) {
    let status = writer.status.map(|s| s.to_string());
    tracing::info!(
        target: "wpthost::request",
        "{} {} {} {} {:.1}ms",
        method,
        target,
        status.as_deref().unwrap_or("-"),
        writer.bytes_written,
        started.elapsed().as_secs_f64() * 1000.0
    );
}

/// A short text response for requests we cannot serve, always closing (F-H1-10, F-H1-11).
async fn send_plain_error(
    writer: &mut ResponseWriter,
    status: u16,
    message: &str,
) -> std::io::Result<()> {
    writer.reset_for_next_response(false);
    // wptserve's table has no 431; its stdlib error page puts the message there instead.
    let reason = match status {
        431 => "Request Header Fields Too Large",
        _ => crate::http1::reason::reason_phrase(status),
    };
    // The message may quote the request line; keep the echo short.
    let message: String = message.chars().take(200).collect();
    let body = format!("{status} {reason}: {message}\n");
    writer.write_status(status, Some(reason.as_bytes())).await?;
    writer
        .write_header(b"Content-Type", b"text/plain; charset=utf-8")
        .await?;
    writer
        .write_header(b"Content-Length", body.len().to_string().as_bytes())
        .await?;
    writer.write_header(b"Connection", b"close").await?;
    writer.end_headers(true, None).await?;
    writer.write_body_bytes(body.as_bytes()).await?;
    writer.flush().await
}

async fn send_head_error(writer: &mut ResponseWriter, e: &HeadError) -> std::io::Result<()> {
    if e.status == 414 {
        // wptserve answers an over-long request line with its JSON error and closes, without a
        // `Connection: close` header (F-H1-11); the same bytes here.
        writer.reset_for_next_response(false);
        let mut response = json_error(414, "");
        response.close_connection = true;
        return write_response(writer, response, WriteOptions::default()).await;
    }
    send_plain_error(writer, e.status, &e.message).await
}

async fn send_body_error(writer: &mut ResponseWriter, e: &BodyError) -> std::io::Result<()> {
    let status = match e {
        BodyError::TooLarge => 413,
        BodyError::TimedOut => 408,
        _ => 400,
    };
    send_plain_error(writer, status, &e.to_string()).await
}
