//! Write wpthost request handlers in Rust.
//!
//! A handler is a WebAssembly component implementing the `wpthost:handler/handler` world (the
//! repository's `wit/handler.wit`). This crate hides the bindings: a handler is one function taking
//! the [`Request`] and a [`Response`] to fill, exported with [`export_handler!`].
//!
//! ```no_run
//! use wpthost_plugin_sdk::{export_handler, Error, Request, Response};
//!
//! // GET /greet.py?name=x  ->  200 text/plain "hello x"
//! fn handle(req: &Request, resp: &mut Response) -> Result<(), Error> {
//!     let name = req.query().first(b"name").unwrap_or(b"world");
//!     resp.set_header("Content-Type", "text/plain");
//!     resp.body([&b"hello "[..], name].concat());
//!     Ok(())
//! }
//!
//! export_handler!(handle);
//! ```
//!
//! Build it as a `cdylib` for `wasm32-wasip2` (`cargo build --release --target wasm32-wasip2`); the
//! `.wasm` file in `target/wasm32-wasip2/release/` is the component to name in a directory's
//! `__dir__.handlers.json`.
//!
//! # What maps to what (wptserve → SDK)
//!
//! | wptserve (Python) | SDK |
//! |---|---|
//! | `request.GET.first(b"a")`, `.get_list` | [`Request::query`] → [`MultiDict::first`], [`MultiDict::get_all`] |
//! | `request.POST` (urlencoded, multipart) | [`Request::form`], [`Request::form_full`] |
//! | `request.headers.get(b"x")` | [`Request::header`], [`Request::header_all`] (every value) |
//! | `request.cookies[b"k"].value` | [`Request::cookie`], [`Request::cookies`] |
//! | `request.auth.username` | [`Request::basic_auth`] |
//! | `request.body`, `request.route_match` | [`Request::body`], [`Request::route_param`] |
//! | `request.raw_input` (seek/readline) | `std::io::Cursor::new(req.body())` with `std::io::BufRead` |
//! | `response.status = (202, "Giraffe")` | [`Response::status_with_reason`] |
//! | `response.headers.set/append`, `del` | [`Response::set_header`], [`Response::append_header`], [`Response::delete_header`] |
//! | `return "body"` / `response.content = [...]` | [`Response::body`] / [`Response::append_body_chunk`] |
//! | `response.set_cookie`, `delete_cookie` | [`Response::set_cookie`] with [`SetCookie`], [`Response::delete_cookie`] |
//! | `response.writer.write_status/…` | [`Response::writer`] → [`Writer`] |
//! | `request.server.stash.put/take`, `lock` | [`stash::put`], [`stash::take`], [`stash::lock`] |
//! | `time.sleep(s)` | [`sleep_ms`] (holds no host thread) |
//! | `raise HTTPException(400, msg)` / any exception | [`Error::http`] / [`Error::msg`] or `?` |
//! | `request.server.config` | [`config`] |
//!
//! # Where the SDK differs from wptserve's Python API
//!
//! * Every value of a repeated request header is visible ([`Request::header_all`]); wptserve 4.0.3
//!   only ever sees the first. [`Request::header`] gives the first, as `request.headers[name]` does.
//! * A multipart file part's value in [`Request::form`] is its content; wptserve gives a
//!   `FieldStorage` object. The filename and type are in [`Request::form_full`]'s `files`.
//! * [`Response::unset_cookie`] keeps the other cookies; wptserve 4.0.3 crashes when others remain.
//! * Python's return conventions become explicit calls: `return "x"` is [`Response::body`], returned
//!   header pairs are [`Response::append_headers`], a returned status is [`Response::status`].
//! * Handler errors carry a message, not a Python traceback, in the JSON 500.
//!
//! # A streaming handler
//!
//! ```no_run
//! use wpthost_plugin_sdk::{export_handler, sleep_ms, Error, Request, Response};
//!
//! export_handler!(|_req: &Request, resp: &mut Response| -> Result<(), Error> {
//!     let w = resp.writer();
//!     w.write_status(200, None)?;
//!     w.write_header("Content-Type", "text/plain")?;
//!     w.end_headers()?;
//!     for i in 0..3 {
//!         w.write_raw(format!("chunk {i}\n"))?;
//!         sleep_ms(100); // flushes, then waits without holding a thread
//!     }
//!     Ok(())
//! });
//! ```
//!
//! The pure parts (query, form, cookie parsing, `Set-Cookie` formatting) also work natively, so handler
//! logic can be unit-tested with [`Request::builder`]; calling a host function outside a component
//! panics.

#![warn(missing_docs)]

extern crate self as wpthost_plugin_sdk;

#[allow(missing_docs)]
pub mod bindings;
pub mod cookies;
mod error;
mod form;
mod host;
mod multidict;
mod request;
mod response;
pub mod stash;

pub use cookies::{Expires, SetCookie};
pub use error::Error;
pub use form::{FilePart, Form};
pub use host::{config, elapsed_ms, log, sleep, sleep_ms, Level};
pub use multidict::{percent_decode, MultiDict};
pub use request::{BasicAuth, Request, RequestBuilder};
pub use response::{json_string, Response, Writer};

#[doc(hidden)]
pub mod __private {
    pub use wit_bindgen::rt;

    use crate::bindings::wpthost::handler::types;
    use crate::{Error, Request, Response};

    /// The body of the exported `handle`: wrap the record, run the handler, turn its error into what
    /// the host expects. An HTTP error becomes a JSON error response as long as nothing was written
    /// directly; everything else goes to the host, which answers the JSON 500 (or closes the
    /// connection if bytes already left).
    pub fn run<F>(raw: types::Request, handler: F) -> Result<(), String>
    where
        F: FnOnce(&Request, &mut Response) -> Result<(), Error>,
    {
        let request = Request::from_raw(raw);
        let mut response = Response::new(request.url());
        match handler(&request, &mut response) {
            Ok(()) => Ok(()),
            Err(err) => match err.as_http() {
                Some((code, message)) if !response.writer().has_written() => {
                    response.set_error(code, message);
                    Ok(())
                }
                _ => Err(err.message().to_string()),
            },
        }
    }
}

/// Export a handler function (or closure) as this component's `handle`.
///
/// The handler has the signature `fn(&Request, &mut Response) -> Result<(), Error>`. Use the macro
/// once, at the crate root of a `cdylib` crate.
///
/// ```no_run
/// wpthost_plugin_sdk::export_handler!(|_req: &wpthost_plugin_sdk::Request,
///                                      resp: &mut wpthost_plugin_sdk::Response|
///  -> Result<(), wpthost_plugin_sdk::Error> {
///     resp.body("PASS");
///     Ok(())
/// });
/// ```
#[macro_export]
macro_rules! export_handler {
    ($handler:expr) => {
        #[doc(hidden)]
        struct __WpthostHandler;

        impl $crate::bindings::Guest for __WpthostHandler {
            fn handle(
                request: $crate::bindings::wpthost::handler::types::Request,
            ) -> ::core::result::Result<(), ::std::string::String> {
                $crate::__private::run(request, $handler)
            }
        }

        $crate::bindings::__export_handler_world!(__WpthostHandler with_types_in $crate::bindings);
    };
}
