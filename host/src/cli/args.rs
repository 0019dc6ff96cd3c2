//! Command-line syntax. Every option of `serve` overrides the config file key named in its help.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "wpthost",
    version,
    about = "A web-platform-tests server (wptserve re-created in Rust) with sandboxed WebAssembly handlers",
    long_about = None,
    bin_name = "wpthost",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve a document root over HTTP until Ctrl-C or SIGTERM.
    Serve(ServeArgs),
    /// Print /etc/hosts entries for every configured domain (like `wpt make-hosts-file`).
    MakeHostsFile(HostsArgs),
    /// Print the computed configuration (the values `{{...}}` substitutions see) as JSON.
    ShowConfig(ConfigArgs),
}

/// Where the configuration comes from.
#[derive(Debug, Clone, Args, Default)]
pub struct ConfigArgs {
    /// A wptserve-style config.json; relative paths in it resolve against its directory.
    /// Without it, wptserve's defaults apply with the current directory as base.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Directory to serve (config key `doc_root`; default: the current directory).
    #[arg(long, visible_alias = "doc_root", value_name = "DIR")]
    pub doc_root: Option<PathBuf>,
    /// Port for plain HTTP: replaces the configured `ports.http` list. A number or "auto"; repeat
    /// the option for several listeners.
    #[arg(long, short = 'p', value_name = "N|auto")]
    pub port: Vec<String>,
    /// Host name tests use to reach the server (config key `browser_host`, default "localhost").
    #[arg(long, value_name = "H")]
    pub host: Option<String>,
    /// Address to listen on (config key `server_host`; default: browser_host).
    #[arg(long, value_name = "ADDR")]
    pub server_host: Option<String>,
    /// Listen on every interface instead of only server_host (config `"bind_address": false`).
    #[arg(long)]
    pub bind_all: bool,
    /// Delay every request by this many milliseconds before its handler runs (F-H1-17).
    #[arg(long, value_name = "MS")]
    pub latency: Option<u64>,
    /// Directory of WebSocket handlers (config key `ws_doc_root`).
    #[arg(long, visible_alias = "ws_doc_root", value_name = "DIR")]
    pub ws_doc_root: Option<PathBuf>,
    /// Script injected into every text/html response (config key `inject_script`).
    #[arg(long, value_name = "FILE")]
    pub inject_script: Option<PathBuf>,
    /// File of extra mount points, one `/url-path/, local-dir` per line (appended to `aliases`).
    #[arg(long, visible_alias = "alias_file", value_name = "FILE")]
    pub alias_file: Option<PathBuf>,
    /// Give static files a Content-Length and keep connections alive (`wpthost.static_content_length`).
    #[arg(long)]
    pub static_content_length: bool,
    /// Threads serving connections, each with its own event loop (`wpthost.threads`; default:
    /// one per CPU).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Log at debug level (config `logging.level`; RUST_LOG, when set, wins).
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

#[derive(Debug, Clone, Args)]
pub struct HostsArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Address the host names should resolve to.
    #[arg(long, default_value = "127.0.0.1", value_name = "IP")]
    pub address: String,
    /// Host name to list (config key `browser_host`).
    #[arg(long, value_name = "H")]
    pub host: Option<String>,
}
