//! Differential test against the reference: wptserve 4.0.3 (PyPI) and wpthost serve the same
//! document root (tests/differential/docroot); every case of tests/differential/cases/*.cases is
//! sent to both as identical raw bytes and the answers are compared (status line, header names,
//! order and values, body bytes, connection kept or closed). See tests/differential/README.md.
//!
//! `DIFF_CASE=<text>` runs only the cases whose name contains the text.

#[path = "../differential/harness/mod.rs"]
mod harness;

use harness::cases::{self, Case};
use harness::compare;
use harness::reference::{self, ReferenceServer, ReferenceSettings};
use harness::wire;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use wpthost_tests::TestServer;

/// Cases run on this many connections at once (each case has its own connections).
const PARALLEL: usize = 4;

enum Outcome {
    Matched,
    Documented(String),
    Mismatch(Vec<String>),
}

#[test]
fn differential_against_wptserve_4_0_3() {
    let root = reference::repo_root().join("tests/differential");
    let doc_root = root.join("docroot");
    let cases = match cases::load_dir(&root.join("cases")) {
        Ok(c) => c,
        Err(e) => panic!("case files: {e}"),
    };
    let filter = std::env::var("DIFF_CASE").unwrap_or_default();
    let cases: Vec<Case> = cases
        .into_iter()
        .filter(|c| c.name.contains(&filter))
        .collect();
    assert!(
        !cases.is_empty(),
        "no differential cases found (filter {filter:?})"
    );

    let python = match reference::ensure_venv() {
        Ok(p) => p,
        Err(e) => panic!("reference virtualenv: {e}"),
    };
    let ours = TestServer::start_with_config(serde_json::json!({
        "doc_root": doc_root,
        "browser_host": "localhost",
    }));
    let config = ours.config.clone();
    let reference = match ReferenceServer::start(
        &python,
        &ReferenceSettings {
            doc_root: &doc_root,
            browser_host: &config.browser_host,
            alternate_hosts: serde_json::json!(config.alternate_hosts),
            subdomains: &config.subdomains,
            not_subdomains: &config.not_subdomains,
        },
    ) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };

    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..cases.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let outcome = run_case(case, reference.port, ours.port());
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(outcome);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();

    let mut matched = 0;
    let mut documented = Vec::new();
    let mut mismatches = Vec::new();
    // Per case file: (cases, matched, documented).
    let mut per_file: std::collections::BTreeMap<&str, (usize, usize, usize)> = Default::default();
    for (case, outcome) in cases.iter().zip(&results) {
        let file = case.origin.split(':').next().unwrap_or("");
        let entry = per_file.entry(file).or_default();
        entry.0 += 1;
        match outcome {
            Some(Outcome::Matched) => entry.1 += 1,
            Some(Outcome::Documented(_)) => entry.2 += 1,
            _ => {}
        }
    }
    for (case, outcome) in cases.iter().zip(results) {
        match outcome {
            Some(Outcome::Matched) => matched += 1,
            Some(Outcome::Documented(reason)) => {
                documented.push(format!("{} — {reason}", case.name))
            }
            Some(Outcome::Mismatch(problems)) => mismatches.push((case, problems)),
            None => mismatches.push((case, vec!["the case did not run".to_string()])),
        }
    }
    println!(
        "differential: {matched} of {} cases matched wptserve {}, {} documented differences, {} mismatches",
        cases.len(),
        reference::WPTSERVE_VERSION,
        documented.len(),
        mismatches.len()
    );
    for (file, (total, ok, doc)) in &per_file {
        println!("  {file}: {ok} of {total} matched, {doc} documented differences");
    }
    for d in &documented {
        println!("  documented difference: {d}");
    }
    if !mismatches.is_empty() {
        let mut report = String::new();
        for (case, problems) in &mismatches {
            report.push_str(&format!("\n- {} ({})\n", case.name, case.origin));
            for p in problems {
                report.push_str(&format!("    {p}\n"));
            }
        }
        panic!(
            "{} of {} differential cases do not match wptserve (its log: {}):{report}",
            mismatches.len(),
            cases.len(),
            reference.log.display()
        );
    }
}

fn run_case(case: &Case, reference_port: u16, our_port: u16) -> Outcome {
    let theirs = match wire::exchange(case, reference_port) {
        Ok(e) => e,
        Err(e) => return Outcome::Mismatch(vec![format!("wptserve: {e}")]),
    };
    let ours = match wire::exchange(case, our_port) {
        Ok(e) => e,
        Err(e) => return Outcome::Mismatch(vec![format!("wpthost: {e}")]),
    };
    if let Some(reason) = &case.differs {
        let problems = compare::check_documented(case, &ours);
        return if problems.is_empty() {
            Outcome::Documented(reason.clone())
        } else {
            Outcome::Mismatch(problems)
        };
    }
    let problems = compare::compare(case, &theirs, reference_port, &ours, our_port);
    if problems.is_empty() {
        Outcome::Matched
    } else {
        Outcome::Mismatch(problems)
    }
}

/// The case-file format itself (tests/differential/README.md).
#[test]
fn case_file_format() {
    let text = "# comment\n\
        case: two requests (F-H1-2)\n\
        > GET /a HTTP/1.1\n\
        > Host: {host}\n\
        >\n\
        then\n\
        > POST /b\\tx HTTP/1.1\n\
        > X: {repeat 3 ab}\\x41\n\
        >\n\
        >> body\n\
        write: pipelined\n\
        connection: keeps-alive\n\
        ignore-headers: Location, X-Y\n\
        ignore-body\n\
        \n\
        case: documented\n\
        > GARBAGE\n\
        differs: because\n\
        wpthost-status: 400\n";
    let parsed = match cases::parse("t.cases", text) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(parsed.len(), 2);
    let a = &parsed[0];
    assert_eq!(a.origin, "t.cases:2");
    assert_eq!(a.requests.len(), 2);
    assert_eq!(
        a.requests[0].render(81),
        b"GET /a HTTP/1.1\r\nHost: 127.0.0.1:81\r\n\r\n"
    );
    assert_eq!(
        a.requests[1].render(81),
        b"POST /b\tx HTTP/1.1\r\nX: abababA\r\n\r\nbody"
    );
    assert_eq!(a.requests[1].method(), b"POST");
    assert_eq!(a.write, cases::WriteMode::Pipelined);
    assert_eq!(a.connection, Some(cases::ConnectionExpectation::KeepsAlive));
    assert_eq!(a.ignore_headers, vec!["location", "x-y"]);
    assert!(a.ignore_body);
    assert_eq!(parsed[1].differs.as_deref(), Some("because"));
    assert_eq!(parsed[1].wpthost_status, Some(400));
    for bad in [
        "> x\n",
        "case: a\nfrobnicate: 1\n",
        "case: a\n",
        "case: a\n> x\nwpthost-status: 400\n",
    ] {
        assert!(cases::parse("t", bad).is_err(), "{bad:?} was accepted");
    }
}
