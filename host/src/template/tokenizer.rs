//! The scanner wptserve runs over the text inside `{{...}}` (`ReplacementTokenizer`, §2.I).
//!
//! It is Python's `re.Scanner` with four patterns tried in order at each position, and it stops
//! silently at the first position none of them matches: trailing junk is ignored (`{{host foo}}`)
//! and a leading space yields no tokens at all (`{{ host }}`). `\w` is ASCII (bytes patterns).

use super::TemplateError;
use crate::pipes::convert::py_int;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'t> {
    /// `$name:` — assign the result to `$name`.
    Var(&'t str),
    /// `name` or `$name`.
    Ident(&'t str),
    /// `[...]`: an int when Python's `int()` accepts it, else the text (quotes are not stripped).
    Index(Index),
    /// `(...)`: the text split on `,\s*`; `()` is no arguments.
    Arguments(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Index {
    Int(i64),
    Text(String),
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn word_end(s: &[u8], from: usize) -> usize {
    from + s[from..].iter().take_while(|&&b| is_word(b)).count()
}

fn utf8<'t>(bytes: &'t [u8], what: &str) -> Result<&'t str, TemplateError> {
    std::str::from_utf8(bytes)
        .map_err(|_| TemplateError::Invalid(format!("{what} in substitution is not valid UTF-8")))
}

/// Scan `inner` (the text between `{{` and `}}`) into tokens.
pub fn scan(inner: &[u8]) -> Result<Vec<Token<'_>>, TemplateError> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < inner.len() {
        let b = inner[i];
        if b == b'$' || is_word(b) {
            let start = if b == b'$' { i + 1 } else { i };
            let end = word_end(inner, start);
            if end == start {
                break; // a lone `$`
            }
            if b == b'$' && inner.get(end) == Some(&b':') {
                // Identifiers are ASCII, so this cannot fail.
                tokens.push(Token::Var(utf8(&inner[i..end], "a variable name")?));
                i = end + 1;
            } else {
                tokens.push(Token::Ident(utf8(&inner[i..end], "a name")?));
                i = end;
            }
        } else if b == b'[' {
            let Some(len) = inner[i + 1..].iter().position(|&c| c == b']') else {
                break;
            };
            let text = utf8(&inner[i + 1..i + 1 + len], "an index")?;
            tokens.push(Token::Index(match py_int(text) {
                Some(n) => Index::Int(n),
                None => Index::Text(text.to_owned()),
            }));
            i += len + 2;
        } else if b == b'(' {
            let Some(len) = inner[i + 1..].iter().position(|&c| c == b')') else {
                break;
            };
            let text = utf8(&inner[i + 1..i + 1 + len], "an argument list")?;
            tokens.push(Token::Arguments(split_arguments(text)));
            i += len + 2;
        } else {
            break;
        }
    }
    Ok(tokens)
}

/// Python's `re.split(r",\s*", text)` (empty text means no arguments).
fn split_arguments(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut parts = text.split(',');
    let mut out = Vec::new();
    if let Some(first) = parts.next() {
        out.push(first.to_owned());
    }
    out.extend(parts.map(|p| {
        p.trim_start_matches(crate::pipes::convert::is_py_space)
            .to_owned()
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_every_token_kind() {
        assert_eq!(
            scan(b"$id:uuid()").unwrap(),
            vec![
                Token::Var("$id"),
                Token::Ident("uuid"),
                Token::Arguments(vec![])
            ]
        );
        assert_eq!(
            scan(b"ports[http][0]").unwrap(),
            vec![
                Token::Ident("ports"),
                Token::Index(Index::Text("http".into())),
                Token::Index(Index::Int(0))
            ]
        );
        assert_eq!(
            scan(b"file_hash(md5, a.txt,b)").unwrap(),
            vec![
                Token::Ident("file_hash"),
                Token::Arguments(vec!["md5".into(), "a.txt".into(), "b".into()])
            ]
        );
        assert_eq!(scan(b"$id").unwrap(), vec![Token::Ident("$id")]);
        assert_eq!(
            scan(b"hosts[]['k']").unwrap(),
            vec![
                Token::Ident("hosts"),
                Token::Index(Index::Text("".into())),
                Token::Index(Index::Text("'k'".into()))
            ]
        );
    }

    #[test]
    fn stops_at_junk() {
        assert_eq!(scan(b"host foo").unwrap(), vec![Token::Ident("host")]);
        assert!(scan(b" host ").unwrap().is_empty());
        assert!(scan(b"$ x").unwrap().is_empty());
        assert_eq!(scan(b"GET[x").unwrap(), vec![Token::Ident("GET")]);
        assert!(scan(b"GET[\xff]").is_err());
        assert_eq!(scan(b"a-b").unwrap(), vec![Token::Ident("a")]);
    }
}
