//! Unit tests of the substitution language (§2.I); the wire tests live in tests/tests/substitution.rs.

use super::*;
use crate::request::Scheme;
use std::path::PathBuf;

pub(crate) fn request(target: &str, headers: &[(&str, &str)], doc_root: PathBuf) -> Request {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target.to_owned(), String::new()),
    };
    Request {
        method: "GET".into(),
        target: target.into(),
        version_minor: 1,
        request_line: format!("GET {target} HTTP/1.1\r\n").into_bytes(),
        headers: headers
            .iter()
            .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect(),
        body: Vec::new(),
        client_addr: "127.0.0.1:40000".parse().unwrap(),
        local_addr: "127.0.0.1:8000".parse().unwrap(),
        scheme: Scheme::Http,
        url: format!("http://localhost:8000{target}"),
        path,
        query,
        url_hostname: "localhost".into(),
        url_port: 8000,
        route_match: Vec::new(),
        doc_root,
        url_base: "/".into(),
    }
}

fn config(doc_root: PathBuf) -> Config {
    Config::for_doc_root(doc_root).unwrap()
}

/// One configuration for the temp-dir tests, so its "auto" port is the same everywhere.
fn shared_config() -> &'static Config {
    static CONFIG: std::sync::OnceLock<Config> = std::sync::OnceLock::new();
    CONFIG.get_or_init(|| config(std::env::temp_dir()))
}

fn run_with(
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
    escape: EscapeType,
) -> Result<String, TemplateError> {
    let root = std::env::temp_dir();
    let req = request(target, headers, root);
    render(body.as_bytes(), &req, shared_config(), &escape)
        .map(|b| String::from_utf8(b.into_owned()).unwrap())
}

fn run(body: &str) -> Result<String, TemplateError> {
    run_with("/x.txt", &[], body, EscapeType::None)
}

#[test]
fn untouched_without_substitutions_f_sb_15() {
    let req = request("/", &[], std::env::temp_dir());
    let cfg = config(std::env::temp_dir());
    let body = b"no { braces } here {{ but not closed } or } {x}}";
    assert!(matches!(
        render(body, &req, &cfg, &EscapeType::Html).unwrap(),
        Cow::Borrowed(_)
    ));
}

#[test]
fn host_domains_ports_f_sb_9_10_11() {
    let port = shared_config().ports["http"][0];
    assert_eq!(
        run("{{host}} {{domains[]}} {{ports[http][0]}}").unwrap(),
        format!("localhost localhost {port}")
    );
    assert_eq!(run("{{ports[http][-1]}}").unwrap(), port.to_string());
    assert_eq!(run("{{hosts[][]}}").unwrap(), "localhost");
    assert_eq!(run("{{browser_host}}").unwrap(), "localhost");
    assert!(run("{{ports[http]}}").is_err());
    assert!(run("{{ports[https][0]}}").is_err());
    assert!(run("{{ports[0]}}").is_err());
}

#[test]
fn stop_at_junk_and_leading_space() {
    assert_eq!(run("{{host foo}}").unwrap(), "localhost");
    assert!(run("{{ host }}").is_err());
    assert!(run("{{}}").is_err());
    assert!(run("{{[x]}}").is_err());
    assert!(run("{{host[0]x}}").is_err());
    // `{{{host}}`: the match's text is `{host`, which has no tokens.
    assert!(run("{{{host}}").is_err());
}

#[test]
fn python_indexing_of_scalars() {
    assert_eq!(run("{{host[0]}}{{host[-1]}}").unwrap(), "lt");
    assert_eq!(
        run_with(
            "/x",
            &[("X-Test", "PASS")],
            "{{headers[X-Test][0]}}",
            EscapeType::None
        )
        .unwrap(),
        "80"
    );
    assert!(run("{{host[99]}}").is_err());
    assert!(run("{{host[x]}}").is_err());
    assert_eq!(run("{{supported_algorithms[0]}}").unwrap(), "md5");
}

#[test]
fn variables_f_sb_1() {
    let port = shared_config().ports["http"][0];
    assert_eq!(
        run("{{$first:host}} {{$second:ports[http][0]}} A {{$second}} B {{$first}} C").unwrap(),
        format!("localhost {port} A {port} B localhost C")
    );
    let out = run("{{$id:uuid()}}={{$id}}").unwrap();
    let (a, b) = out.split_once('=').unwrap();
    assert_eq!(a, b);
    assert!(run("{{$nope}}").is_err());
    assert!(run("{{$p:ports}}").is_err());
}

#[test]
fn uuid_f_sb_2() {
    let out = run("{{uuid()}} {{uuid()}}").unwrap();
    let (a, b) = out.split_once(' ').unwrap();
    assert_ne!(a, b);
    assert_eq!(a.len(), 36);
    assert!(a
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase() || c == '-'));
    assert!(run("{{uuid}}").is_err());
    assert!(run("{{uuid(x)}}").is_err());
    assert!(run("{{host()}}").is_err());
}

#[test]
fn headers_and_defaults_f_sb_5_6() {
    let h = [("X-Test", "A"), ("x-test", "B"), ("X-Present", "OK")];
    let r = |b| run_with("/x", &h, b, EscapeType::None);
    assert_eq!(r("{{headers[x-TEST]}}").unwrap(), "A");
    assert!(r("{{headers[X-Missing]}}").is_err());
    assert_eq!(
        r("{{header_or_default(X-Present, present-default)}}|{{header_or_default(X-Absent, absent-default)}}")
            .unwrap(),
        "OK|absent-default"
    );
    assert!(r("{{header_or_default(X-Present)}}").is_err());
}

#[test]
fn get_params_f_sb_7() {
    let r = |t, b| run_with(t, &[], b, EscapeType::None);
    assert_eq!(
        r(
            "/p?plus+pct-20%20pct-3D%3D=PLUS+PCT-20%20PCT-3D%3D",
            "{{GET[plus pct-20 pct-3D=]}}"
        )
        .unwrap(),
        "PLUS PCT-20 PCT-3D="
    );
    assert_eq!(
        r("/p?a=1&a=2", "{{GET[a]}}|{{GET[missing]}}|{{GET[0]}}").unwrap(),
        "1||"
    );
    assert!(r("/p?x=%ff", "{{GET[x]}}").is_err());
    assert!(r("/p?x=1", "{{GET[\u{20ac}]}}").is_err());
}

#[test]
fn location_f_sb_12_and_url_base_f_sb_13() {
    let r = |t, b| run_with(t, &[], b, EscapeType::None);
    assert_eq!(
        r(
            "/a/b.txt?q=1",
            "{{location[server]}} {{location[scheme]}} {{location[host]}} {{location[hostname]}} \
             {{location[port]}} {{location[path]}} {{location[pathname]}} {{location[query]}}"
        )
        .unwrap(),
        "http://localhost:8000 http localhost:8000 localhost 8000 /a/b.txt /a/b.txt ?q=1"
    );
    assert_eq!(r("/a", "{{location[query]}}").unwrap(), "?");
    assert!(r("/a", "{{location[nope]}}").is_err());
    assert_eq!(
        r("/a", "Before {{url_base}} After").unwrap(),
        "Before / After"
    );
}

#[test]
fn undefined_variable_f_sb_14() {
    let err = run("{{nosuchthing}}").unwrap_err();
    assert_eq!(err.to_string(), "Undefined template variable nosuchthing");
}

#[test]
fn escaping_f_sb_16() {
    let r = |e| run_with("/e?x=%3Cb%3E%26%22'", &[], "{{GET[x]}}", e);
    assert_eq!(r(EscapeType::Html).unwrap(), "&lt;b&gt;&amp;&quot;&#x27;");
    assert_eq!(r(EscapeType::None).unwrap(), "<b>&\"'");
    assert!(r(EscapeType::from_arg(Some("HTML"))).is_err());
    assert!(r(EscapeType::from_arg(None)).is_err());
    // An unknown escape type only matters when something is substituted.
    assert_eq!(
        run_with("/", &[], "plain", EscapeType::from_arg(Some("bogus"))).unwrap(),
        "plain"
    );
}

#[test]
fn file_hash_and_fs_path_f_sb_3_4() {
    let root = std::env::temp_dir().join(format!("wpthost-template-{}", std::process::id()));
    std::fs::create_dir_all(root.join("subdir")).unwrap();
    std::fs::write(
        root.join("subject.txt"),
        "This file is used to verify expected behavior of the `file_hash` \"sub\"\nfunction.\n",
    )
    .unwrap();
    let cfg = config(root.clone());
    let req = request("/subdir/sub_path.sub.txt", &[], root.clone());
    let r = |b: &str| {
        render(b.as_bytes(), &req, &cfg, &EscapeType::None)
            .map(|c| String::from_utf8(c.into_owned()).unwrap())
    };
    assert_eq!(
        r("{{file_hash(md5, subject.txt)}}").unwrap(),
        "JmI1W8fMHfSfCarYOSxJcw=="
    );
    assert_eq!(
        r("{{file_hash(sha512, subject.txt)}}").unwrap(),
        "r8eLGRTc7ZznZkFjeVLyo6/FyQdra9qmlYCwKKxm3kfQAswRS9+3HsYk3thLUhcFmmWhK4dXaICzJwGFonfXwg=="
    );
    assert!(r("{{file_hash(sha007, subject.txt)}}").is_err());
    assert!(r("{{file_hash(md5, missing.txt)}}").is_err());
    assert!(r("{{file_hash(md5, /etc/passwd)}}").is_err());
    assert!(r("{{file_hash(md5, ../x)}}").is_err());
    let root_s = root.to_string_lossy().into_owned();
    assert_eq!(
        r("{{fs_path(sub_path.sub.txt)}}\n{{fs_path(../sub_path.sub.txt)}}\n{{fs_path(/sub_path.sub.txt)}}")
            .unwrap(),
        format!("{root_s}/subdir/sub_path.sub.txt\n{root_s}/sub_path.sub.txt\n{root_s}/sub_path.sub.txt")
    );
    assert!(r("{{fs_path(../../x)}}").is_err());
    // wptserve's quirk at the top level: the file name is taken as the directory.
    let top = request("/top.sub.txt", &[], root.clone());
    let out = render(b"{{fs_path(x)}}", &top, &cfg, &EscapeType::None).unwrap();
    assert_eq!(out.as_ref(), format!("{root_s}/top.sub.txt/x").as_bytes());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn booleans_print_like_python() {
    let shown = run("{{check_subdomains}}").unwrap();
    assert!(shown == "True" || shown == "False", "{shown}");
    assert!(run("{{aliases}}").is_err());
}
