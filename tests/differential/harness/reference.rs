//! The reference server: wptserve 4.0.3 from PyPI in a private virtualenv (`.venv-ref` at the
//! repository root, created on first use and reused), started by `reference_server.py`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const WPTSERVE_VERSION: &str = "4.0.3";

pub fn repo_root() -> PathBuf {
    // CARGO_MANIFEST_DIR is tests/.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{what}: cannot run {cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The virtualenv's python, with `wptserve==4.0.3` installed (installing it from PyPI if needed).
pub fn ensure_venv() -> Result<PathBuf, String> {
    let venv = repo_root().join(".venv-ref");
    let python = venv_python(&venv);
    let check = format!(
        "import importlib.metadata as m, wptserve; assert m.version('wptserve') == '{WPTSERVE_VERSION}'"
    );
    let ok = |python: &Path| {
        Command::new(python)
            .args(["-c", &check])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if python.exists() && ok(&python) {
        return Ok(python);
    }
    if !python.exists() {
        run(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "creating the reference virtualenv (python3 -m venv .venv-ref)",
        )?;
    }
    run(
        Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("wptserve=={WPTSERVE_VERSION}"),
        ]),
        "installing wptserve into .venv-ref",
    )?;
    if ok(&python) {
        Ok(python)
    } else {
        Err(format!(
            "{} cannot import wptserve {WPTSERVE_VERSION}",
            python.display()
        ))
    }
}

/// A running wptserve; killed on drop.
pub struct ReferenceServer {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
}

/// Settings the runner script takes: the same host names wpthost uses.
pub struct ReferenceSettings<'a> {
    pub doc_root: &'a Path,
    pub browser_host: &'a str,
    pub alternate_hosts: serde_json::Value,
    pub subdomains: &'a [String],
    pub not_subdomains: &'a [String],
}

impl ReferenceServer {
    pub fn start(python: &Path, settings: &ReferenceSettings) -> Result<ReferenceServer, String> {
        let script = repo_root().join("tests/differential/reference_server.py");
        let json = serde_json::json!({
            "doc_root": settings.doc_root,
            "browser_host": settings.browser_host,
            "alternate_hosts": settings.alternate_hosts,
            "subdomains": settings.subdomains,
            "not_subdomains": settings.not_subdomains,
        });
        let log = std::env::temp_dir().join(format!(
            "wpthost-differential-wptserve-{}.log",
            std::process::id()
        ));
        let log_file =
            std::fs::File::create(&log).map_err(|e| format!("creating {}: {e}", log.display()))?;
        let mut child = Command::new(python)
            .arg(&script)
            .arg(json.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .map_err(|e| format!("starting {}: {e}", script.display()))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err("no stdout from the reference server".into());
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
        let port = serde_json::from_str::<serde_json::Value>(line.trim())
            .ok()
            .and_then(|v| v["port"].as_u64())
            .and_then(|p| u16::try_from(p).ok());
        match port {
            Some(port) => Ok(ReferenceServer { child, port, log }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!(
                    "wptserve did not start (stdout {line:?}); its log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                ))
            }
        }
    }
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
