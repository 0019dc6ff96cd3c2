//! Per-request store data and the host side of every WIT import: the high-level response, the
//! direct writer (wptserve's ResponseWriter, F-RS-6), timing, the stash, logging and the server
//! configuration. Limits are enforced here: a host function that finds one exceeded records why and
//! traps the guest.

use super::bindings::wpthost::handler::{
    log, response, server_config, stash, timing, types, writer,
};
use super::error::Failure;
use crate::config::Config;
use crate::http1::writer::ResponseWriter;
use crate::response::{Body, Response};
use crate::stash::{Stash, StashLockGuard};
use bytes::Bytes;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::component::ResourceTable;
use wasmtime::ResourceLimiter;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Most bytes of guest log messages kept per request; the rest is dropped (logs are not a channel
/// for unbounded output).
const MAX_LOG_BYTES: usize = 64 * 1024;
const MAX_LOG_MESSAGE: usize = 4 * 1024;

/// The high-level body as the plugin builds it.
enum BodyBuf {
    Untouched,
    /// `set-body`: framed with Content-Length.
    Framed(Vec<u8>),
    /// `append-body-chunk`: unframed, the connection closes.
    Chunks(Vec<u8>),
}

/// Memory/table/instance caps for one store. Unlike `StoreLimits` it remembers that it refused
/// growth, so a trap that follows can be reported as "memory limit" rather than a bare trap.
pub struct Limiter {
    pub memory_bytes: usize,
    pub table_elements: usize,
    pub denied_memory: bool,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.denied_memory = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= self.table_elements)
    }

    fn instances(&self) -> usize {
        200
    }
    fn tables(&self) -> usize {
        64
    }
    fn memories(&self) -> usize {
        32
    }
}

/// Everything one request's store holds.
pub struct PluginCtx {
    wasi: WasiCtx,
    table: ResourceTable,
    pub limiter: Limiter,
    response: Response,
    body: BodyBuf,
    /// The connection's writer; shared so a wall-clock timeout that drops the guest can take it back.
    pub writer: Arc<tokio::sync::Mutex<ResponseWriter>>,
    /// `write-raw` was used: the host cannot know the framing, so the connection must close.
    pub raw_used: bool,
    output_limit: u64,
    stash: Arc<Stash>,
    stash_path: String,
    stash_guard: Option<StashLockGuard>,
    config: Arc<Config>,
    started: Instant,
    pub cpu_ticks: u64,
    pub cpu_budget_ticks: u64,
    /// When the guest last came back from a `sleep`: the epoch tick that passed while it was
    /// parked is not CPU time (run.rs's epoch callback).
    pub woke_at: Option<Instant>,
    /// Why a host function (or the epoch callback) ended the guest.
    pub abort: Option<Failure>,
    /// A socket write failed: the client is gone.
    pub client_gone: Option<String>,
    /// Plugin and request, for log lines.
    pub plugin: Arc<str>,
    pub request_label: Arc<str>,
    log_bytes: usize,
}

pub struct CtxParts {
    pub wasi: WasiCtx,
    pub limiter: Limiter,
    pub writer: Arc<tokio::sync::Mutex<ResponseWriter>>,
    pub output_limit: u64,
    pub stash: Arc<Stash>,
    pub stash_path: String,
    pub config: Arc<Config>,
    pub cpu_budget_ticks: u64,
    pub plugin: Arc<str>,
    pub request_label: Arc<str>,
}

impl PluginCtx {
    pub fn new(p: CtxParts) -> Self {
        PluginCtx {
            wasi: p.wasi,
            table: ResourceTable::new(),
            limiter: p.limiter,
            response: Response::default(),
            body: BodyBuf::Untouched,
            writer: p.writer,
            raw_used: false,
            output_limit: p.output_limit,
            stash: p.stash,
            stash_path: p.stash_path,
            stash_guard: None,
            config: p.config,
            started: Instant::now(),
            cpu_ticks: 0,
            cpu_budget_ticks: p.cpu_budget_ticks,
            woke_at: None,
            abort: None,
            client_gone: None,
            plugin: p.plugin,
            request_label: p.request_label,
            log_bytes: 0,
        }
    }

    /// The response the plugin built through the `response` interface.
    /// Release a stash lock the guest forgot to unlock (the instance may outlive the call a
    /// little: its teardown waits for the response to be sent).
    pub fn release_stash_lock(&mut self) {
        self.stash_guard = None;
    }

    pub fn take_response(&mut self) -> Response {
        let mut response = std::mem::take(&mut self.response);
        response.body = match std::mem::replace(&mut self.body, BodyBuf::Untouched) {
            BodyBuf::Untouched => Body::default(),
            BodyBuf::Framed(b) => Body::Bytes(Bytes::from(b)),
            BodyBuf::Chunks(b) => Body::Unframed(Bytes::from(b)),
        };
        response
    }

    /// End the guest: a limit was exceeded.
    fn abort(&mut self, failure: Failure) -> wasmtime::Error {
        let message = failure.to_string();
        self.abort = Some(failure);
        wasmtime::Error::msg(message)
    }

    fn body_len(&self) -> u64 {
        match &self.body {
            BodyBuf::Untouched => 0,
            BodyBuf::Framed(b) | BodyBuf::Chunks(b) => b.len() as u64,
        }
    }

    /// Trap if `more` bytes would take the response past the output limit.
    fn charge(&mut self, already: u64, more: usize) -> wasmtime::Result<()> {
        if already.saturating_add(more as u64) > self.output_limit {
            return Err(self.abort(Failure::OutputLimit(self.output_limit)));
        }
        Ok(())
    }

    /// A failed socket write: the client is gone; the guest gets an error and later writes fail fast.
    fn gone(&mut self, e: std::io::Error) -> String {
        let message = format!("connection closed: {e}");
        self.client_gone.get_or_insert(message.clone());
        message
    }
}

impl WasiView for PluginCtx {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for PluginCtx {}

impl response::Host for PluginCtx {
    async fn set_status(&mut self, code: u16, reason: Option<Vec<u8>>) -> wasmtime::Result<()> {
        self.response.status = code;
        self.response.reason = reason;
        Ok(())
    }

    async fn set_header(&mut self, name: Vec<u8>, value: Vec<u8>) -> wasmtime::Result<()> {
        self.charge(self.body_len(), name.len() + value.len())?;
        self.response.headers.set(name, value);
        Ok(())
    }

    async fn append_header(&mut self, name: Vec<u8>, value: Vec<u8>) -> wasmtime::Result<()> {
        self.charge(self.body_len(), name.len() + value.len())?;
        self.response.headers.append(name, value);
        Ok(())
    }

    async fn delete_header(&mut self, name: Vec<u8>) -> wasmtime::Result<()> {
        self.response.headers.remove(&name);
        Ok(())
    }

    async fn set_body(&mut self, body: Vec<u8>) -> wasmtime::Result<()> {
        self.charge(0, body.len())?;
        self.body = BodyBuf::Framed(body);
        Ok(())
    }

    async fn append_body_chunk(&mut self, chunk: Vec<u8>) -> wasmtime::Result<()> {
        self.charge(self.body_len(), chunk.len())?;
        self.body = match std::mem::replace(&mut self.body, BodyBuf::Untouched) {
            BodyBuf::Untouched => BodyBuf::Chunks(chunk),
            // A list body after a string body: wptserve would send both, unframed.
            BodyBuf::Framed(mut b) | BodyBuf::Chunks(mut b) => {
                b.extend_from_slice(&chunk);
                BodyBuf::Chunks(b)
            }
        };
        Ok(())
    }

    async fn set_add_required_headers(&mut self, value: bool) -> wasmtime::Result<()> {
        self.response.add_required_headers = value;
        Ok(())
    }

    async fn set_send_body_for_head(&mut self, value: bool) -> wasmtime::Result<()> {
        self.response.send_body_for_head = value;
        Ok(())
    }

    async fn set_close_connection(&mut self, value: bool) -> wasmtime::Result<()> {
        self.response.close_connection = value;
        Ok(())
    }
}

/// Run one writer operation: fail fast once the client is gone, charge the output limit, map socket
/// errors to the guest's `Err`.
macro_rules! write_op {
    ($self:ident, $len:expr, |$w:ident| $op:expr) => {{
        if let Some(gone) = &$self.client_gone {
            return Ok(Err(gone.clone()));
        }
        let writer = $self.writer.clone();
        let mut $w = writer.lock().await;
        let already = $w.bytes_written;
        $self.charge(already, $len)?;
        match $op.await {
            Ok(()) => Ok(Ok(())),
            Err(e) => Ok(Err($self.gone(e))),
        }
    }};
}

impl writer::Host for PluginCtx {
    async fn write_status(
        &mut self,
        code: u16,
        reason: Option<Vec<u8>>,
    ) -> wasmtime::Result<Result<(), String>> {
        let len = 16 + reason.as_ref().map_or(0, Vec::len);
        write_op!(self, len, |w| w.write_status(code, reason.as_deref()))
    }

    async fn write_header(
        &mut self,
        name: Vec<u8>,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), String>> {
        let len = name.len() + value.len() + 4;
        write_op!(self, len, |w| w.write_header(&name, &value))
    }

    async fn end_headers(&mut self) -> wasmtime::Result<Result<(), String>> {
        // F-RS-6: Content-Length comes from the high-level body when it is a byte string.
        let content_length = match &self.body {
            BodyBuf::Framed(b) => Some(b.len() as u64),
            _ => None,
        };
        let add = self.response.add_required_headers;
        write_op!(self, 128, |w| w.end_headers(add, content_length))
    }

    async fn write_content(&mut self, data: Vec<u8>) -> wasmtime::Result<Result<(), String>> {
        let add = self.response.add_required_headers;
        write_op!(self, data.len() + 128, |w| async {
            // F-RS-6: headers not ended yet ⇒ end them with Content-Length = this data, honouring
            // `set-add-required-headers(false)`.
            if !w.headers_ended() {
                w.end_headers(add, Some(data.len() as u64)).await?;
            }
            w.write_content(&data).await
        })
    }

    async fn write_raw(&mut self, data: Vec<u8>) -> wasmtime::Result<Result<(), String>> {
        self.raw_used = true;
        write_op!(self, data.len(), |w| w.write_raw(&data))
    }

    async fn flush(&mut self) -> wasmtime::Result<Result<(), String>> {
        write_op!(self, 0, |w| w.flush())
    }

    async fn close_connection(&mut self) -> wasmtime::Result<()> {
        self.response.close_connection = true;
        self.writer.lock().await.close_connection = true;
        Ok(())
    }
}

impl timing::Host for PluginCtx {
    async fn sleep(&mut self, ms: u64) -> wasmtime::Result<()> {
        // Delays must reach the client as delays: push what was written first.
        if self.client_gone.is_none() {
            let writer = self.writer.clone();
            let mut w = writer.lock().await;
            if let Err(e) = w.flush().await {
                drop(w);
                self.gone(e);
            }
        }
        // The request's wall-clock timeout (around the whole call) bounds this.
        crate::delay::sleep(Duration::from_millis(ms)).await;
        if ms > 0 {
            self.woke_at = Some(Instant::now());
        }
        Ok(())
    }

    async fn elapsed_ms(&mut self) -> wasmtime::Result<u64> {
        Ok(self.started.elapsed().as_millis() as u64)
    }
}

impl stash::Host for PluginCtx {
    async fn put(
        &mut self,
        key: String,
        value: Vec<u8>,
        path: Option<String>,
    ) -> wasmtime::Result<Result<(), String>> {
        let path = path.as_deref().unwrap_or(&self.stash_path);
        Ok(self.stash.put(&key, value, path).map_err(|e| e.to_string()))
    }

    async fn take(
        &mut self,
        key: String,
        path: Option<String>,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, String>> {
        let path = path.as_deref().unwrap_or(&self.stash_path);
        Ok(self.stash.take(&key, path).map_err(|e| e.to_string()))
    }

    async fn lock(&mut self) -> wasmtime::Result<Result<(), String>> {
        // Not re-entrant in wptserve either, but waiting on our own lock would only burn the wall
        // budget: a second `lock` by the holder succeeds at once.
        if self.stash_guard.is_none() {
            self.stash_guard = Some(self.stash.lock().await);
        }
        Ok(Ok(()))
    }

    async fn unlock(&mut self) -> wasmtime::Result<()> {
        self.stash_guard = None;
        Ok(())
    }
}

impl log::Host for PluginCtx {
    async fn log(&mut self, level: log::Level, message: String) -> wasmtime::Result<()> {
        if self.log_bytes >= MAX_LOG_BYTES {
            return Ok(());
        }
        let mut text: String = message.chars().take(MAX_LOG_MESSAGE).collect();
        self.log_bytes += text.len();
        if text.len() < message.len() {
            text.push_str(" [truncated]");
        }
        let text = text.escape_debug().to_string();
        let (plugin, request) = (&*self.plugin, &*self.request_label);
        match level {
            log::Level::Debug => tracing::debug!(plugin, request, "plugin log: {text}"),
            log::Level::Info => tracing::info!(plugin, request, "plugin log: {text}"),
            log::Level::Warn => tracing::warn!(plugin, request, "plugin log: {text}"),
            log::Level::Error => tracing::error!(plugin, request, "plugin log: {text}"),
        }
        Ok(())
    }
}

impl server_config::Host for PluginCtx {
    async fn config_json(&mut self) -> wasmtime::Result<String> {
        Ok(self.config.template_value.to_string())
    }

    async fn browser_host(&mut self) -> wasmtime::Result<String> {
        Ok(self.config.browser_host.clone())
    }

    async fn ports(&mut self, scheme: String) -> wasmtime::Result<Vec<u16>> {
        Ok(self.config.ports.get(&scheme).cloned().unwrap_or_default())
    }
}
