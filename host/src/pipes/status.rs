//! `status(code)` (F-PP-1): the code changes and the reason comes from the table again.

use super::convert::py_int;
use super::{Call, PipeError};
use crate::response::Response;

pub fn apply(response: &mut Response, call: &Call<'_>) -> Result<(), PipeError> {
    call.expect_args(1, 1)?;
    let arg = &call.args()[0];
    let code = py_int(arg)
        .ok_or_else(|| call.error(format!("invalid literal for int() with base 10: {arg:?}")))?;
    // wptserve would write any int into the status line; a u16 holds every code HTTP can carry.
    response.status = u16::try_from(code)
        .map_err(|_| call.error(format!("status code {code} is out of range")))?;
    response.reason = None;
    Ok(())
}
