//! wptserve's JSON error responses (F-ER-1..3): `{"error": {"code": N, "message": "..."}}` with
//! Content-Type and Content-Length, every previously set header discarded.

use crate::response::{Body, Response};
use bytes::Bytes;

/// The error response for `code` with `message` exactly as the body's "message".
pub fn json_error(code: u16, message: &str) -> Response {
    let body = serde_json::json!({"error": {"code": code, "message": message}});
    let text = python_json_dumps(&body);
    let mut response = Response::new(code);
    response.headers.set("Content-Type", "application/json");
    response
        .headers
        .set("Content-Length", text.len().to_string());
    response.body = Body::Bytes(Bytes::from(text));
    response
}

/// A 5xx error in F-ER-3's shape: `Internal server error loading <url>:\n  <detail>`.
pub fn internal_error(code: u16, url: &str, detail: &str) -> Response {
    json_error(
        code,
        &format!("Internal server error loading {url}:\n  {detail}"),
    )
}

/// Python's `json.dumps` with default separators (`", "`, `": "`) and `ensure_ascii=True`, so error
/// bodies are byte-identical to wptserve's.
pub fn python_json_dumps(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(k, out);
                out.push_str(": ");
                write_value(v, out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7f => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{:04x}", unit));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_json_dumps() {
        let r = json_error(404, "404");
        assert_eq!(
            r.body,
            Body::Bytes(Bytes::from_static(
                b"{\"error\": {\"code\": 404, \"message\": \"404\"}}"
            ))
        );
        assert_eq!(
            python_json_dumps(&serde_json::json!("caf\u{e9}\n\u{1F600}")),
            "\"caf\\u00e9\\n\\ud83d\\ude00\""
        );
    }
}
