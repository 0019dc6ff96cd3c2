//! `--inject-script` (F-SV-6): a script element put into every text/html response right before
//! the document's first real content, found as serve.py finds it with html5lib's tokenizer — skip
//! the doctype, comments, whitespace and `<html>`/`<head>` start tags; stop at any other tag or
//! text; leave the document alone when the tokenizer reports a parse error first or the document
//! ends before any content.
//!
//! This is a small tokenizer for that prefix only, not an HTML parser: it recognises exactly the
//! tokens that can come before the insertion point, and treats the constructs for which html5lib
//! reports a parse error as errors.

/// The `<script>` serve.py inserts around the file's bytes.
pub fn script_tag(script: &[u8]) -> Vec<u8> {
    let mut tag = b"<script>\n".to_vec();
    tag.extend_from_slice(script);
    tag.extend_from_slice(
        b"\n// Remove the injected script tag from the DOM.\ndocument.currentScript.remove();\n</script>\n",
    );
    tag
}

/// `inject_script(html, script_tag)`: the document with the tag inserted, or unchanged.
pub fn inject(html: &[u8], tag: &[u8]) -> Vec<u8> {
    match insertion_offset(html) {
        Some(at) => {
            let mut out = Vec::with_capacity(html.len() + tag.len());
            out.extend_from_slice(&html[..at]);
            out.extend_from_slice(tag);
            out.extend_from_slice(&html[at..]);
            out
        }
        None => html.to_vec(),
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

/// What the token at a position is, for the purpose of finding the insertion point.
enum Token {
    /// Skipped; the insertion point moves past it.
    Skip(usize),
    /// Content starts here: insert before it.
    Stop,
    /// A parse error (or the end of the input inside a token): no injection.
    Error,
}

/// Byte offset of the first content, `None` for "leave unchanged".
pub fn insertion_offset(html: &[u8]) -> Option<usize> {
    // html5lib's byte stream drops a UTF-8 BOM before tokenizing.
    let mut pos = if html.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    loop {
        if pos >= html.len() {
            // The whole document was doctype/html/head/whitespace: serve.py's `for ... else`.
            return None;
        }
        match token_at(html, pos) {
            Token::Skip(end) => pos = end,
            Token::Stop => return Some(pos),
            Token::Error => return None,
        }
    }
}

fn token_at(html: &[u8], pos: usize) -> Token {
    let rest = &html[pos..];
    match rest[0] {
        b if is_space(b) => Token::Skip(pos + rest.iter().take_while(|b| is_space(**b)).count()),
        b'<' => match rest.get(1) {
            Some(b'!') => markup_declaration(html, pos),
            Some(b'/') => match rest.get(2) {
                Some(c) if c.is_ascii_alphabetic() => Token::Stop,
                _ => Token::Error,
            },
            Some(c) if c.is_ascii_alphabetic() => start_tag(html, pos),
            // `<` followed by anything else: "expected-tag-name" parse error.
            _ => Token::Error,
        },
        // NUL is a parse error in the data state; anything else is text.
        0 => Token::Error,
        _ => Token::Stop,
    }
}

/// `<!--...-->` and `<!DOCTYPE ...>`; any other `<!` is a bogus comment (a parse error).
fn markup_declaration(html: &[u8], pos: usize) -> Token {
    let rest = &html[pos..];
    if let Some(body) = rest.strip_prefix(b"<!--") {
        // `<!-->` and `<!--->` are parse errors; so is a comment that never ends.
        if body.starts_with(b">") || body.starts_with(b"->") {
            return Token::Error;
        }
        return match find(body, b"-->") {
            // `--!>` endings and `--` inside are errors too, but rare enough to accept.
            Some(end) if !body[..end].ends_with(b"-") => Token::Skip(pos + 4 + end + 3),
            _ => Token::Error,
        };
    }
    if rest.len() >= 9 && rest[2..9].eq_ignore_ascii_case(b"DOCTYPE") {
        let after = &rest[9..];
        // "need-space-after-doctype" and a missing name are parse errors.
        let name_start = after.iter().take_while(|b| is_space(**b)).count();
        if name_start == 0 || after.get(name_start).is_none_or(|b| *b == b'>') {
            return Token::Error;
        }
        return match after.iter().position(|&b| b == b'>') {
            Some(gt) => Token::Skip(pos + 9 + gt + 1),
            None => Token::Error,
        };
    }
    Token::Error
}

/// A start tag: `<html>`/`<head>` (any attributes) are skipped, any other tag stops; a
/// self-closing tag is an EmptyTag token, which stops too.
fn start_tag(html: &[u8], pos: usize) -> Token {
    let rest = &html[pos + 1..];
    let name_len = rest
        .iter()
        .take_while(|b| !is_space(**b) && **b != b'/' && **b != b'>')
        .count();
    let name = rest[..name_len].to_ascii_lowercase();
    let mut i = name_len;
    let mut seen: Vec<Vec<u8>> = Vec::new();
    loop {
        while rest.get(i).is_some_and(|b| is_space(*b)) {
            i += 1;
        }
        match rest.get(i) {
            None => return Token::Error,
            Some(b'>') => break,
            Some(b'/') => {
                return if rest.get(i + 1) == Some(&b'>') {
                    Token::Stop
                } else {
                    Token::Error
                }
            }
            Some(_) => {}
        }
        // Attribute name.
        let start = i;
        while let Some(&b) = rest.get(i) {
            if is_space(b) || b == b'/' || b == b'>' || (b == b'=' && i > start) {
                break;
            }
            if matches!(b, b'"' | b'\'' | b'<' | b'=') {
                return Token::Error;
            }
            i += 1;
        }
        let attr = rest[start..i].to_ascii_lowercase();
        if seen.contains(&attr) {
            return Token::Error;
        }
        seen.push(attr);
        while rest.get(i).is_some_and(|b| is_space(*b)) {
            i += 1;
        }
        if rest.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while rest.get(i).is_some_and(|b| is_space(*b)) {
            i += 1;
        }
        match rest.get(i) {
            None => return Token::Error,
            Some(&q) if q == b'"' || q == b'\'' => {
                let Some(close) = rest[i + 1..].iter().position(|&b| b == q) else {
                    return Token::Error;
                };
                i += 1 + close + 1;
                // After a quoted value: whitespace, `/` or `>`, else a parse error.
                match rest.get(i) {
                    Some(b) if is_space(*b) || *b == b'/' || *b == b'>' => {}
                    _ => return Token::Error,
                }
            }
            Some(b'>') => return Token::Error,
            Some(_) => {
                while let Some(&b) = rest.get(i) {
                    if is_space(b) || b == b'>' {
                        break;
                    }
                    if matches!(b, b'"' | b'\'' | b'<' | b'=' | b'`') {
                        return Token::Error;
                    }
                    i += 1;
                }
            }
        }
    }
    if name == b"html" || name == b"head" {
        Token::Skip(pos + 1 + i + 1)
    } else {
        Token::Stop
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn injected(html: &str) -> String {
        String::from_utf8(inject(html.as_bytes(), b"<X>")).expect("utf-8")
    }

    #[test]
    fn f_sv_6_insertion_point() {
        assert_eq!(
            injected("<!doctype html>\n<meta charset=utf-8>\n<p>"),
            "<!doctype html>\n<X><meta charset=utf-8>\n<p>"
        );
        assert_eq!(
            injected("<!DOCTYPE html><html lang=en><head>\n  <title>t</title>"),
            "<!DOCTYPE html><html lang=en><head>\n  <X><title>t</title>"
        );
        assert_eq!(injected("<!-- c --> text"), "<!-- c --> <X>text");
        assert_eq!(injected("hello"), "<X>hello");
        assert_eq!(injected("<html></html>"), "<html><X></html>");
        assert_eq!(injected("<br/>"), "<X><br/>");
        assert_eq!(
            injected("<html a=\"1\" b='2' c=3><body>"),
            "<html a=\"1\" b='2' c=3><X><body>"
        );
    }

    #[test]
    fn f_sv_6_unchanged_on_error_or_no_content() {
        for html in [
            "<!doctype html>\n",
            "<html><head>",
            "",
            "<?xml version=\"1.0\"?><p>",
            "< p>",
            "<html a a><p>",
            "<html a=\"1\"b><p>",
            "<!doctypehtml><p>",
            "<!-- never closed",
            "<html",
        ] {
            assert_eq!(injected(html), html, "{html:?}");
        }
    }

    #[test]
    fn f_sv_6_script_tag_bytes() {
        assert_eq!(
            script_tag(b"var x = 1;"),
            b"<script>\nvar x = 1;\n// Remove the injected script tag from the DOM.\ndocument.currentScript.remove();\n</script>\n".to_vec()
        );
    }
}
