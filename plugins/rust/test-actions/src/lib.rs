//! Performs the host calls named by its `X-Action` request headers, in order, so integration tests
//! can drive every import from the client side. One header line per action: `<op> <args>`, where
//! the last argument takes the rest of the line and `\r`, `\n`, `\\` in it are unescaped.
//!
//! Response: `status CODE [REASON]`, `set-header N V`, `append-header N V`, `delete-header N`,
//! `body TEXT`, `chunk TEXT`, `no-required-headers`, `body-for-head`, `close`.
//! Writer: `w-status CODE [REASON]`, `w-header N V`, `w-end`, `w-content TEXT`, `w-raw TEXT`,
//! `w-flush`, `w-close`. Timing: `sleep MS`, `elapsed` (header `X-Elapsed`).
//! Stash: `put KEY VALUE`, `put-at KEY PATH VALUE`, `take KEY` / `take-at KEY PATH` (body = value or
//! `NONE`), `lock`, `unlock`. Other: `fail MESSAGE`, `trap`, `log LEVEL MSG`, `print MSG`,
//! `eprint MSG`, `config` (body = config JSON), `host` (body = browser host), `ports SCHEME`,
//! `request` (body = the request record as text).

wit_bindgen::generate!({ path: "../../../wit", world: "handler" });

use wpthost::handler::{log, response, server_config, stash, timing, writer};

struct Component;
export!(Component);

fn unescape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' && i + 1 < s.len() {
            match s[i + 1] {
                b'r' => out.push(b'\r'),
                b'n' => out.push(b'\n'),
                b'\\' => out.push(b'\\'),
                other => {
                    out.push(b'\\');
                    out.push(other);
                }
            }
            i += 2;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// Split off `n` space-separated words; the remainder (unescaped) is the last element.
fn args(line: &[u8], n: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = line;
    for _ in 0..n {
        match rest.iter().position(|&b| b == b' ') {
            Some(p) => {
                out.push(rest[..p].to_vec());
                rest = &rest[p + 1..];
            }
            None => {
                out.push(rest.to_vec());
                rest = &[];
            }
        }
    }
    out.push(unescape(rest));
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn num<T: std::str::FromStr>(b: &[u8]) -> Result<T, String> {
    text(b)
        .trim()
        .parse()
        .map_err(|_| format!("bad number {:?}", text(b)))
}

fn opt(b: Vec<u8>) -> Option<Vec<u8>> {
    if b.is_empty() {
        None
    } else {
        Some(b)
    }
}

fn describe(r: &Request) -> String {
    let mut s = String::new();
    s.push_str(&format!("method={}\n", text(&r.method)));
    s.push_str(&format!("target={}\n", text(&r.target)));
    s.push_str(&format!("path={}\n", text(&r.path)));
    s.push_str(&format!("query={}\n", text(&r.query)));
    s.push_str(&format!("version={}\n", text(&r.version)));
    s.push_str(&format!("scheme={}\n", r.scheme));
    s.push_str(&format!("url={}\n", r.url));
    s.push_str(&format!("url-base={}\n", r.url_base));
    s.push_str(&format!("body={}\n", text(&r.body)));
    for p in &r.route_match {
        s.push_str(&format!("route[{}]={}\n", p.name, p.value));
    }
    for h in &r.headers {
        if !h.name.eq_ignore_ascii_case(b"x-action") {
            s.push_str(&format!("header {}: {}\n", text(&h.name), text(&h.value)));
        }
    }
    s
}

impl Guest for Component {
    fn handle(request: Request) -> Result<(), String> {
        let actions: Vec<Vec<u8>> = request
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(b"x-action"))
            .map(|h| h.value.clone())
            .collect();
        for line in actions {
            let (op, rest) = match line.iter().position(|&b| b == b' ') {
                Some(p) => (text(&line[..p]), line[p + 1..].to_vec()),
                None => (text(&line), Vec::new()),
            };
            match op.as_str() {
                "status" => {
                    let a = args(&rest, 1);
                    response::set_status(num(&a[0])?, opt(a[1].clone()).as_deref());
                }
                "set-header" => {
                    let a = args(&rest, 1);
                    response::set_header(&a[0], &a[1]);
                }
                "append-header" => {
                    let a = args(&rest, 1);
                    response::append_header(&a[0], &a[1]);
                }
                "delete-header" => response::delete_header(&rest),
                "body" => response::set_body(&unescape(&rest)),
                "chunk" => response::append_body_chunk(&unescape(&rest)),
                "no-required-headers" => response::set_add_required_headers(false),
                "body-for-head" => response::set_send_body_for_head(true),
                "close" => response::set_close_connection(true),
                "w-status" => {
                    let a = args(&rest, 1);
                    writer::write_status(num(&a[0])?, opt(a[1].clone()).as_deref())?;
                }
                "w-header" => {
                    let a = args(&rest, 1);
                    writer::write_header(&a[0], &a[1])?;
                }
                "w-end" => writer::end_headers()?,
                "w-content" => writer::write_content(&unescape(&rest))?,
                "w-raw" => writer::write_raw(&unescape(&rest))?,
                "w-flush" => writer::flush()?,
                "w-close" => writer::close_connection(),
                "sleep" => timing::sleep(num(&rest)?),
                "elapsed" => {
                    let ms = timing::elapsed_ms();
                    response::set_header(b"X-Elapsed", ms.to_string().as_bytes());
                }
                "put" => {
                    let a = args(&rest, 1);
                    stash::put(&text(&a[0]), &a[1], None)?;
                }
                "put-at" => {
                    let a = args(&rest, 2);
                    stash::put(&text(&a[0]), &a[2], Some(&text(&a[1])))?;
                }
                "take" => {
                    let v = stash::take(&text(&rest), None)?;
                    response::set_body(v.as_deref().unwrap_or(b"NONE"));
                }
                "take-at" => {
                    let a = args(&rest, 1);
                    let v = stash::take(&text(&a[0]), Some(&text(&a[1])))?;
                    response::set_body(v.as_deref().unwrap_or(b"NONE"));
                }
                "lock" => stash::lock()?,
                "unlock" => stash::unlock(),
                "fail" => return Err(text(&rest)),
                "trap" => core::arch::wasm32::unreachable(),
                "log" => {
                    let a = args(&rest, 1);
                    let level = match a[0].as_slice() {
                        b"debug" => log::Level::Debug,
                        b"warn" => log::Level::Warn,
                        b"error" => log::Level::Error,
                        _ => log::Level::Info,
                    };
                    log::log(level, &text(&a[1]));
                }
                "print" => println!("{}", text(&rest)),
                "eprint" => eprintln!("{}", text(&rest)),
                "config" => response::set_body(server_config::config_json().as_bytes()),
                "host" => response::set_body(server_config::browser_host().as_bytes()),
                "ports" => {
                    let ports = server_config::ports(&text(&rest));
                    let list: Vec<String> = ports.iter().map(u16::to_string).collect();
                    response::set_body(list.join(",").as_bytes());
                }
                "request" => response::set_body(describe(&request).as_bytes()),
                other => return Err(format!("unknown action {other:?}")),
            }
        }
        Ok(())
    }
}
