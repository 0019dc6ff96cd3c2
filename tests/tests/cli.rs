//! The `wpthost` command line as a process: `--help`, `make-hosts-file` (F-SV-7), `serve` start-up,
//! serving and clean shutdown on SIGTERM, and start-up errors that name the problem.
//! (`wpthost-cli` is the same `wpthost::cli::main` as the `wpthost` binary.)

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use wpthost_tests::{get, TempDocRoot};

const BIN: &str = env!("CARGO_BIN_EXE_wpthost-cli");

fn wpthost(args: &[&str], cwd: &Path) -> Output {
    match Command::new(BIN).args(args).current_dir(cwd).output() {
        Ok(o) => o,
        Err(e) => panic!("running {BIN}: {e}"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_is_available_everywhere() {
    let dir = TempDocRoot::new();
    for (args, expect) in [
        (
            &["--help"][..],
            vec!["serve", "make-hosts-file", "show-config"],
        ),
        (
            &["serve", "--help"][..],
            vec![
                "--config",
                "--doc-root",
                "--port",
                "--latency",
                "--host",
                "--verbose",
            ],
        ),
        (
            &["make-hosts-file", "--help"][..],
            vec!["--config", "--address"],
        ),
        (&["help", "serve"][..], vec!["--doc-root"]),
    ] {
        let out = wpthost(args, dir.path());
        assert!(out.status.success(), "{args:?}: {:?}", out.status);
        let help = text(&out.stdout);
        assert!(help.contains("Usage: wpthost"), "{args:?}: {help}");
        for word in expect {
            assert!(help.contains(word), "{args:?} help lacks {word}: {help}");
        }
    }
}

#[test]
fn unknown_option_is_a_usage_error() {
    let dir = TempDocRoot::new();
    let out = wpthost(&["serve", "--no-such-option"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--no-such-option"));
}

/// F-SV-7: `# Start web-platform-tests hosts`, `<ip>\t<domain>` sorted by reversed labels, end marker.
#[test]
fn make_hosts_file_format_f_sv_7() {
    let dir = TempDocRoot::new();
    dir.write(
        "config.json",
        r#"{"browser_host": "web-platform.test", "alternate_hosts": {"alt": "not-web-platform.test"},
            "subdomains": ["www", "www1", "天気の良い日"], "not_subdomains": ["nonexistent"]}"#
            .as_bytes(),
    );
    let out = wpthost(
        &[
            "make-hosts-file",
            "--config",
            "config.json",
            "--address",
            "10.0.0.1",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let expected = "# Start web-platform-tests hosts\n\
        10.0.0.1\tnot-web-platform.test\n\
        10.0.0.1\twww.not-web-platform.test\n\
        10.0.0.1\twww1.not-web-platform.test\n\
        10.0.0.1\txn--n8j6ds53lwwkrqhv28a.not-web-platform.test\n\
        10.0.0.1\tweb-platform.test\n\
        10.0.0.1\twww.web-platform.test\n\
        10.0.0.1\twww1.web-platform.test\n\
        10.0.0.1\txn--n8j6ds53lwwkrqhv28a.web-platform.test\n\
        # End web-platform-tests hosts\n";
    assert_eq!(text(&out.stdout), expected);
}

/// F-SV-7 with wpt's default subdomains (all 1- and 2-label products of www, www1, www2, 天気の良い日,
/// élève): 31 names per host, IDNA-encoded, default address 127.0.0.1.
#[test]
fn make_hosts_file_default_subdomains_f_sv_7() {
    let dir = TempDocRoot::new();
    let out = wpthost(
        &["make-hosts-file", "--host", "web-platform.test"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = text(&out.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 33, "{out}");
    assert_eq!(lines[1], "127.0.0.1\tweb-platform.test");
    assert_eq!(lines[2], "127.0.0.1\twww.web-platform.test");
    for name in [
        "xn--lve-6lad.web-platform.test",
        "xn--n8j6ds53lwwkrqhv28a.xn--lve-6lad.web-platform.test",
        "www2.www1.web-platform.test",
    ] {
        assert!(
            lines.contains(&format!("127.0.0.1\t{name}").as_str()),
            "{name} missing: {out}"
        );
    }
    assert!(
        !out.contains("nonexistent"),
        "not-domains are only listed on Windows"
    );
}

/// Start `wpthost serve` and wait for its banner; returns the child and the bound http port.
fn start_serve(args: &[&str], cwd: &Path) -> (Child, u16) {
    let mut child = match Command::new(BIN)
        .arg("serve")
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("spawning {BIN}: {e}"),
    };
    let stdout = child.stdout.take().map(BufReader::new);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Some(mut stdout) = stdout else { return };
        let mut line = String::new();
        while stdout.read_line(&mut line).is_ok_and(|n| n > 0) {
            if let Some(rest) = line.split("(listening on ").nth(1) {
                let port = rest
                    .trim_end()
                    .trim_end_matches(')')
                    .rsplit(':')
                    .next()
                    .and_then(|p| p.parse::<u16>().ok());
                let _ = tx.send(port);
                return;
            }
            line.clear();
        }
        let _ = tx.send(None);
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Some(port)) => (child, port),
        other => {
            let _ = child.kill();
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("no banner from wpthost serve ({other:?}); stderr: {err}")
        }
    }
}

fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    None
}

#[cfg(unix)]
fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status();
    assert!(status.is_ok_and(|s| s.success()), "kill -{name} failed");
}

#[cfg(unix)]
fn terminate(child: &Child) {
    signal(child, "TERM");
}

/// Ctrl-C (SIGINT) stops the server cleanly too, also while a client holds a connection open.
#[cfg(unix)]
#[test]
fn serve_stops_on_ctrl_c_with_a_connection_open() {
    let dir = TempDocRoot::new();
    let (mut child, port) = start_serve(
        &[
            "--doc-root",
            ".",
            "--port",
            "auto",
            "--server-host",
            "127.0.0.1",
        ],
        dir.path(),
    );
    let mut idle = wpthost_tests::RawConnection::open(port);
    idle.send(b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(idle.read_response().status_code(), 404);
    signal(&child, "INT");
    let status = wait_exit(&mut child, Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.success()),
        "exit after SIGINT: {status:?}"
    );
    assert!(
        idle.closed_within(Duration::from_secs(5)),
        "kept-alive connection not closed"
    );
}

/// `serve --doc-root DIR --port auto`: prints the URL, serves the directory, logs one line per
/// request, and exits 0 on SIGTERM.
#[cfg(unix)]
#[test]
fn serve_prints_urls_serves_and_stops_on_sigterm() {
    let dir = TempDocRoot::new();
    dir.write("root/hello.txt", b"hello\n");
    let (mut child, port) = start_serve(
        &[
            "--doc-root",
            "root",
            "--port",
            "auto",
            "--server-host",
            "127.0.0.1",
        ],
        dir.path(),
    );
    let resp = get(port, "/hello.txt");
    assert_eq!(resp.status_code(), 200);
    assert_eq!(resp.body, b"hello\n");
    terminate(&child);
    let status = wait_exit(&mut child, Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.success()),
        "exit after SIGTERM: {status:?}"
    );
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    assert!(
        err.contains("GET /hello.txt 200"),
        "per-request log line missing: {err}"
    );
    assert!(
        TcpListener::bind(("127.0.0.1", port)).is_ok(),
        "port still taken after exit"
    );
}

/// `--latency MS` delays every request (F-H1-17); generous bounds.
#[cfg(unix)]
#[test]
fn serve_latency_option_f_h1_17() {
    let dir = TempDocRoot::new();
    dir.write("a.txt", b"a");
    let (mut child, port) = start_serve(
        &[
            "--doc-root",
            ".",
            "--port",
            "auto",
            "--server-host",
            "127.0.0.1",
            "--latency",
            "400",
        ],
        dir.path(),
    );
    let start = Instant::now();
    let resp = get(port, "/a.txt");
    let took = start.elapsed();
    terminate(&child);
    let _ = wait_exit(&mut child, Duration::from_secs(10));
    assert_eq!(resp.status_code(), 200);
    assert!(
        took >= Duration::from_millis(400),
        "answered after {took:?}"
    );
}

/// `--threads N`: N event loops, each a thread of its own (`wpthost-loop-<n>`), all serving.
#[cfg(target_os = "linux")]
#[test]
fn serve_threads_option_starts_that_many_event_loops() {
    let dir = TempDocRoot::new();
    dir.write("a.txt", b"threads");
    let (mut child, port) = start_serve(
        &[
            "--doc-root",
            ".",
            "--server-host",
            "127.0.0.1",
            "-p",
            "auto",
            "--threads",
            "3",
        ],
        dir.path(),
    );
    let loops = loop_thread_names(child.id());
    for _ in 0..4 {
        assert_eq!(get(port, "/a.txt").body, b"threads");
    }
    terminate(&child);
    let _ = wait_exit(&mut child, Duration::from_secs(10));
    assert_eq!(
        loops,
        ["wpthost-loop-0", "wpthost-loop-1", "wpthost-loop-2"],
        "threads of the server"
    );
}

/// The names of a process's event-loop threads, sorted.
#[cfg(target_os = "linux")]
fn loop_thread_names(pid: u32) -> Vec<String> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).unwrap_or_else(|e| panic!("{e}"));
    let mut names: Vec<String> = tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|n| n.trim().to_owned())
        .filter(|n| n.starts_with("wpthost-loop-"))
        .collect();
    names.sort();
    names
}

/// A loopback port some other socket holds (for as long as the listener lives).
fn busy_port() -> (TcpListener, u16) {
    let busy = match TcpListener::bind(("127.0.0.1", 0)) {
        Ok(l) => l,
        Err(e) => panic!("bind: {e}"),
    };
    let port = busy.local_addr().map(|a| a.port()).unwrap_or(0);
    (busy, port)
}

/// `wpthost serve` on the loopback address with `port_args`, expected to fail at start-up.
fn serve_on_loopback(dir: &TempDocRoot, port_args: &[&str]) -> Output {
    let mut args = vec!["serve", "--doc-root", ".", "--server-host", "127.0.0.1"];
    args.extend_from_slice(port_args);
    wpthost(&args, dir.path())
}

#[test]
fn serve_refuses_a_port_in_use_naming_it() {
    let dir = TempDocRoot::new();
    let (_busy, port) = busy_port();
    let out = serve_on_loopback(&dir, &["--port", &port.to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(&port.to_string()) && err.to_lowercase().contains("in use"),
        "{err}"
    );
    assert!(
        !text(&out.stdout).contains("listening on"),
        "banner printed before failing"
    );
}

/// Two ports, the second taken: start-up fails as a whole (nothing half-started).
#[test]
fn serve_with_one_unusable_port_starts_nothing() {
    let dir = TempDocRoot::new();
    let (_busy, port) = busy_port();
    let out = serve_on_loopback(&dir, &["-p", "auto", "-p", &port.to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains(&port.to_string()));
    assert!(!text(&out.stdout).contains("listening on"));
}

#[test]
fn serve_rejects_bad_port_values_naming_them() {
    let dir = TempDocRoot::new();
    for (port, words) in [
        ("6000", vec!["ports.http[0]", "6000", "bad port"]),
        ("0", vec!["ports.http[0]", "1-65535"]),
        ("70000", vec!["ports.http[0]", "70000"]),
        ("eighty", vec!["ports.http[0]", "eighty"]),
    ] {
        let out = wpthost(&["serve", "--doc-root", ".", "--port", port], dir.path());
        assert_eq!(out.status.code(), Some(1), "--port {port}");
        let err = text(&out.stderr);
        for w in words {
            assert!(err.contains(w), "--port {port}: {w:?} not in {err}");
        }
    }
}

#[test]
fn serve_rejects_a_missing_doc_root() {
    let dir = TempDocRoot::new();
    let out = wpthost(&["serve", "--doc-root", "no/such/dir"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("doc_root") && err.contains("no/such/dir"),
        "{err}"
    );
}

#[test]
fn show_config_prints_the_computed_values() {
    let dir = TempDocRoot::new();
    dir.write(
        "config.json",
        br#"{"browser_host": "web-platform.test", "ports": {"http": [8000, "auto"], "https": [8443]}}"#,
    );
    let out = wpthost(&["show-config", "--config", "config.json"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => panic!("show-config output is not JSON: {e}"),
    };
    assert_eq!(v["ports"]["http"][0], 8000);
    assert!(v["ports"]["http"][1]
        .as_u64()
        .is_some_and(|p| p > 0 && p != 8000));
    assert!(
        v["ports"].get("https").is_none(),
        "ssl type none drops https"
    );
    assert_eq!(
        v["domains"]["天気の良い日"],
        "xn--n8j6ds53lwwkrqhv28a.web-platform.test"
    );
    assert_eq!(v["server_host"], "web-platform.test");
}

/// `check_subdomains` (on by default): configured domains that do not resolve are named in one
/// warning at start-up (wpt serve refuses to start; wpthost serves and says how to fix it).
/// `.invalid` never resolves (RFC 6761). With the check off, nothing is said.
#[cfg(unix)]
#[test]
fn check_subdomains_warns_about_unresolvable_domains() {
    let dir = TempDocRoot::new();
    dir.write("root/a.txt", b"a");
    let stderr_of = |check: bool| {
        dir.write(
            "config.json",
            serde_json::json!({
                "browser_host": "wpthost-check.invalid",
                "server_host": "127.0.0.1",
                "check_subdomains": check,
                "doc_root": "root",
                "ports": {"http": ["auto"]},
                "ssl": {"type": "none"},
            })
            .to_string()
            .as_bytes(),
        );
        let (mut child, port) = start_serve(&["--config", "config.json"], dir.path());
        assert_eq!(get(port, "/a.txt").body, b"a");
        // The check runs in the background; its lookups are bounded by 10 s.
        std::thread::sleep(Duration::from_secs(if check { 11 } else { 2 }));
        terminate(&child);
        assert!(wait_exit(&mut child, Duration::from_secs(10)).is_some());
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    };
    let warned = stderr_of(true);
    assert!(
        warned.contains("configured domains do not resolve")
            && warned.contains("www.wpthost-check.invalid")
            && warned.contains(" more. Tests that load them")
            && warned.contains("make-hosts-file"),
        "{warned}"
    );
    let quiet = stderr_of(false);
    assert!(!quiet.contains("do not resolve"), "{quiet}");
}

/// `wpthost serve` raises its soft open-file limit to the hard limit: at a soft limit of 1,024 a
/// server with `max_connections` 10,000 would fail accepts long before its own cap.
#[cfg(target_os = "linux")]
#[test]
fn serve_raises_the_soft_open_file_limit() {
    let dir = TempDocRoot::new();
    let mut child = match Command::new("bash")
        .args([
            "-c",
            &format!("ulimit -Sn 512 && exec {BIN} serve --doc-root . --port auto --server-host 127.0.0.1"),
        ])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("spawning bash: {e}"),
    };
    // Wait for the banner: by then the limit is raised.
    let mut banner = String::new();
    if let Some(out) = child.stdout.take() {
        let mut out = BufReader::new(out);
        while out.read_line(&mut banner).is_ok_and(|n| n > 0) && !banner.contains("listening on") {}
    }
    let limits =
        std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap_or_default();
    terminate(&child);
    let _ = wait_exit(&mut child, Duration::from_secs(10));
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap_or_else(|| panic!("no open-file line in {limits:?}"));
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (soft, hard) = (fields[3], fields[4]);
    assert_ne!(soft, "512", "{line}");
    if hard != "unlimited" {
        assert_eq!(soft, hard, "{line}");
    }
}
