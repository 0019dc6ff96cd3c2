//! Sends a head promising 100 bytes and 5 of them, flushes, then traps: the host must close the
//! connection rather than let the response look complete.

wit_bindgen::generate!({ path: "../../../wit", world: "handler" });

struct Component;
export!(Component);

use wpthost::handler::writer;

impl Guest for Component {
    fn handle(_request: Request) -> Result<(), String> {
        writer::write_status(200, None)?;
        writer::write_header(b"Content-Length", b"100")?;
        writer::end_headers()?;
        writer::write_content(b"start")?;
        writer::flush()?;
        core::arch::wasm32::unreachable()
    }
}
