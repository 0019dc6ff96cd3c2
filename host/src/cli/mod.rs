//! The `wpthost` command line (clap). The binary's `main` only calls [`main`]; the code lives in
//! the library so integration tests can run the same entry point. `anyhow` is used here, at the
//! edge; the library below reports `thiserror` types.

mod args;
mod fd_limit;
mod overrides;
mod serve;
mod subdomains;

pub use args::{Cli, Command, ConfigArgs, HostsArgs, ServeArgs};

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

/// Parse `std::env::args`, run the command, and turn failures into a message and exit code 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "wpthost: error: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// The cause chain on one line ("cannot ...: because ..."), leaving out a cause whose text the
/// message before it already includes (many error types print their source themselves).
fn describe(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::serve(args),
        Command::MakeHostsFile(args) => {
            let config = overrides::load(&args.config, &args.overrides())?;
            let mut out = std::io::stdout().lock();
            out.write_all(config.hosts_file(&args.address).as_bytes())?;
            out.flush()?;
            Ok(())
        }
        Command::ShowConfig(args) => {
            let config = overrides::load(&args, &[])?;
            let text = serde_json::to_string_pretty(&config.template_value)?;
            println!("{text}");
            Ok(())
        }
    }
}
