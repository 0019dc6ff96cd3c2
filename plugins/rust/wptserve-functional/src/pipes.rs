//! test_pipes.py, TestPipesWithVariousHandlers: pipes apply to returned responses, never to direct
//! writes (F-PP-7).

use wpthost_plugin_sdk::{Error, Request, Response};

/// test_with_python_func_handler: `return "PASS"` (`?pipe=slice(null,2)` gives `PA`).
pub fn pipes_1(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.body("PASS");
    Ok(())
}

/// test_with_python_func_handler_using_response_writer: `writer.write_content("PASS")` (pipe ignored).
pub fn writer_pass(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.writer().write_content("PASS")
}

/// test_header_pipe_with_python_func_using_response_writer: writes `CONTENT` directly.
pub fn writer_content(_: &Request, resp: &mut Response) -> Result<(), Error> {
    resp.writer().write_content("CONTENT")
}

/// test_with_json_handler: `@json_handler` returning `json.dumps({'data': 'PASS'})`, a string that
/// gets JSON-encoded again (`?pipe=slice(null,2)` gives `"{`).
pub fn json_pass(_: &Request, resp: &mut Response) -> Result<(), Error> {
    let body = r#""{\"data\": \"PASS\"}""#;
    resp.set_header("Content-Type", "application/json")
        .set_header("Content-Length", body.len().to_string())
        .body(body);
    Ok(())
}
