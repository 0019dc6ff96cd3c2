//! Sleeps for an hour: the wall-clock budget must end it (sleeping holds no thread).

wit_bindgen::generate!({ path: "../../../wit", world: "handler" });

struct Component;
export!(Component);

use wpthost::handler::{response, timing};

impl Guest for Component {
    fn handle(request: Request) -> Result<(), String> {
        // `?ms=N` sleeps N ms and answers (the 1,000-concurrent-sleepers test); otherwise an hour.
        let query = String::from_utf8_lossy(&request.query).into_owned();
        let ms = query
            .strip_prefix("ms=")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(3_600_000);
        timing::sleep(ms);
        response::set_body(format!("slept {ms}").as_bytes());
        Ok(())
    }
}
