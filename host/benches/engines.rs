//! Microbenchmarks of the host's hot paths that involve no socket and no plugin (issue 7):
//! request-head scanning and parsing (`http1::parse`), the pipe engine (`pipes::apply`) and the
//! `{{...}}` template engine (`template::render`). The per-request plugin cost lives in
//! `plugin_cost.rs` (Rust) and `plugin_languages.rs` (other languages).
//!
//! `cargo bench -p wpthost --bench engines` (add `-- --measurement-time 2` for a quick run).

use bytes::Bytes;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use std::path::PathBuf;
use wpthost::config::Config;
use wpthost::http1::parse::{parse_head, HeadScanner};
use wpthost::pipes;
use wpthost::request::{Request, Scheme};
use wpthost::response::{Body, Response};
use wpthost::template::{self, EscapeType};

/// What a browser sends for a subresource: 9 header lines, about 600 bytes.
const BROWSER_HEAD: &[u8] =
    b"GET /fetch/api/resources/data.json?id=4a8c&pipe=header(X-A,1) HTTP/1.1\r\n\
Host: web-platform.test:8000\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Referer: http://web-platform.test:8000/fetch/api/basic/request-headers.any.html\r\n\
Connection: keep-alive\r\n\
Cookie: session=0123456789abcdef; theme=dark\r\n\
Sec-Fetch-Mode: cors\r\n\
\r\n";

/// wrk's request: the smallest well-formed head.
const SMALL_HEAD: &[u8] = b"GET /static/1k.txt HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n";

/// An obsolete line folding: httparse refuses it, so the Python-rules parser takes over.
const FOLDED_HEAD: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Folded: one\r\n  two\r\n\r\n";

fn request(query: &str) -> Request {
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], 8000).into();
    let target = format!("/bench/page.sub.html?{query}");
    Request {
        method: "GET".into(),
        request_line: format!("GET {target} HTTP/1.1\r\n").into_bytes(),
        target,
        version_minor: 1,
        headers: vec![
            (b"Host".to_vec(), b"localhost:8000".to_vec()),
            (b"User-Agent".to_vec(), b"bench/1.0".to_vec()),
        ],
        body: Vec::new(),
        client_addr: addr,
        local_addr: addr,
        scheme: Scheme::Http,
        url: format!("http://localhost:8000/bench/page.sub.html?{query}"),
        path: "/bench/page.sub.html".into(),
        query: query.into(),
        url_hostname: "localhost".into(),
        url_port: 8000,
        route_match: Vec::new(),
        doc_root: PathBuf::new(),
        url_base: "/".into(),
    }
}

/// A 1 KiB page with eight substitutions of the common kinds (config, query, header, function).
fn template_page() -> Vec<u8> {
    let line = b"<p>{{host}}:{{ports[http][0]}} q={{GET[q]}} h={{headers[host]}}</p>\n";
    let mut page = Vec::new();
    while page.len() < 1024 - line.len() {
        page.extend_from_slice(line);
    }
    page
}

fn bench_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("http1 head");
    for (name, head) in [
        ("browser head (9 headers)", BROWSER_HEAD),
        ("wrk head (1 header)", SMALL_HEAD),
        ("folded head (lenient parser)", FOLDED_HEAD),
    ] {
        group.throughput(Throughput::Bytes(head.len() as u64));
        group.bench_function(format!("scan + parse: {name}"), |b| {
            b.iter(|| {
                let mut scanner = HeadScanner::new();
                let span = scanner.scan(black_box(head));
                let Ok(Some(span)) = span else {
                    panic!("head not complete: {span:?}")
                };
                parse_head(&head[span.start..span.end]).map(|h| h.headers.len())
            })
        });
    }
    group.finish();
}

fn bench_pipes(c: &mut Criterion) {
    let config = Config::for_doc_root(std::env::temp_dir()).unwrap_or_else(|e| panic!("{e}"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let body = Bytes::from(template_page());
    let mut group = c.benchmark_group("pipes");
    for (name, query, sub_path) in [
        ("no pipe (fast exit)", "a=1", None),
        ("header(X-Bench,1)", "pipe=header(X-Bench,1)", None),
        (
            "status(404)|header(X-A,b,True)|slice(0,100)",
            "pipe=status(404)|header(X-A,b,True)|slice(0,100)",
            None,
        ),
        (
            ".sub. file: sub(html) over 1 KiB",
            "q=bench",
            Some("/bench/page.sub.html"),
        ),
    ] {
        let request = request(query);
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut response = Response::new(200);
                response.body = Body::Bytes(body.clone());
                let piped = rt.block_on(pipes::apply(response, &request, sub_path, &config));
                match piped {
                    Ok(r) => r.status,
                    Err(e) => panic!("{e}"),
                }
            })
        });
    }
    group.bench_function("tokenize trickle(1:d1:r2)|header(X-A,1)", |b| {
        b.iter(|| pipes::tokenize(black_box("trickle(1:d1:r2)|header(X-A,1)")).map(|c| c.len()))
    });
    group.finish();
}

fn bench_template(c: &mut Criterion) {
    let config = Config::for_doc_root(std::env::temp_dir()).unwrap_or_else(|e| panic!("{e}"));
    let request = request("q=bench");
    let page = template_page();
    let plain = vec![b'x'; page.len()];
    let functions = b"{{uuid()}} {{url_base}} {{location[host]}} {{domains[www]}}".to_vec();
    let substitutions = page.windows(2).filter(|w| w == b"{{").count();
    let page_name = format!("1 KiB, {substitutions} substitutions, html escape");
    let mut group = c.benchmark_group("template");
    for (name, content, escape) in [
        (page_name.as_str(), &page, EscapeType::Html),
        (
            "1 KiB, no substitution (borrowed)",
            &plain,
            EscapeType::Html,
        ),
        (
            "uuid() url_base location[host] domains[www]",
            &functions,
            EscapeType::None,
        ),
    ] {
        group.throughput(Throughput::Bytes(content.len() as u64));
        group.bench_function(name, |b| {
            b.iter(
                || match template::render(black_box(content), &request, &config, &escape) {
                    Ok(out) => out.len(),
                    Err(e) => panic!("{e}"),
                },
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench_parse, bench_pipes, bench_template);
criterion_main!(benches);
