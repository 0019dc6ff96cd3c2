//! The computed configuration as JSON, shaped like wptserve's `Config.as_dict()`, for `{{...}}`.

use super::{Config, DomainMap};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::path::Path;

fn domain_map(m: &DomainMap) -> Value {
    Value::Object(
        m.iter()
            .map(|(name, per)| {
                let inner: Map<String, Value> = per
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                (name.clone(), Value::Object(inner))
            })
            .collect(),
    )
}

fn set(s: &BTreeSet<String>) -> Value {
    Value::Array(s.iter().cloned().map(Value::String).collect())
}

fn path(p: &Path) -> Value {
    Value::String(p.to_string_lossy().into_owned())
}

fn opt_path(p: &Option<std::path::PathBuf>) -> Value {
    p.as_deref().map(path).unwrap_or(Value::Null)
}

pub(crate) fn build(c: &Config) -> Value {
    let ports: Map<String, Value> = c
        .ports
        .iter()
        .map(|(scheme, list)| (scheme.clone(), json!(list)))
        .collect();
    let ssl = json!({
        "type": c.ssl.kind.as_str(),
        "encrypt_after_connect": c.ssl.encrypt_after_connect,
        "none": {},
        "openssl": {
            "openssl_binary": c.ssl.openssl.openssl_binary,
            "base_path": path(&c.ssl.openssl.base_path),
            "password": c.ssl.openssl.password,
            "force_regenerate": c.ssl.openssl.force_regenerate,
            "duration": c.ssl.openssl.duration,
            "base_conf_path": opt_path(&c.ssl.openssl.base_conf_path),
        },
        "pregenerated": {
            "host_key_path": opt_path(&c.ssl.pregenerated.host_key_path),
            "host_cert_path": opt_path(&c.ssl.pregenerated.host_cert_path),
            "ca_cert_path": opt_path(&c.ssl.pregenerated.ca_cert_path),
        },
    });
    let ssl_config = match &c.ssl_config {
        Some(s) => json!({
            "key_path": path(&s.key_path),
            "ca_cert_path": opt_path(&s.ca_cert_path),
            "cert_path": path(&s.cert_path),
            "encrypt_after_connect": s.encrypt_after_connect,
        }),
        None => Value::Null,
    };
    let aliases: Vec<Value> = c
        .aliases
        .iter()
        .map(|a| json!({"url-path": a.url_path, "local-dir": path(&a.local_dir)}))
        .collect();
    let primary = c.all_domains.get("").cloned().unwrap_or_default();
    let primary: Map<String, Value> = primary
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    json!({
        "browser_host": c.browser_host,
        "alternate_hosts": c.alternate_hosts,
        "doc_root": path(&c.doc_root),
        "ws_doc_root": opt_path(&c.ws_doc_root),
        "server_host": c.server_host,
        "ports": ports,
        "check_subdomains": c.check_subdomains,
        "bind_address": c.bind_address,
        "ssl": ssl,
        "aliases": aliases,
        "logging": {
            "level": c.logging.level,
            "suppress_handler_traceback": c.logging.suppress_handler_traceback,
        },
        "inject_script": opt_path(&c.inject_script),
        "subdomains": c.subdomains,
        "not_subdomains": c.not_subdomains,
        "paths": {"doc_root": path(&c.doc_root), "ws_doc_root": opt_path(&c.ws_doc_root)},
        "not_domains": domain_map(&c.not_domains),
        "all_domains": domain_map(&c.all_domains),
        "domains_set": set(&c.domains_set),
        "not_domains_set": set(&c.not_domains_set),
        "all_domains_set": set(&c.all_domains_set),
        "ssl_config": ssl_config,
        // The template language's special names (pipes.template `config_replacement`): `hosts` is
        // all_domains, `domains` is all_domains[""] and `host` is browser_host.
        "hosts": domain_map(&c.all_domains),
        "domains": Value::Object(primary),
        "host": c.browser_host,
    })
}
