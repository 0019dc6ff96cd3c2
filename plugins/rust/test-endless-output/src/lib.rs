//! Writes 64 KiB chunks forever, ignoring errors: the output byte cap must end it.

wit_bindgen::generate!({ path: "../../../wit", world: "handler" });

struct Component;
export!(Component);

use wpthost::handler::writer;

impl Guest for Component {
    fn handle(_request: Request) -> Result<(), String> {
        let chunk = vec![b'x'; 64 * 1024];
        let _ = writer::write_status(200, None);
        let _ = writer::end_headers();
        loop {
            let _ = writer::write_raw(&chunk);
        }
    }
}
