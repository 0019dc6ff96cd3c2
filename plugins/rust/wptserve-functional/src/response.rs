//! test_response.py (HTTP/1.1 parts; the H2 frame tests are not portable to H1).

use wpthost_plugin_sdk::{Error, Request, Response};

/// test_head_without_body: `[("X-Test", "TEST")], "body\r\n"` answered to HEAD: headers with the
/// computed Content-Length 6, no body bytes.
pub fn head_without_body(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.append_header("X-Test", "TEST").body("body\r\n");
    Ok(())
}

/// test_head_with_body: the same with `send_body_for_head_request = True`.
pub fn head_with_body(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.send_body_for_head(true)
        .append_header("X-Test", "TEST")
        .body("body\r\n");
    Ok(())
}

/// test_write_content_no_status_no_header: `writer.write_content(b"TEST")` only.
pub fn write_content_no_status_no_header(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.writer().write_content("TEST")
}

/// test_write_content_no_headers: `write_status(201)`, `write_content(b"TEST")`.
pub fn write_content_no_headers(_: &Request, resp: &mut Response) -> Result<(), Error> {
    let w = resp.writer();
    w.write_status(201, None)?;
    w.write_content("TEST")
}

/// test_write_content_no_status: `write_header("test-header", "test-value")`, `write_content`.
pub fn write_content_no_status(_: &Request, resp: &mut Response) -> Result<(), Error> {
    let w = resp.writer();
    w.write_header("test-header", "test-value")?;
    w.write_content("TEST")
}

/// test_write_content_no_status_no_required_headers: `add_required_headers = False` first.
pub fn write_content_no_status_no_required_headers(
    _: &Request,
    resp: &mut Response,
) -> Result<(), Error> {
    resp.add_required_headers(false);
    let w = resp.writer();
    w.write_header("test-header", "test-value")?;
    w.write_content("TEST")
}

/// test_write_content_no_status_no_headers_no_required_headers.
pub fn write_content_no_status_no_headers_no_required_headers(
    _: &Request,
    resp: &mut Response,
) -> Result<(), Error> {
    resp.add_required_headers(false);
    resp.writer().write_content("TEST")
}

/// test_write_raw_content: LF-only raw HTTP.
pub fn write_raw_content(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.writer()
        .write_raw("HTTP/1.1 202 Giraffe\nX-TEST: PASS\nContent-Length: 7\n\nContent")
}

/// test_write_raw_contents_invalid_http: `write_raw_content(b"INVALID HTTP")`.
pub fn write_raw_contents_invalid_http(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.writer().write_raw("INVALID HTTP")
}

/// test_set_error: `response.set_error(503, "Test error")`.
pub fn set_error(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.set_error(503, "Test error");
    Ok(())
}

/// test_file_like_response: `response.content = BytesIO(b"Hello, world!")` (a file: no Content-Length).
pub fn file_like_response(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.append_body_chunk("Hello, world!");
    Ok(())
}

/// test_list_response: `response.content = ["hello", "world"]`.
pub fn list_response(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.append_body_chunk("hello").append_body_chunk("world");
    Ok(())
}
