//! `slice(start[, end])` (F-PP-3): Python slice of the body; Content-Length set in header order.

use super::convert::{nullable_int, py_slice};
use super::{body, Call, PipeError};
use crate::response::{Body, Response};

pub async fn apply(response: &mut Response, call: &Call<'_>) -> Result<(), PipeError> {
    call.expect_args(1, 2)?;
    let args = call.args();
    let start = nullable_int(&args[0]).map_err(|e| call.error(e))?;
    let end = match args.get(1) {
        Some(a) => nullable_int(a).map_err(|e| call.error(e))?,
        None => None,
    };
    let content = body::resolve(std::mem::take(&mut response.body)).await?;
    let sliced = content.slice(py_slice(content.len(), start, end));
    response
        .headers
        .set("Content-Length", sliced.len().to_string());
    response.body = Body::Bytes(sliced);
    Ok(())
}
