//! The `wpthost` command line, built inside this package so tests/tests/cli.rs can run it as a
//! process (`CARGO_BIN_EXE_wpthost-cli`); the real binary's `main` is the same one call.

fn main() -> std::process::ExitCode {
    wpthost::cli::main()
}
