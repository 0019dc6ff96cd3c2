//! The `wpthost` binary: everything is in `wpthost::cli` so tests can drive the same code.

fn main() -> std::process::ExitCode {
    wpthost::cli::main()
}
