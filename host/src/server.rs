//! The request's path through the server: rewrite -> latency -> plugin manifest or router ->
//! handler -> pipes -> writer. The http1 connection loop calls `handle` once per request.
//!
//! Module APIs called here are the contract between the modules: change them only together with
//! their callers.

use crate::config::Config;
use crate::environment::{Environment, Mounted};
use crate::errors::{internal_error, json_error};
use crate::http1::respond::{write_response, WriteOptions};
use crate::http1::writer::ResponseWriter;
use crate::plugins::PluginHost;
use crate::request::Request;
use crate::response::Response;
use crate::router::{HandlerKind, Router};
use crate::stash::Stash;
use crate::static_files::StaticFiles;
use crate::tls::TlsSetup;
use std::sync::Arc;

/// What a handler produced.
pub enum Handled {
    /// A response to finish: pipes apply (with `.sub.` detection on `sub_path`, a file-system path or
    /// script path, F-ST-7), then it is written with the required headers.
    Response {
        response: Response,
        sub_path: Option<String>,
    },
    /// Already written through the writer (`.asis`, plugin direct writes): pipes never apply (F-PP-7).
    Written,
    /// A finished response written without pipes: wptserve's errors (`set_error` after an exception)
    /// and its directory redirect and listing never reach `wrap_pipeline`.
    Unpiped(Response),
}

impl Handled {
    /// A response with no `.sub.` path (errors, generated content).
    pub fn plain(response: Response) -> Handled {
        Handled::Response {
            response,
            sub_path: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot set up the server: {0}")]
    Setup(String),
    /// The https ports cannot start: the message names the certificate file or setting.
    #[error("TLS: {0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("{0}")]
    Environment(#[from] crate::environment::EnvironmentError),
}

/// Everything shared by all connections of all listeners.
pub struct ServerState {
    pub config: Arc<Config>,
    pub router: Router,
    pub static_files: StaticFiles,
    pub plugins: PluginHost,
    pub stash: Arc<Stash>,
    /// Certificate and acceptor for the https ports; `None` when there are none (or ssl is "none").
    pub tls: Option<Arc<TlsSetup>>,
    /// The `wpt serve` layer: forbidden paths, mount points, wrappers, script injection.
    pub environment: Environment,
}

impl ServerState {
    /// Everything is loaded up front (certificates included), so a broken setting stops start-up
    /// with a message instead of failing on the first connection.
    pub fn new(config: Arc<Config>) -> Result<ServerState, ServerError> {
        let tls = crate::tls::load_or_create(&config)?.map(Arc::new);
        let environment = Environment::new(config.clone())?;
        let stash = Arc::new(Stash::default());
        Ok(ServerState {
            tls,
            environment,
            router: Router::wptserve_default(),
            static_files: StaticFiles::new(config.clone()),
            plugins: PluginHost::new(config.clone(), stash.clone()),
            stash,
            config,
        })
    }
}

/// Serve one request. Afterwards `writer.close_connection` tells the connection loop whether to go on.
pub async fn handle(state: &ServerState, mut request: Request, writer: &mut ResponseWriter) {
    rewrite_request(&mut request);
    // F-H1-17: wptserve sleeps after routing, before the handler; nothing observable differs.
    if !state.config.server.latency.is_zero() {
        crate::delay::sleep(state.config.server.latency).await;
    }
    let handled = dispatch(state, &mut request, writer).await;
    finish(state, handled, &request, writer).await;
}

/// The request rewriter of wptserve's `serve.py` (F-RT-6): `wpt serve` registers exactly one rule,
/// and wpthost serves the `wpt serve` environment.
fn rewrite_request(request: &mut Request) {
    rewrite_webidl_parser(request, true);
}

/// `GET /resources/WebIDLParser.js` (exact path, query kept) becomes the webidl2 library path,
/// visible to handlers as the request target.
pub fn rewrite_webidl_parser(request: &mut Request, enabled: bool) {
    const FROM: &str = "/resources/WebIDLParser.js";
    const TO: &str = "/resources/webidl2/lib/webidl2.js";
    if !enabled || request.method != "GET" || request.path != FROM {
        return;
    }
    request.target = request.target.replacen(FROM, TO, 1);
    request.url = request.url.replacen(FROM, TO, 1);
    request.path = TO.to_owned();
}

async fn dispatch(
    state: &ServerState,
    request: &mut Request,
    writer: &mut ResponseWriter,
) -> Handled {
    // serve.py's order: forbidden routes, then the mount point's route block (wrappers, scripts —
    // here plugins —, `.asis`, files).
    if let Some(handled) = state.environment.forbidden(request) {
        return handled;
    }
    let mounted = state.environment.mount(request);
    if let Mounted::File(aimed) = &mounted {
        return state.static_files.serve_file(aimed).await;
    }
    if let Mounted::Dir = mounted {
        if let Some(handled) = state.environment.wrapper(request).await {
            return handled;
        }
    }
    if let Some(matched) = state.plugins.resolve(request) {
        request.route_match = matched.route_match.clone();
        return state.plugins.handle(matched, request, writer).await;
    }
    if let Mounted::None = mounted {
        // F-RT-5: no route takes it.
        return Handled::Unpiped(json_error(404, ""));
    }
    match state.router.resolve(&request.method, &request.path) {
        Some((kind, route_match)) => {
            request.route_match = route_match;
            match kind {
                HandlerKind::File => state.static_files.serve_file(request).await,
                HandlerKind::AsIs => state.static_files.serve_asis(request, writer).await,
                // wptserve's ErrorHandler and the missing route call `set_error`: no pipes.
                HandlerKind::Error(code) => Handled::Unpiped(json_error(code, "")),
            }
        }
        // F-RT-5: no route at all.
        None => Handled::Unpiped(json_error(404, "")),
    }
}

/// Pipes, then the writer. A handler that already wrote is done; one that wrote nothing at all
/// leaves the client without an answer, so the connection closes.
async fn finish(
    state: &ServerState,
    handled: Handled,
    request: &Request,
    writer: &mut ResponseWriter,
) {
    // `None`: no pipes at all; `Some(sub_path)`: pipes with `.sub.` detection on `sub_path`.
    let (response, pipes) = match handled {
        Handled::Written => {
            if !writer.content_written {
                writer.close_connection = true;
            }
            return;
        }
        Handled::Response { response, sub_path } => (response, Some(sub_path)),
        Handled::Unpiped(response) => (response, None),
    };
    if writer.content_written {
        // Part of a response already went out; a second one would corrupt the stream.
        writer.close_connection = true;
        return;
    }
    let response = match pipes {
        None => response,
        Some(sub_path) => {
            match crate::pipes::apply(response, request, sub_path.as_deref(), &state.config).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!("pipe error for {}: {e}", request.url);
                    internal_error(500, &request.url, &e.to_string())
                }
            }
        }
    };
    // F-SV-6: serve.py's injector wraps the handlers, so it sees their finished responses.
    let response = state.environment.inject(response).await;
    let options = WriteOptions {
        is_head: request.is_head(),
        file_content_length: state.config.server.static_content_length,
    };
    if let Err(e) = write_response(writer, response, options).await {
        tracing::debug!("writing response to {}: {e}", request.client_addr);
        writer.close_connection = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Scheme;

    fn request(method: &str, target: &str) -> Request {
        let url =
            crate::http1::url::RequestUrl::compute(Scheme::Http, target, None, "127.0.0.1", 80);
        Request {
            method: method.to_owned(),
            target: target.to_owned(),
            version_minor: 1,
            request_line: Vec::new(),
            headers: Vec::new(),
            body: Vec::new(),
            client_addr: ([127, 0, 0, 1], 1).into(),
            local_addr: ([127, 0, 0, 1], 80).into(),
            scheme: Scheme::Http,
            url: url.url,
            path: url.path,
            query: url.query,
            url_hostname: url.hostname,
            url_port: url.port,
            route_match: Vec::new(),
            doc_root: std::path::PathBuf::new(),
            url_base: "/".to_owned(),
        }
    }

    #[test]
    fn webidl_parser_rewrite_f_rt_6() {
        let mut r = request("GET", "/resources/WebIDLParser.js?x=1");
        rewrite_webidl_parser(&mut r, true);
        assert_eq!(r.target, "/resources/webidl2/lib/webidl2.js?x=1");
        assert_eq!(r.path, "/resources/webidl2/lib/webidl2.js");
        assert_eq!(r.query, "x=1");
        let mut post = request("POST", "/resources/WebIDLParser.js");
        rewrite_webidl_parser(&mut post, true);
        assert_eq!(post.target, "/resources/WebIDLParser.js");
        let mut off = request("GET", "/resources/WebIDLParser.js");
        rewrite_webidl_parser(&mut off, false);
        assert_eq!(off.path, "/resources/WebIDLParser.js");
    }
}
