//! The handlers of wptserve's functional test suite, ported to one component.
//!
//! wptserve's tests use two kinds of handler: Python files in the test document root
//! (`test_string.py`, `test_tuple_3.py`, ...) and functions registered on a route at run time
//! (`@handlers.handler def handler(request, response): return "test data"`). Both become entries of a
//! `__dir__.handlers.json` that route to this component; it picks the handler by the last segment of
//! the URL path with any `.py` removed (`/test_string.py` and `/functional/test_string.py` both run
//! `test_string`), or by the route's `match` group for `test/{match}_*` (test_route_match).
//!
//! Each module is one test file of the suite; each function names the test it serves and returns what
//! the Python original returns, with the return-value conventions of F-PY-3 spelled out: a returned
//! string is the body (Content-Length added by the host), a `(headers, body)` tuple appends the headers,
//! a `(status, headers, body)` tuple also sets the status.

mod cookies;
mod handlers;
mod pipes;
mod request;
mod response;
mod scripts;
mod server;

use wpthost_plugin_sdk::{export_handler, Error, Request, Response};

type Handler = fn(&Request, &mut Response) -> Result<(), Error>;

/// URL name -> handler.
const HANDLERS: &[(&str, Handler)] = &[
    // Python files of tests/functional/docroot.
    ("test_string", scripts::test_string),
    ("test_tuple_2", scripts::test_tuple_2),
    ("test_tuple_3", scripts::test_tuple_3),
    ("defaultpy", scripts::default_py),
    ("default", scripts::default_py),
    ("default.sub", scripts::default_sub_py),
    ("defaultsubpy", scripts::defaultsubpy),
    ("import_handler", scripts::import_handler),
    ("no_main", scripts::no_main),
    // test_handlers.py: TestFunctionHandler, TestJSONHandler.
    ("test_string_rv", handlers::string_rv),
    ("test_tuple_1_rv", handlers::tuple_1_rv),
    ("test_tuple_2_rv", handlers::tuple_2_rv),
    ("test_tuple_3_rv", handlers::tuple_3_rv),
    ("test_tuple_3_rv_1", handlers::tuple_3_rv_1),
    ("test_tuple_4_rv", handlers::tuple_4_rv),
    ("test_none_rv", handlers::none_rv),
    ("test_json_0", handlers::json_0),
    ("test_json_tuple_2", handlers::json_tuple_2),
    ("test_json_tuple_3", handlers::json_tuple_3),
    // test_request.py.
    ("test_body", request::body),
    ("test_non_ascii_in_headers", request::non_ascii_in_headers),
    (
        "test_non_ascii_in_GET_params",
        request::non_ascii_in_get_params,
    ),
    (
        "test_non_ascii_in_POST_params",
        request::non_ascii_in_post_params,
    ),
    ("test_auth", request::auth),
    // test_response.py.
    ("test_head_without_body", response::head_without_body),
    ("test_head_with_body", response::head_with_body),
    (
        "test_write_content_no_status_no_header",
        response::write_content_no_status_no_header,
    ),
    (
        "test_write_content_no_headers",
        response::write_content_no_headers,
    ),
    (
        "test_write_content_no_status",
        response::write_content_no_status,
    ),
    (
        "test_write_content_no_status_no_required_headers",
        response::write_content_no_status_no_required_headers,
    ),
    (
        "test_write_content_no_status_no_headers_no_required_headers",
        response::write_content_no_status_no_headers_no_required_headers,
    ),
    ("test_write_raw_content", response::write_raw_content),
    (
        "test_write_raw_contents_invalid_http",
        response::write_raw_contents_invalid_http,
    ),
    ("test_set_error", response::set_error),
    ("test_file_like_response", response::file_like_response),
    ("test_list_response", response::list_response),
    // test_cookies.py.
    ("test_name_value", cookies::name_value),
    ("test_unset", cookies::unset),
    ("test_delete", cookies::delete),
    ("test_set_cookie", cookies::request_cookie),
    // test_stash.py.
    ("put_take", server::put_take),
    // test_pipes.py (TestPipesWithVariousHandlers).
    ("test_pipes_1", pipes::pipes_1),
    ("test_pipes_2", pipes::writer_pass),
    ("test_pipes_3", pipes::writer_content),
    ("test_pipes_4", pipes::json_pass),
    // test_server.py.
    ("test_rewrite", server::request_path),
    ("rewritten", server::request_path),
    ("test_exception", server::exception),
    ("test_many_headers", server::many_headers),
];

/// The handler name for a path: its last segment without `.py`.
fn name_of(path: &[u8]) -> &[u8] {
    let trimmed = path.strip_suffix(b"/").unwrap_or(path);
    let last = trimmed.rsplit(|&b| b == b'/').next().unwrap_or(b"");
    last.strip_suffix(b".py").unwrap_or(last)
}

fn handle(req: &Request, resp: &mut Response) -> Result<(), Error> {
    if req.route_param("match").is_some() {
        return request::route_match(req, resp);
    }
    let name = name_of(req.path());
    match HANDLERS.iter().find(|(n, _)| n.as_bytes() == name) {
        Some((_, handler)) => handler(req, resp),
        None => Err(Error::http(404, "404")),
    }
}

export_handler!(handle);

#[cfg(test)]
mod tests {
    #[test]
    fn names() {
        assert_eq!(super::name_of(b"/test_string.py"), b"test_string");
        assert_eq!(super::name_of(b"/a/defaultpy/"), b"defaultpy");
        assert_eq!(super::name_of(b"/default.sub.py"), b"default.sub");
    }
}
