//! wptserve route patterns (F-RT-1..5). (Skeleton; the static helper owns this file.)

/// Built-in handler kinds a route can point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerKind {
    File,
    AsIs,
    /// Always answer with this JSON error status and an empty message (forbidden paths, F-SV-1).
    Error(u16),
}

pub struct Router {}

impl Router {
    /// The route table of standalone wptserve: `GET *.asis`, `GET *` (F-RT, §1.3).
    pub fn wptserve_default() -> Self {
        Router {}
    }

    /// First matching route for `method` and the raw URL `path`: its handler and the route match.
    pub fn resolve(&self, method: &str, path: &str) -> Option<(HandlerKind, Vec<(String, String)>)> {
        let _ = (method, path);
        None
    }
}
