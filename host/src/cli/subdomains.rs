//! `check_subdomains` (wpt serve's start-up check): every configured domain must resolve, or tests
//! that load subdomains fail in confusing ways. wpt serve exits when one does not; wpthost warns
//! once at start-up (the server is still useful for everything on the main host) and says how to
//! fix it. The lookups run on their own threads, all at once (one unanswered DNS query costs
//! seconds), so they never delay serving.

use crate::config::Config;
use std::net::ToSocketAddrs;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// A name not answered by then counts as unresolved.
const LOOKUP_LIMIT: Duration = Duration::from_secs(10);

/// The configured domains (punycode, as in `domains_set`) that do not resolve to any address
/// within `LOOKUP_LIMIT`, in `domains_set` order.
pub(crate) fn unresolved(config: &Config) -> Vec<String> {
    let (tx, rx) = mpsc::channel();
    let mut pending = 0usize;
    for name in &config.domains_set {
        let tx = tx.clone();
        let owned = name.clone();
        let spawned = std::thread::Builder::new()
            .name("wpthost-dns-check".into())
            .spawn(move || {
                let _ = tx.send((resolves(&owned), owned));
            });
        if spawned.is_ok() {
            pending += 1;
        }
    }
    drop(tx);
    let deadline = Instant::now() + LOOKUP_LIMIT;
    let mut resolved = std::collections::BTreeSet::new();
    while pending > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((ok, name)) => {
                pending -= 1;
                if ok {
                    resolved.insert(name);
                }
            }
            Err(_) => break,
        }
    }
    config
        .domains_set
        .iter()
        .filter(|name| !resolved.contains(*name))
        .cloned()
        .collect()
}

/// The first few names, then how many more: thirty IDN subdomains make an unreadable line.
fn shortened(names: &[String]) -> String {
    const SHOWN: usize = 4;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

fn resolves(name: &str) -> bool {
    (name, 0u16)
        .to_socket_addrs()
        .is_ok_and(|mut addrs| addrs.next().is_some())
}

/// Start the check in the background when the config asks for it.
pub(crate) fn spawn_check(config: Arc<Config>) {
    if !config.check_subdomains {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("wpthost-subdomain-check".into())
        .spawn(move || {
            let missing = unresolved(&config);
            if missing.is_empty() {
                return;
            }
            tracing::warn!(
                "{} of {} configured domains do not resolve: {}. Tests that load them will fail; \
                 add them to the hosts file (`wpthost make-hosts-file`), or set \
                 \"check_subdomains\": false to silence this check",
                missing.len(),
                config.domains_set.len(),
                shortened(&missing)
            );
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot check that the configured domains resolve: {e}");
    }
}
