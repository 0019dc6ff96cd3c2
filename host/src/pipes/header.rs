//! `header(name, value[, append])` (F-PP-2): set (keeping the position) or append, raw values.

use super::convert::boolean;
use super::{Call, PipeError};
use crate::response::Response;

pub fn apply(response: &mut Response, call: &Call<'_>) -> Result<(), PipeError> {
    call.expect_args(2, 3)?;
    let args = call.args();
    let append = match args.get(2) {
        Some(a) => boolean(a).map_err(|e| call.error(e))?,
        None => false,
    };
    // Header text is written as ISO-8859-1, as wptserve's `isomorphic_encode` does.
    let name = latin1(&args[0]).ok_or_else(|| call.error("header name is not ISO-8859-1"))?;
    let value = latin1(&args[1]).ok_or_else(|| call.error("header value is not ISO-8859-1"))?;
    if append {
        response.headers.append(name, value);
    } else {
        response.headers.set(name, value);
    }
    Ok(())
}

fn latin1(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}
