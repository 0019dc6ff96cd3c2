//! Accept loops, one per configured http and https port and event loop (`event_loops`), all
//! serving the same `ServerState`.
//! An https connection handshakes in its own task (a stalled client holds up nobody, F-TL-3), then
//! runs the same HTTP/1.1 connection loop over the TLS stream.

use crate::http1::connection::{
    serve_connection, serve_connection_tls_after_connect, serve_tcp_connection, ConnInfo,
};
use crate::request::Scheme;
use crate::server::ServerState;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

#[derive(Debug, thiserror::Error)]
pub enum ListenerError {
    #[error("listener::start must run inside a tokio runtime")]
    NoRuntime,
    #[error("cannot resolve the bind address {host:?}: {source}")]
    Resolve {
        host: String,
        source: std::io::Error,
    },
    #[error("cannot bind {scheme} port {addr}: {source}")]
    Bind {
        scheme: String,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("no http or https port is configured")]
    NoPorts,
}

/// How long requests in flight may take to finish once shutdown has begun.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// The listeners of a started server. Dropping it stops the server as `shutdown` does.
pub struct RunningServer {
    bound: Vec<(String, SocketAddr)>,
    stop: watch::Sender<bool>,
    loops: Vec<JoinHandle<()>>,
}

/// Stops a server from anywhere (signal handlers, tests) while someone awaits `wait`.
#[derive(Clone)]
pub struct ShutdownHandle {
    stop: watch::Sender<bool>,
}

impl ShutdownHandle {
    pub fn shutdown(&self) {
        let _ = self.stop.send(true);
    }
}

/// Bind every configured http port (all of them or none: a port that cannot be bound is an error
/// naming it) and start accepting, on the current tokio runtime.
pub fn start(state: Arc<ServerState>) -> Result<RunningServer, ListenerError> {
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| ListenerError::NoRuntime)?;
    start_on(state, std::slice::from_ref(&runtime))
}

/// `start` with every port listened on by each of `loops` (`event_loops`): one listening socket
/// per loop and port, the kernel spreading new connections among them.
pub fn start_on(
    state: Arc<ServerState>,
    loops: &[tokio::runtime::Handle],
) -> Result<RunningServer, ListenerError> {
    let Some(first_loop) = loops.first() else {
        return Err(ListenerError::NoRuntime);
    };
    let mut ports = state.config.http_ports();
    if state.tls.is_some() {
        ports.extend(https_ports(&state.config));
    }
    if ports.is_empty() {
        return Err(ListenerError::NoPorts);
    }
    let ip = resolve_bind_host(state.config.bind_host())?;
    let mut listeners = Vec::new();
    for (scheme, port) in ports {
        let addr = SocketAddr::new(ip, port);
        let bind_err = |source| ListenerError::Bind {
            scheme: scheme.clone(),
            addr,
            source,
        };
        let group = bind_group(addr, loops).map_err(bind_err)?;
        let local = group[0].1.local_addr().map_err(bind_err)?;
        listeners.push((scheme, local, group));
    }
    let (stop, stop_rx) = watch::channel(false);
    // One budget for all listeners: `max_connections` bounds the server, not each port.
    let slots = Arc::new(Semaphore::new(state.config.server.max_connections));
    // Accept loops waiting for a slot; idle kept-alive connections watch it (ConnInfo::crowded).
    let crowded = Arc::new(watch::channel(0usize).0);
    let mut bound = Vec::new();
    let mut loops = Vec::new();
    if let Some(tls) = &state.tls {
        for line in tls.startup_lines() {
            tracing::info!("{line}");
        }
        let _guard = first_loop.enter();
        tls.spawn_renewal();
    }
    for (scheme, local, group) in listeners {
        tracing::info!("listening on {scheme}://{local}");
        bound.push((scheme.clone(), local));
        for (event_loop, listener) in group {
            loops.push(event_loop.spawn(accept_loop(
                listener,
                scheme.clone(),
                local,
                state.clone(),
                Slots {
                    permits: slots.clone(),
                    crowded: crowded.clone(),
                },
                stop_rx.clone(),
            )));
        }
    }
    Ok(RunningServer { bound, stop, loops })
}

/// One listening socket on `addr` per event loop, each registered with its loop's reactor.
/// Several loops share the port through `SO_REUSEPORT`. Any socket of the same user that sets it
/// could join such a group unnoticed, so a plain bind first checks that nobody holds the port: a
/// second server on the same port still fails with "address in use". Port 0 (any free port) is
/// listened on by the first loop only: the kernel would not keep others from its pick.
fn bind_group(
    addr: SocketAddr,
    loops: &[tokio::runtime::Handle],
) -> std::io::Result<Vec<(tokio::runtime::Handle, TcpListener)>> {
    // Linux spreads connections over a group's sockets; other systems' SO_REUSEPORT may hand them
    // all to one socket, so there the first loop alone listens.
    let shared = cfg!(target_os = "linux") && loops.len() > 1 && addr.port() != 0;
    if shared {
        drop(std::net::TcpListener::bind(addr)?);
    }
    let members = if shared { loops } else { &loops[..1] };
    members
        .iter()
        .map(|event_loop| {
            let _guard = event_loop.enter();
            Ok((event_loop.clone(), bind_listener(addr, shared)?))
        })
        .collect()
}

/// Connections the kernel may hold completed but not yet accepted. std's `bind` asks for 128,
/// which a burst of 1,000 clients (a test page opening many connections at once) overflows: the
/// kernel then drops handshakes and clients wait for a SYN retransmit. wptserve asks for 2,000;
/// the kernel caps this at `net.core.somaxconn` anyway.
const LISTEN_BACKLOG: u32 = 4096;

fn bind_listener(addr: SocketAddr, reuse_port: bool) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // As std's bind does on Unix: a restarted server can take its port back at once.
    socket.set_reuseaddr(true)?;
    if reuse_port {
        set_reuse_port(&socket)?;
    }
    // Linux copies TCP_NODELAY to every accepted socket: one setsockopt here instead of one per
    // connection (see `accept_loop`).
    socket.set_nodelay(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

#[cfg(target_os = "linux")]
fn set_reuse_port(socket: &tokio::net::TcpSocket) -> std::io::Result<()> {
    socket.set_reuseport(true)
}

/// Only one loop listens elsewhere (`bind_group`); never called there.
#[cfg(not(target_os = "linux"))]
fn set_reuse_port(_socket: &tokio::net::TcpSocket) -> std::io::Result<()> {
    Err(std::io::Error::other("SO_REUSEPORT is not available"))
}

/// The https ports (`https`, `https-local`, `https-public`), in configuration order.
fn https_ports(config: &crate::config::Config) -> Vec<(String, u16)> {
    config
        .ports
        .iter()
        .filter(|(scheme, _)| *scheme == "https" || scheme.starts_with("https-"))
        .flat_map(|(scheme, list)| list.iter().map(move |p| (scheme.clone(), *p)))
        .collect()
}

/// `server_host` may be a name ("localhost", "web-platform.test"); wptserve binds its first address.
/// IPv4 is preferred so that "localhost" means 127.0.0.1 as it does for most clients and tests.
fn resolve_bind_host(host: &str) -> Result<std::net::IpAddr, ListenerError> {
    let trimmed = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = trimmed.parse() {
        return Ok(ip);
    }
    let resolve_err = |source| ListenerError::Resolve {
        host: host.to_owned(),
        source,
    };
    let addrs: Vec<SocketAddr> = (host, 0).to_socket_addrs().map_err(resolve_err)?.collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .map(|a| a.ip())
        .ok_or_else(|| {
            resolve_err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no addresses",
            ))
        })
}

/// The connection budget shared by every listener.
struct Slots {
    permits: Arc<Semaphore>,
    crowded: Arc<watch::Sender<usize>>,
}

impl Slots {
    /// A permit; while none is free, idle kept-alive connections are asked to close.
    async fn acquire(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            return Some(permit);
        }
        self.crowded.send_modify(|waiting| *waiting += 1);
        // Counted down however the wait ends, a cancelled one included.
        let _waiting = Waiting(&self.crowded);
        self.permits.clone().acquire_owned().await.ok()
    }
}

struct Waiting<'a>(&'a watch::Sender<usize>);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0
            .send_modify(|waiting| *waiting = waiting.saturating_sub(1));
    }
}

async fn accept_loop(
    listener: TcpListener,
    scheme_name: String,
    local: SocketAddr,
    state: Arc<ServerState>,
    slots: Slots,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    let server_host = local.ip().to_string();
    let tls = if scheme_name.starts_with("https") {
        state.tls.clone()
    } else {
        None
    };
    // wptserve's self-proxy mode: the https port speaks plain HTTP until a CONNECT (F-H1-13).
    let tls_after_connect = state.config.ssl.encrypt_after_connect;
    let scheme = if tls.is_some() {
        Scheme::Https
    } else {
        Scheme::Http
    };
    loop {
        if *stop.borrow() {
            break;
        }
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = stop.changed() => break,
        };
        while connections.try_join_next().is_some() {}
        let (socket, client_addr) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors and similar: back off instead of spinning.
                tracing::warn!("accept on {local}: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // At `max_connections`, the client just accepted waits unserved until a connection ends,
        // and this listener accepts nobody else meanwhile: later clients wait in the kernel's
        // listen backlog (then their SYNs go unanswered and they retry) rather than being
        // accepted and closed, so a burst just above the limit is slowed, not failed. Taking the
        // slot after the accept, not before, gives it to a listener that has a client: the
        // listeners of one port (one per event loop) share the slots, and a slot taken by one
        // whose backlog is empty would leave another's client waiting.
        let slot = tokio::select! {
            s = slots.acquire() => match s {
                Some(s) => s,
                None => break,
            },
            _ = stop.changed() => break,
        };
        // Responses are buffered and written whole; Nagle would only delay pipelined answers.
        // Linux sockets inherit it from the listener (`bind_listener`).
        if !cfg!(target_os = "linux") {
            let _ = socket.set_nodelay(true);
        }
        let info = ConnInfo {
            client_addr,
            // Bound to one address, the connection's is known; only a wildcard bind must ask.
            local_addr: if local.ip().is_unspecified() {
                socket.local_addr().unwrap_or(local)
            } else {
                local
            },
            scheme,
            server_host: server_host.clone(),
            server_port: local.port(),
            stop: Some(stop.clone()),
            crowded: Some(slots.crowded.subscribe()),
        };
        let state = state.clone();
        let tls = tls.clone();
        let fut = async move {
            // Held until the connection (TLS handshake included) is over.
            let _slot = slot;
            // The TLS paths are boxed: inline, their state machines doubled the size of every
            // connection's future (16 KiB instead of 8), which is copied when it is spawned.
            match tls {
                None => serve_tcp_connection(socket, state, info).await,
                Some(tls) if tls_after_connect => {
                    Box::pin(serve_connection_tls_after_connect(socket, state, info, tls)).await
                }
                Some(tls) => {
                    Box::pin(async move {
                        match tls.accept(socket).await {
                            Ok(stream) => serve_connection(stream, state, info).await,
                            Err(e) => tracing::debug!("TLS handshake with {client_addr}: {e}"),
                        }
                    })
                    .await
                }
            }
        };
        // Boxed: the connection future is several KiB, and tokio moves a task's future and its
        // stage by value (spawn, completion, join); behind a box each move is a pointer.
        connections.spawn(Box::pin(fut));
    }
    drop(listener);
    // Idle connections close at once (they watch `stop`); requests in flight get a grace period
    // to finish their response, then whatever is left is cut off.
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        tracing::warn!("{local}: connections still busy after {SHUTDOWN_GRACE:?}, closing them");
    }
    connections.shutdown().await;
}

impl RunningServer {
    /// `(scheme, address)` of every listener, with the real port when "0" was configured.
    pub fn bound(&self) -> Vec<(String, SocketAddr)> {
        self.bound.clone()
    }

    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            stop: self.stop.clone(),
        }
    }

    /// Stop accepting, end every connection, and wait until all of it is done.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        self.wait().await;
    }

    /// Resolve once the server has been shut down (through a `ShutdownHandle`) and has stopped.
    pub async fn wait(self) {
        for handle in self.loops {
            let _ = handle.await;
        }
    }
}
