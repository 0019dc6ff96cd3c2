//! wpthost: a web-platform-tests server whose request handlers are sandboxed WebAssembly components.
//!
//! Data flows one way: connection -> request -> route -> handler -> response -> pipes -> writer -> socket.
//! See docs/ARCHITECTURE.md for the map of modules.

pub mod cli;
pub mod config;
pub mod delay;
pub mod environment;
pub mod errors;
pub mod event_loops;
pub mod http1;
pub mod listener;
pub mod pipes;
pub mod plugins;
pub mod request;
pub mod response;
pub mod router;
pub mod server;
pub mod stash;
pub mod static_files;
pub mod template;
pub mod tls;
pub mod wrappers;
