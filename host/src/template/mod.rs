//! The `{{...}}` substitution language (§2.I), used by the `sub` pipe and by `.sub.headers` files.
//!
//! Every match of the regex `{{([^}]*)}}` over the bytes is replaced: its text is scanned into
//! tokens (`tokenizer`), the leading identifier is resolved (`lookup`), index and argument tokens
//! are applied with Python's semantics (`value`, `functions`), and the result is escaped
//! (`escape`). Any failure fails the whole template, which the caller turns into a 500.

mod escape;
mod functions;
mod lookup;
mod tokenizer;
mod value;

pub use escape::EscapeType;

use crate::config::Config;
use crate::request::Request;
use lookup::Scope;
use std::borrow::Cow;
use tokenizer::Token;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("{0}")]
    Invalid(String),
    /// F-SB-14, wptserve's exact wording.
    #[error("Undefined template variable {0}")]
    Undefined(String),
}

/// Run a `.sub.headers` file through the template engine with escape type `none` (F-HD-5).
pub fn render_headers_file(
    content: &[u8],
    request: &Request,
    config: &Config,
) -> Result<Vec<u8>, TemplateError> {
    render(content, request, config, &EscapeType::None).map(Cow::into_owned)
}

/// Substitute every `{{...}}` in `content`; borrowed back unchanged when there is none.
pub fn render<'c>(
    content: &'c [u8],
    request: &Request,
    config: &Config,
    escape: &EscapeType,
) -> Result<Cow<'c, [u8]>, TemplateError> {
    let mut scope = Scope::new(request, config);
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = find_open(&content[from..]) {
        let start = from + found;
        // `[^}]*` cannot backtrack into a `}`, so the match (if any) ends at the first `}` pair.
        let Some(len) = content[start + 2..].iter().position(|&b| b == b'}') else {
            break;
        };
        let close = start + 2 + len;
        if content.get(close + 1) != Some(&b'}') {
            // No start before `close` can match either: their first `}` is the same lone one.
            from = close + 1;
            continue;
        }
        let out = out.get_or_insert_with(|| Vec::with_capacity(content.len() + 64));
        out.extend_from_slice(&content[copied..start]);
        let inner = &content[start + 2..close];
        substitute(inner, &mut scope, escape, out).map_err(|e| match e {
            TemplateError::Invalid(msg) => TemplateError::Invalid(format!(
                "{msg} (in {{{{{}}}}})",
                String::from_utf8_lossy(inner)
            )),
            undefined => undefined,
        })?;
        copied = close + 2;
        from = copied;
    }
    Ok(match out {
        None => Cow::Borrowed(content),
        Some(mut out) => {
            out.extend_from_slice(&content[copied..]);
            Cow::Owned(out)
        }
    })
}

fn find_open(s: &[u8]) -> Option<usize> {
    s.windows(2).position(|w| w == b"{{")
}

/// Evaluate one substitution and append its escaped text to `out`.
fn substitute<'a>(
    inner: &[u8],
    scope: &mut Scope<'a>,
    escape: &EscapeType,
    out: &mut Vec<u8>,
) -> Result<(), TemplateError> {
    let empty = || TemplateError::Invalid("substitution has no name".into());
    let mut tokens = tokenizer::scan(inner)?.into_iter();
    let mut token = tokens.next().ok_or_else(empty)?;
    let variable = match token {
        Token::Var(name) => {
            token = tokens.next().ok_or_else(empty)?;
            Some(name)
        }
        _ => None,
    };
    let Token::Ident(field) = token else {
        return Err(TemplateError::Invalid(format!(
            "unexpected token {token:?}, expected a name"
        )));
    };
    let mut value = scope.resolve(field)?;
    for token in tokens {
        value = match token {
            Token::Index(index) => value.index(scope, &index)?,
            Token::Arguments(args) => value.call(scope, &args)?,
            other => {
                return Err(TemplateError::Invalid(format!(
                    "unexpected token {other:?}, expected an index or arguments"
                )))
            }
        };
    }
    if !value.is_scalar() {
        return Err(TemplateError::Invalid(format!(
            "a substitution must produce a string or an integer, not a {}",
            value.type_name()
        )));
    }
    if let Some(name) = variable {
        scope.assign(name, value.clone());
    }
    let html = match escape {
        EscapeType::Html => true,
        EscapeType::None => false,
        EscapeType::Unknown(name) => {
            return Err(TemplateError::Invalid(format!(
                "unknown escape type {} for sub (expected html or none)",
                name.as_deref()
                    .map_or("null".to_owned(), |n| format!("{n:?}"))
            )))
        }
    };
    let text = value.into_text()?;
    if html {
        escape::html_escape_into(&text, out);
    } else {
        out.extend_from_slice(text.as_bytes());
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;
