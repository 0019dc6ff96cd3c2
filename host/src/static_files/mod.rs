//! Static serving: path mapping, files, `.headers`, listings, ranges, `.asis`.
//! (Skeleton; the static helper owns this module.)

use crate::config::Config;
use crate::http1::writer::ResponseWriter;
use crate::request::Request;
use crate::server::Handled;
use std::sync::Arc;

pub struct StaticFiles {
    pub config: Arc<Config>,
}

impl StaticFiles {
    pub fn new(config: Arc<Config>) -> Self {
        StaticFiles { config }
    }

    /// `FileHandler`: a file (with headers, ranges), a directory redirect or listing, or a JSON error.
    pub async fn serve_file(&self, request: &Request) -> Handled {
        let _ = request;
        Handled::Response {
            response: crate::errors::json_error(404, "404"),
            sub_path: None,
        }
    }

    /// `AsIsHandler`: the file's bytes are the whole response; the connection closes.
    pub async fn serve_asis(&self, request: &Request, writer: &mut ResponseWriter) -> Handled {
        let _ = (request, writer);
        Handled::Written
    }
}
