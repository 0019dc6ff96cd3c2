//! One request through one plugin: a fresh store and instance, the CPU budget (epoch callbacks that
//! yield), the wall-clock budget (a timeout around everything, sleeps included), then the outcome:
//! a response to pipe, bytes already written, or a failure that costs only this response.

use super::bindings::{Header, RouteParam, WitRequest};
use super::ctx::{CtxParts, Limiter, PluginCtx};
use super::error::Failure;
use super::manifest::ManifestEntry;
use super::output::CapturedOutput;
use super::registry::Loaded;
use super::settings::PluginSettings;
use crate::config::Config;
use crate::errors::internal_error;
use crate::http1::writer::ResponseWriter;
use crate::request::Request;
use crate::server::Handled;
use crate::stash::Stash;
use std::sync::Arc;
use wasmtime::{Engine, Store, UpdateDeadline};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

/// What `run` needs from the host besides the request.
pub struct RunEnv<'a> {
    pub engine: &'a Engine,
    pub settings: &'a PluginSettings,
    pub config: &'a Arc<Config>,
    pub stash: &'a Arc<Stash>,
}

fn wit_request(request: &Request, route_match: &[(String, String)]) -> WitRequest {
    WitRequest {
        method: request.method.as_bytes().to_vec(),
        target: request.target.as_bytes().to_vec(),
        path: request.path.as_bytes().to_vec(),
        query: request.query.as_bytes().to_vec(),
        version: format!("HTTP/1.{}", request.version_minor).into_bytes(),
        headers: request
            .headers
            .iter()
            .map(|(n, v)| Header {
                name: n.clone(),
                value: v.clone(),
            })
            .collect(),
        body: request.body.clone(),
        client_address: request.client_addr.to_string(),
        scheme: request.scheme.as_str().to_string(),
        url: request.url.clone(),
        route_match: route_match
            .iter()
            .map(|(name, value)| RouteParam {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
        url_base: request.url_base.clone(),
    }
}

/// Sandboxed WASI: no preopens, env, args, network or stdin; stdout/stderr captured. The only
/// capability a manifest can add is a read-only view of the document root (the mounted directory,
/// for a plugin under an alias).
fn wasi_ctx(
    doc_root: &std::path::Path,
    entry: &ManifestEntry,
    stdout: &CapturedOutput,
    stderr: &CapturedOutput,
) -> Result<wasmtime_wasi::WasiCtx, String> {
    let mut b = WasiCtxBuilder::new();
    b.stdout(stdout.clone())
        .stderr(stderr.clone())
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false);
    if entry.capabilities.read_doc_root {
        b.preopened_dir(doc_root, "/", FsPerms::ReadOnly)
            .map_err(|e| format!("cannot grant read-doc-root: {e}"))?;
    }
    Ok(b.build())
}

/// Map a wasmtime error from instantiate/call to its cause, preferring what the host recorded.
fn classify(ctx: &PluginCtx, entry: &ManifestEntry, e: &wasmtime::Error) -> Failure {
    if let Some(f) = &ctx.abort {
        return f.clone();
    }
    if let Some(trap) = e.downcast_ref::<wasmtime::Trap>() {
        if *trap == wasmtime::Trap::StackOverflow {
            return Failure::StackOverflow;
        }
        if ctx.limiter.denied_memory {
            return Failure::Memory(entry.limits.memory_bytes);
        }
        return Failure::Trap(trap.to_string());
    }
    if ctx.limiter.denied_memory {
        return Failure::Memory(entry.limits.memory_bytes);
    }
    Failure::Trap(e.root_cause().to_string())
}

/// Run the plugin for `request`, writing through `writer` (moved into the store while the guest runs
/// and always put back).
pub async fn run(
    env: RunEnv<'_>,
    loaded: Arc<Loaded>,
    entry: &ManifestEntry,
    route_match: &[(String, String)],
    request: &Request,
    writer: &mut ResponseWriter,
) -> Handled {
    let plugin: Arc<str> = Arc::from(entry.display_name.as_str());
    let label: Arc<str> = Arc::from(format!("{} {}", request.method, request.target).as_str());
    let stdout = CapturedOutput::new(env.settings.max_captured_output);
    let stderr = CapturedOutput::new(env.settings.max_captured_output);
    let wasi = match wasi_ctx(&request.doc_root, entry, &stdout, &stderr) {
        Ok(w) => w,
        Err(e) => return fail_before_output(request, &plugin, &label, Failure::Load(e)),
    };
    let tick = env.settings.epoch_tick.as_nanos().max(1);
    let cpu_budget_ticks = (entry.limits.cpu.as_nanos() / tick).max(1) as u64;
    let shared = Arc::new(tokio::sync::Mutex::new(std::mem::replace(
        writer,
        ResponseWriter::detached(),
    )));
    let ctx = PluginCtx::new(CtxParts {
        wasi,
        limiter: Limiter {
            memory_bytes: entry.limits.memory_bytes,
            table_elements: 20_000,
            denied_memory: false,
        },
        writer: shared.clone(),
        output_limit: entry.limits.output_bytes,
        stash: env.stash.clone(),
        stash_path: request.path.clone(),
        config: env.config.clone(),
        cpu_budget_ticks,
        plugin: plugin.clone(),
        request_label: label.clone(),
    });
    let mut store = Store::new(env.engine, ctx);
    store.limiter(|ctx| &mut ctx.limiter);
    // Every tick the guest runs through costs one tick of CPU budget and yields to tokio, so a loop
    // never holds a worker; a guest parked in `sleep` is not charged.
    let cpu = entry.limits.cpu;
    let tick = env.settings.epoch_tick;
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |mut cx| {
        let data = cx.data_mut();
        // The deadline passed while the guest slept: that tick was not spent running, so it is
        // neither charged nor a reason to yield (the guest just got its turn).
        if data
            .woke_at
            .take()
            .is_some_and(|woke| woke.elapsed() < tick)
        {
            return Ok(UpdateDeadline::Continue(1));
        }
        data.cpu_ticks += 1;
        if data.cpu_ticks > data.cpu_budget_ticks {
            data.abort = Some(Failure::CpuBudget(cpu));
            return Err(wasmtime::Error::msg("CPU budget exceeded"));
        }
        Ok(UpdateDeadline::Yield(1))
    });

    let wit = wit_request(request, route_match);
    let call = async move {
        let outcome = match loaded.pre.instantiate_async(&mut store).await {
            Ok(handler) => handler
                .call_handle(&mut store, &wit)
                .await
                .map_err(|e| (e, true)),
            Err(e) => Err((e, false)),
        };
        (store, outcome)
    };
    let timed = tokio::time::timeout(entry.limits.wall, call).await;

    // Take the writer back. After a timeout the store (and its clone of `shared`) is gone already.
    let mut failure: Option<Failure> = None;
    let mut response = None;
    let mut raw_used = false;
    let mut client_gone = None;
    let mut finished_store = None;
    match timed {
        Err(_) => failure = Some(Failure::WallBudget(entry.limits.wall)),
        Ok((mut store, outcome)) => {
            let ctx = store.data_mut();
            raw_used = ctx.raw_used;
            client_gone = ctx.client_gone.clone();
            match outcome {
                Ok(Ok(())) => response = Some(ctx.take_response()),
                Ok(Err(message)) => failure = Some(Failure::Returned(message)),
                Err((e, true)) => failure = Some(classify(ctx, entry, &e)),
                Err((e, false)) => failure = Some(Failure::Instantiate(format!("{e:#}"))),
            }
            ctx.release_stash_lock();
            finished_store = Some(store);
        }
    }
    *writer = match Arc::try_unwrap(shared) {
        Ok(m) => m.into_inner(),
        // The finished store still holds its clone of `shared`; never lose the connection's writer.
        Err(shared) => std::mem::replace(&mut *shared.lock().await, ResponseWriter::detached()),
    };
    // Tearing the instance down resets its memory slot (restoring every page the guest dirtied):
    // a tenth of a Python or JavaScript request. It happens once the response has been flushed,
    // while the client reads it, instead of before the response is written.
    if let Some(store) = finished_store {
        writer.defer_drop(Box::new(store));
    }
    log_captured(&plugin, &label, "stdout", &stdout);
    log_captured(&plugin, &label, "stderr", &stderr);

    if let Some(gone) = client_gone {
        tracing::info!(plugin = %plugin, request = %label, "client disconnected: {gone}");
        writer.close_connection = true;
        return Handled::Written;
    }
    if let Some(failure) = failure {
        if writer.content_written {
            // Bytes already left: the response must not look complete. Push what the plugin wrote and
            // close the connection.
            tracing::warn!(plugin = %plugin, request = %label, sent = writer.bytes_written,
                "plugin failed after output started, closing the connection: {failure}");
            let _ = writer.flush().await;
            writer.close_connection = true;
            return Handled::Written;
        }
        return fail_before_output(request, &plugin, &label, failure);
    }
    if writer.content_written {
        // F-PP-7: direct writes bypass pipes. Raw bytes or a head without Content-Length have no
        // framing the connection can trust.
        if raw_used || !writer.has_content_length || !writer.headers_ended() {
            writer.close_connection = true;
        }
        return Handled::Written;
    }
    let response = response.unwrap_or_default();
    if response.close_connection {
        writer.close_connection = true;
    }
    // F-SB-17: wptserve runs `wrap_pipeline(path, ...)` on a Python handler's output, so a
    // `.sub.` in the handler's file name substitutes what it returned. The plugin stands in for
    // the file the request names.
    let sub_path = percent_encoding::percent_decode_str(&request.path)
        .decode_utf8_lossy()
        .into_owned();
    Handled::Response {
        response,
        sub_path: Some(sub_path),
    }
}

/// The JSON 500 of F-ER-3 with the failure as its message, and a warn line naming plugin, request
/// and reason.
pub fn fail_before_output(
    request: &Request,
    plugin: &str,
    label: &str,
    failure: Failure,
) -> Handled {
    match &failure {
        Failure::Returned(_) => {
            tracing::info!(
                plugin,
                request = label,
                "plugin returned an error: {failure}"
            )
        }
        _ => tracing::warn!(plugin, request = label, "plugin failed: {failure}"),
    }
    let message = match &failure {
        Failure::Returned(m) => m.clone(),
        other => format!("{plugin}: {other}"),
    };
    // wptserve's errors never reach the pipes.
    Handled::Unpiped(internal_error(500, &request.url, &message))
}

fn log_captured(plugin: &str, label: &str, stream: &str, out: &CapturedOutput) {
    if let Some((text, dropped)) = out.text() {
        tracing::info!(
            plugin,
            request = label,
            stream,
            dropped,
            "plugin output: {text}"
        );
    }
}
