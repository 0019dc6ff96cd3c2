//! test_handlers.py: TestFunctionHandler and TestJSONHandler (registered `@handler` functions).

use wpthost_plugin_sdk::{Error, Request, Response};

/// test_string_rv: `return "test data"` (Content-Length 9 from the host).
pub fn string_rv(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.body("test data");
    Ok(())
}

/// test_tuple_1_rv: `return ()`, which wptserve cannot interpret: 500.
pub fn tuple_1_rv(_: &Request, _: &mut Response) -> Result<(), Error> {
    Err(Error::msg(
        "ValueError: handler returned a tuple of length 1",
    ))
}

/// test_tuple_2_rv: `[("Content-Length", 4), ("test-header", "test-value")], "test data"`. The explicit
/// Content-Length wins and is not enforced: all 9 bytes go out (F-PY-4).
pub fn tuple_2_rv(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.append_headers([("Content-Length", "4"), ("test-header", "test-value")])
        .body("test data");
    Ok(())
}

/// test_tuple_3_rv: `202, [("test-header", "test-value")], "test data"`.
pub fn tuple_3_rv(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.status(202)
        .append_header("test-header", "test-value")
        .body("test data");
    Ok(())
}

/// test_tuple_3_rv_1: `(202, "Some Status"), [("test-header", "test-value")], "test data"`.
pub fn tuple_3_rv_1(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.status_with_reason(202, "Some Status")
        .append_header("test-header", "test-value")
        .body("test data");
    Ok(())
}

/// test_tuple_4_rv: a 4-tuple: 500.
pub fn tuple_4_rv(_: &Request, _: &mut Response) -> Result<(), Error> {
    Err(Error::msg(
        "ValueError: handler returned a tuple of length 4",
    ))
}

/// test_none_rv: `return None` with the response untouched: 200, no Content-Length, empty body.
pub fn none_rv(_: &Request, _: &mut Response) -> Result<(), Error> {
    Ok(())
}

const JSON_DATA: &str = r#"{"data": "test data"}"#;

/// What `@json_handler` does before the tuple headers: set Content-Type and Content-Length (F-PY-6).
fn json_body(resp: &mut Response, body: &str) {
    resp.set_header("Content-Type", "application/json")
        .set_header("Content-Length", body.len().to_string())
        .body(body);
}

/// test_json_0: `return {"data": "test data"}`.
pub fn json_0(_: &Request, resp: &mut Response) -> Result<(), Error> {
    json_body(resp, JSON_DATA);
    Ok(())
}

/// test_json_tuple_2: `[("Test-Header", "test-value")], {"data": "test data"}`.
pub fn json_tuple_2(_: &Request, resp: &mut Response) -> Result<(), Error> {
    json_body(resp, JSON_DATA);
    resp.append_header("Test-Header", "test-value");
    Ok(())
}

/// test_json_tuple_3: `(202, "Giraffe"), [("Test-Header", "test-value")], {"data": "test data"}`.
pub fn json_tuple_3(_: &Request, resp: &mut Response) -> Result<(), Error> {
    json_body(resp, JSON_DATA);
    resp.status_with_reason(202, "Giraffe")
        .append_header("Test-Header", "test-value");
    Ok(())
}
