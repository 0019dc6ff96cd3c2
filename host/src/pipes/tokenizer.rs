//! wptserve's `PipeTokenizer` (§2.H): a pipe string becomes a list of calls.
//!
//! The grammar is odd on purpose-compatible points: a name is every character up to `(` or `|`
//! (spaces included, empty names between `||` skipped), inside arguments `,` separates and `)` ends,
//! `\` escapes the next character (`\n`, `\r`, `\t` mapped), `|` and `(` are plain characters inside
//! arguments, and the end of the string ends the current argument. Text between `)` and the next `|`
//! starts the next name.

use super::PipeError;

/// One pipe call as written: the name and its raw (unescaped) argument strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipeCall {
    pub name: String,
    pub args: Vec<String>,
}

/// Tokenize `pipes` into calls in order.
pub fn tokenize(pipes: &str) -> Result<Vec<PipeCall>, PipeError> {
    let mut calls: Vec<PipeCall> = Vec::new();
    let mut chars = pipes.chars();
    let mut name = String::new();
    loop {
        // Name state.
        match chars.next() {
            None => {
                if !name.is_empty() {
                    calls.push(PipeCall {
                        name,
                        args: Vec::new(),
                    });
                }
                return Ok(calls);
            }
            Some('|') => {
                if !name.is_empty() {
                    calls.push(PipeCall {
                        name: std::mem::take(&mut name),
                        args: Vec::new(),
                    });
                }
            }
            Some('(') => {
                let mut call = PipeCall {
                    name: std::mem::take(&mut name),
                    args: Vec::new(),
                };
                let finished = read_args(&mut chars, &mut call.args)?;
                calls.push(call);
                if finished {
                    return Ok(calls);
                }
            }
            Some(c) => name.push(c),
        }
    }
}

/// Argument state; returns true when the string ended inside the arguments.
fn read_args(chars: &mut std::str::Chars<'_>, args: &mut Vec<String>) -> Result<bool, PipeError> {
    let mut arg = String::new();
    loop {
        match chars.next() {
            None => {
                args.push(arg);
                return Ok(true);
            }
            Some('\\') => match chars.next() {
                Some('n') => arg.push('\n'),
                Some('r') => arg.push('\r'),
                Some('t') => arg.push('\t'),
                Some(c) => arg.push(c),
                // wptserve crashes here (`str += None`), which is a 500.
                None => {
                    return Err(PipeError::Invalid(
                        "pipe string ends with an unfinished '\\' escape".into(),
                    ))
                }
            },
            Some(',') => args.push(std::mem::take(&mut arg)),
            Some(')') => {
                args.push(arg);
                return Ok(false);
            }
            Some(c) => arg.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(s: &str) -> Vec<(String, Vec<String>)> {
        tokenize(s)
            .unwrap()
            .into_iter()
            .map(|c| (c.name, c.args))
            .collect()
    }

    fn c(name: &str, args: &[&str]) -> (String, Vec<String>) {
        (name.into(), args.iter().map(|a| a.to_string()).collect())
    }

    #[test]
    fn names_args_and_separators() {
        assert_eq!(calls("sub"), vec![c("sub", &[])]);
        assert_eq!(calls("|sub||gzip|"), vec![c("sub", &[]), c("gzip", &[])]);
        assert_eq!(
            calls("header(X,1,True)|status(202)"),
            vec![c("header", &["X", "1", "True"]), c("status", &["202"])]
        );
        assert_eq!(calls("gzip()"), vec![c("gzip", &[""])]);
        assert_eq!(calls("(x)"), vec![c("", &["x"])]);
        // Text after `)` starts the next name.
        assert_eq!(
            calls("status(200)x|gzip"),
            vec![c("status", &["200"]), c("x", &[]), c("gzip", &[])]
        );
        assert_eq!(calls("a b"), vec![c("a b", &[])]);
    }

    #[test]
    fn escapes_and_unterminated_arguments() {
        assert_eq!(
            calls(r"header(Expires,Thu\, 14 Aug)"),
            vec![c("header", &["Expires", "Thu, 14 Aug"])]
        );
        // F-PP-2 test_escape_parenthesis: no closing paren, `(` literal, `\)` literal.
        assert_eq!(
            calls(r"header(User-Agent,Mozilla/5.0 (X11; rv:12.0\)"),
            vec![c("header", &["User-Agent", "Mozilla/5.0 (X11; rv:12.0)"])]
        );
        assert_eq!(
            calls(r"header(X,a\nb\rc\td\\e\qf|g)"),
            vec![c("header", &["X", "a\nb\rc\td\\eqf|g"])]
        );
        assert!(tokenize(r"header(X,abc\").is_err());
    }
}
