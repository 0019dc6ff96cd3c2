//! WebAssembly handler plugins. (Skeleton; the plugin helper owns this module.)

use crate::config::Config;
use crate::http1::writer::ResponseWriter;
use crate::request::Request;
use crate::server::Handled;
use crate::stash::Stash;
use std::sync::Arc;

/// A plugin route that governs a request (nearest manifest, first matching route).
pub struct PluginMatch {
    pub route_match: Vec<(String, String)>,
}

pub struct PluginHost {}

impl PluginHost {
    pub fn new(config: Arc<Config>, stash: Arc<Stash>) -> Self {
        let _ = (config, stash);
        PluginHost {}
    }

    /// The plugin route governing this request, if the nearest manifest has one that matches.
    pub async fn resolve(&self, request: &Request) -> Option<PluginMatch> {
        let _ = request;
        None
    }

    /// Run the plugin. Failures are turned into a JSON 500 (nothing sent yet) or a closed connection.
    pub async fn handle(
        &self,
        matched: PluginMatch,
        request: &Request,
        writer: &mut ResponseWriter,
    ) -> Handled {
        let _ = (matched, request, writer);
        Handled::Written
    }
}
