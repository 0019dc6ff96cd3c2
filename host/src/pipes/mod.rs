//! Pipes (§2.H, F-PP-*): `?pipe=` and `.sub.` transformations of a handler's response.
//!
//! The pipe string is `sub(html|none)` when the path contains `.sub.` (F-ST-7), then `|` and the
//! last `pipe=` query value (F-PP-9). It is tokenized like wptserve's `PipeTokenizer`
//! (`tokenizer`), every name is checked before anything runs (an unknown pipe is a 500), and the
//! pipes apply left to right, each in its own file. Header-only pipes never touch the body, so a
//! static file stays a streamed file unless a body pipe needs its bytes.

mod body;
pub(crate) mod convert;
mod gzip;
mod header;
mod query;
mod slice;
mod status;
mod sub;
mod tokenizer;
mod trickle;

pub use body::resolve as resolve_body;
pub use tokenizer::{tokenize, PipeCall};

use crate::config::Config;
use crate::request::Request;
use crate::response::Response;
use crate::template::TemplateError;
use std::path::PathBuf;

/// Why a pipe string could not be applied; the caller answers with a JSON 500 whose message is
/// this error's Display.
#[derive(Debug, thiserror::Error)]
pub enum PipeError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Template(#[from] TemplateError),
    #[error("cannot read {path:?} for a pipe: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The six pipes of wptserve 4.0.3 (F-PP-10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pipe {
    Status,
    Header,
    Slice,
    Sub,
    Trickle,
    Gzip,
}

impl Pipe {
    fn by_name(name: &str) -> Option<Pipe> {
        Some(match name {
            "status" => Pipe::Status,
            "header" => Pipe::Header,
            "slice" => Pipe::Slice,
            "sub" => Pipe::Sub,
            "trickle" => Pipe::Trickle,
            "gzip" => Pipe::Gzip,
            _ => return None,
        })
    }
}

/// One call being applied: for argument checks and messages that name the call.
pub(crate) struct Call<'p> {
    call: &'p PipeCall,
}

impl Call<'_> {
    pub(crate) fn args(&self) -> &[String] {
        &self.call.args
    }

    /// wptserve's arity check (`Expected between %d and %d args, got %d`).
    pub(crate) fn expect_args(&self, min: usize, max: usize) -> Result<(), PipeError> {
        let n = self.call.args.len();
        if (min..=max).contains(&n) {
            Ok(())
        } else {
            Err(self.error(format!("Expected between {min} and {max} args, got {n}")))
        }
    }

    pub(crate) fn error(&self, detail: impl std::fmt::Display) -> PipeError {
        let args = self.call.args.join(",");
        let shown = if self.call.args.is_empty() {
            self.call.name.clone()
        } else {
            format!("{}({args})", self.call.name)
        };
        PipeError::Invalid(format!("pipe {shown}: {detail}"))
    }
}

/// Apply the pipeline for this response: `sub(html|none)` when `sub_path` contains `.sub.` (F-ST-7),
/// then the last `pipe=` query parameter (F-PP-9). The caller turns an error into a JSON 500.
pub async fn apply(
    mut response: Response,
    request: &Request,
    sub_path: Option<&str>,
    config: &Config,
) -> Result<Response, PipeError> {
    let Some(pipes) = pipe_string(request, sub_path) else {
        return Ok(response);
    };
    let calls = tokenize(&pipes)?;
    // wptserve looks every name up before running any pipe.
    let mut pipeline = Vec::with_capacity(calls.len());
    for call in &calls {
        let pipe = Pipe::by_name(&call.name)
            .ok_or_else(|| PipeError::Invalid(format!("unknown pipe {:?}", call.name)))?;
        pipeline.push((pipe, Call { call }));
    }
    for (pipe, call) in &pipeline {
        match pipe {
            Pipe::Status => status::apply(&mut response, call)?,
            Pipe::Header => header::apply(&mut response, call)?,
            Pipe::Slice => slice::apply(&mut response, call).await?,
            Pipe::Sub => sub::apply(&mut response, call, request, config).await?,
            Pipe::Trickle => trickle::apply(&mut response, call).await?,
            Pipe::Gzip => gzip::apply(&mut response, call).await?,
        }
    }
    Ok(response)
}

/// The pipe string wptserve's `wrap_pipeline` builds, or None when there is nothing to do.
fn pipe_string(request: &Request, sub_path: Option<&str>) -> Option<String> {
    let sub = sub_path.filter(|p| p.contains(".sub.")).map(|p| {
        if is_markup(p) {
            "sub(html)"
        } else {
            "sub(none)"
        }
    });
    let query = if request.query.is_empty() {
        None
    } else {
        query::last_pipe_param(&request.query)
    };
    match (sub, query) {
        (None, None) => None,
        (Some(s), None) => Some(s.to_owned()),
        (None, Some(q)) => Some(q),
        (Some(s), Some(q)) => Some(format!("{s}|{q}")),
    }
}

/// Whether `os.path.splitext(path)[1]` is one of the markup extensions that get html escaping.
fn is_markup(path: &str) -> bool {
    let name = path
        .rsplit(['/', std::path::MAIN_SEPARATOR])
        .next()
        .unwrap_or(path);
    let stem_len = name.len() - name.trim_start_matches('.').len();
    let ext = match name[stem_len..].rfind('.') {
        Some(i) => &name[stem_len + i..],
        None => "",
    };
    matches!(ext, ".html" | ".htm" | ".xht" | ".xhtml" | ".xml" | ".svg")
}

#[cfg(test)]
mod tests;
