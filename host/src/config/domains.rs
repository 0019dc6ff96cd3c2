//! Computed host names (§1.5): `domains`, `not_domains`, `all_domains` and their flat sets, with
//! subdomain labels IDNA-encoded the way Python's `str.encode("idna")` does
//! (天気の良い日 ⇒ xn--n8j6ds53lwwkrqhv28a, élève ⇒ xn--lve-6lad).

use super::error::ConfigError;
use super::{Config, DomainMap};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) struct Computed {
    pub domains: DomainMap,
    pub not_domains: DomainMap,
    pub all_domains: DomainMap,
    pub domains_set: BTreeSet<String>,
    pub not_domains_set: BTreeSet<String>,
    pub all_domains_set: BTreeSet<String>,
}

pub(crate) fn compute(
    browser_host: &str,
    alternate_hosts: &BTreeMap<String, String>,
    subdomains: &[String],
    not_subdomains: &[String],
) -> Result<Computed, ConfigError> {
    let mut hosts: Vec<(&str, &str)> = alternate_hosts
        .iter()
        .map(|(name, host)| (name.as_str(), host.as_str()))
        .collect();
    hosts.push(("", browser_host));

    let encode = |key: &str, labels: &[String]| -> Result<Vec<(String, String)>, ConfigError> {
        labels
            .iter()
            .enumerate()
            .map(|(i, label)| Ok((label.clone(), idna_label(&format!("{key}[{i}]"), label)?)))
            .collect()
    };
    let sub = encode("subdomains", subdomains)?;
    let not_sub = encode("not_subdomains", not_subdomains)?;

    let mut domains = DomainMap::new();
    let mut not_domains = DomainMap::new();
    for (name, host) in &hosts {
        let mut map: BTreeMap<String, String> = sub
            .iter()
            .map(|(label, ascii)| (label.clone(), format!("{ascii}.{host}")))
            .collect();
        map.insert(String::new(), host.to_string());
        domains.insert(name.to_string(), map);
        not_domains.insert(
            name.to_string(),
            not_sub
                .iter()
                .map(|(label, ascii)| (label.clone(), format!("{ascii}.{host}")))
                .collect(),
        );
    }
    let mut all_domains = domains.clone();
    for (name, map) in &not_domains {
        if let Some(all) = all_domains.get_mut(name) {
            all.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    let flatten = |m: &DomainMap| -> BTreeSet<String> {
        m.values().flat_map(|per| per.values().cloned()).collect()
    };
    let domains_set = flatten(&domains);
    let not_domains_set = flatten(&not_domains);
    let all_domains_set = domains_set.union(&not_domains_set).cloned().collect();
    Ok(Computed {
        domains,
        not_domains,
        all_domains,
        domains_set,
        not_domains_set,
        all_domains_set,
    })
}

/// IDNA-encode a (possibly dotted) subdomain; ASCII labels pass through unchanged, as in Python.
fn idna_label(key: &str, label: &str) -> Result<String, ConfigError> {
    if label.is_ascii() {
        if label.split('.').any(|part| {
            part.is_empty()
                || !part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }) {
            return Err(ConfigError::bad(
                key,
                format!("\"{label}\" is not a valid subdomain"),
            ));
        }
        return Ok(label.to_string());
    }
    idna::domain_to_ascii(label)
        .map_err(|_| ConfigError::bad(key, format!("\"{label}\" cannot be IDNA-encoded")))
}

pub(crate) fn hosts_file(config: &Config, address: &str) -> String {
    let by_reversed_labels = |set: &BTreeSet<String>| -> Vec<String> {
        let mut v: Vec<String> = set.iter().cloned().collect();
        v.sort_by(|a, b| a.split('.').rev().cmp(b.split('.').rev()));
        v
    };
    let mut lines = vec!["# Start web-platform-tests hosts".to_string()];
    for domain in by_reversed_labels(&config.domains_set) {
        lines.push(format!("{address}\t{domain}"));
    }
    // Windows treats 0.0.0.0 as "does not exist"; elsewhere it means "any address", so the
    // not-domains are simply left out (serve.py, wpt issue 10560).
    if cfg!(windows) {
        for domain in by_reversed_labels(&config.not_domains_set) {
            lines.push(format!("0.0.0.0\t{domain}"));
        }
    }
    lines.push("# End web-platform-tests hosts".to_string());
    lines.push(String::new());
    lines.join("\n")
}
