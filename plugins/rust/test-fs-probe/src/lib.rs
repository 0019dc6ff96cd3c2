//! Reports, one line per probe, what the sandbox lets it reach: files (`?path=/x` or the root),
//! environment, arguments, network. The host grants none of these unless the manifest says so.

wit_bindgen::generate!({ path: "../../../wit", world: "handler" });

struct Component;
export!(Component);

use wpthost::handler::response;

fn probe(report: &mut String, name: &str, result: Result<String, String>) {
    match result {
        Ok(v) => report.push_str(&format!("{name}: ok {v}\n")),
        Err(e) => report.push_str(&format!("{name}: denied {e}\n")),
    }
}

impl Guest for Component {
    fn handle(request: Request) -> Result<(), String> {
        let query = String::from_utf8_lossy(&request.query).into_owned();
        let file = query
            .strip_prefix("path=")
            .unwrap_or("/index.html")
            .to_string();
        let mut report = String::new();
        probe(
            &mut report,
            "read-dir",
            std::fs::read_dir("/")
                .map(|d| format!("{} entries", d.count()))
                .map_err(|e| e.to_string()),
        );
        probe(
            &mut report,
            "read-file",
            std::fs::read(&file)
                .map(|b| format!("{} bytes", b.len()))
                .map_err(|e| e.to_string()),
        );
        probe(
            &mut report,
            "write-file",
            std::fs::write("/probe-write.txt", b"x")
                .map(|_| String::new())
                .map_err(|e| e.to_string()),
        );
        let env: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
        probe(
            &mut report,
            "env",
            if env.is_empty() {
                Err("empty".into())
            } else {
                Ok(env.join(","))
            },
        );
        let args: Vec<String> = std::env::args().collect();
        probe(
            &mut report,
            "args",
            if args.is_empty() {
                Err("empty".into())
            } else {
                Ok(args.join(","))
            },
        );
        probe(
            &mut report,
            "tcp",
            std::net::TcpStream::connect("127.0.0.1:1")
                .map(|_| String::new())
                .map_err(|e| e.to_string()),
        );
        response::set_body(report.as_bytes());
        Ok(())
    }
}
