//! The request's path through the server: rewrite -> plugin manifest or router -> handler ->
//! pipes -> writer. The http1 connection loop calls `handle` once per request.
//!
//! (Skeleton; the http helper owns this file. Module APIs called here are the contract between the
//! modules: change them only together with their callers.)

use crate::config::Config;
use crate::http1::writer::ResponseWriter;
use crate::plugins::PluginHost;
use crate::request::Request;
use crate::response::Response;
use crate::router::Router;
use crate::stash::Stash;
use crate::static_files::StaticFiles;
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
}

/// Everything shared by all connections of all listeners.
pub struct ServerState {
    pub config: Arc<Config>,
    pub router: Router,
    pub static_files: StaticFiles,
    pub plugins: PluginHost,
    pub stash: Arc<Stash>,
}

/// Serve one request. Afterwards `writer.close_connection` tells the connection loop whether to go on.
pub async fn handle(state: &ServerState, request: Request, writer: &mut ResponseWriter) {
    let _ = (state, request, writer);
}
