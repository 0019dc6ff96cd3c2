//! `wpthost serve`: validate everything, bind every port (or none), print where it listens, run
//! until Ctrl-C or SIGTERM, then stop accepting and end the connections.

use super::args::ServeArgs;
use super::overrides;
use crate::config::Config;
use crate::event_loops::{self, EventLoops};
use crate::listener;
use crate::server::ServerState;
use anyhow::Context;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

/// How long open connections get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

pub(crate) fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = overrides::load(&args.config, &args.overrides()?)?;
    init_logging(&config);
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    if let Some(limit) = super::fd_limit::raise() {
        if limit < config.server.max_connections as u64 {
            tracing::warn!(
                "the open-file limit ({limit}) is below wpthost.max_connections ({}): past it,                  new connections wait",
                config.server.max_connections
            );
        }
    }
    let threads = match config.server.threads {
        0 => event_loops::default_count(),
        n => n,
    };
    let loops = EventLoops::start(threads).context("cannot start the event loops")?;
    tracing::info!("{threads} event loop(s) serving connections");
    // This thread only waits for signals; connections are served by the loops.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(run(Arc::new(config), &loops));
    // Blocking file reads still in flight must not hold the exit up.
    drop(loops);
    runtime.shutdown_timeout(Duration::from_millis(500));
    result
}

async fn run(config: Arc<Config>, loops: &EventLoops) -> anyhow::Result<()> {
    // Signal handlers go in first: a SIGTERM right after the banner must still be a clean stop.
    let signals = Signals::install()?;
    let state = Arc::new(ServerState::new(config.clone()).context("cannot set up the server")?);
    let server =
        listener::start_on(state.clone(), &loops.handles()).context("cannot start listening")?;
    let tls_lines = state
        .tls
        .as_ref()
        .map(|tls| tls.startup_lines())
        .unwrap_or_default();
    print_banner(&config, &server.bound(), &tls_lines);
    super::subdomains::spawn_check(config.clone());
    let handle = server.shutdown_handle();
    let signal = signals.wait().await;
    tracing::info!("{signal}: shutting down");
    handle.shutdown();
    if tokio::time::timeout(SHUTDOWN_GRACE, server.wait())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {SHUTDOWN_GRACE:?}; exiting anyway");
    }
    Ok(())
}

/// The URLs to open and, with TLS, what a browser needs to trust it (CA path, SPKI hash), on
/// stdout (flushed, so scripts and tests can wait for the last line).
fn print_banner(config: &Config, bound: &[(String, std::net::SocketAddr)], tls_lines: &[String]) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "wpthost serving {}", config.doc_root.display());
    for (scheme, addr) in bound {
        let _ = writeln!(
            out,
            "  {scheme}://{}:{}/  (listening on {addr})",
            config.browser_host,
            addr.port()
        );
    }
    for line in tls_lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "Press Ctrl-C to stop.");
    let _ = out.flush();
}

/// `logging.level` (or `--verbose`) unless RUST_LOG says otherwise; wasmtime's and cranelift's
/// own chatter stays at warn.
fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let level = match config.logging.level.as_str() {
        "DEBUG" => "debug",
        "WARNING" | "WARN" => "warn",
        "ERROR" | "CRITICAL" => "error",
        _ => "info",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(format!(
            "{level},wasmtime=warn,cranelift_codegen=warn,wasmtime_cranelift=warn"
        ))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Ctrl-C (SIGINT) and SIGTERM, registered up front.
#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn install() -> anyhow::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt()).context("cannot handle SIGINT")?,
            terminate: signal(SignalKind::terminate()).context("cannot handle SIGTERM")?,
        })
    }

    async fn wait(mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "interrupted",
            _ = self.terminate.recv() => "terminated",
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn install() -> anyhow::Result<Signals> {
        Ok(Signals)
    }

    async fn wait(self) -> &'static str {
        let _ = tokio::signal::ctrl_c().await;
        "interrupted"
    }
}
