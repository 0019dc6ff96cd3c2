//! Host-side bindings of `wit/handler.wit`. Every import is async (sleep and writes await the socket)
//! and trappable (limits end the guest).

wasmtime::component::bindgen!({
    path: "../wit",
    world: "handler",
    imports: { default: async | trappable },
    exports: { default: async },
});

// `self::` because rustdoc also passes the crate itself as `--extern wpthost`, which would make the
// generated `wpthost` module ambiguous in doctests.
pub use self::wpthost::handler::types::{Header, Request as WitRequest, RouteParam};
