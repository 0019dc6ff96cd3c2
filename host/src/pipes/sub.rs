//! `sub([escape])` (F-PP-4): the template engine over the whole body; the body becomes bytes, so
//! the writer appends Content-Length after Date (F-ST-9).

use super::{body, Call, PipeError};
use crate::config::Config;
use crate::request::Request;
use crate::response::{Body, Response};
use crate::template::{self, EscapeType};
use bytes::Bytes;
use std::borrow::Cow;

pub async fn apply(
    response: &mut Response,
    call: &Call<'_>,
    request: &Request,
    config: &Config,
) -> Result<(), PipeError> {
    call.expect_args(0, 1)?;
    // `opt(nullable(str))`: no argument is html, `null` (any case) is None.
    let escape = match call.args().first() {
        None => EscapeType::Html,
        Some(a) if a.eq_ignore_ascii_case("null") => EscapeType::from_arg(None),
        Some(a) => EscapeType::from_arg(Some(a)),
    };
    let content = body::resolve(std::mem::take(&mut response.body)).await?;
    let rendered = template::render(&content, request, config, &escape)?;
    response.body = Body::Bytes(match rendered {
        Cow::Borrowed(_) => content.clone(),
        Cow::Owned(v) => Bytes::from(v),
    });
    Ok(())
}
