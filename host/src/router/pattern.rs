//! wptserve route patterns (F-RT-1), compiled to a small backtracking matcher instead of a regex.
//!
//! wptserve tokenises a pattern with `re.Scanner` into `/`, `{name}`, `*` and literals (where `\x`
//! keeps both characters, so a backslash can protect `{`, `*` or `/`), prepends `/` when the
//! pattern does not start with one, and compiles `^...$` with `{name}` as `(?P<name>[^/]+)` and `*`
//! as a group that runs to the end of the pattern. Matching here explores alternatives in the same
//! order as Python's greedy regex engine, so the captured groups are identical.

/// Why a pattern was rejected (wptserve raises at registration time for the same inputs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("route pattern {pattern:?}: cannot tokenise from byte {offset}")]
    Unmatched { pattern: String, offset: usize },
    #[error("route pattern {pattern:?}: bad group name {name:?}")]
    BadGroupName { pattern: String, name: String },
    #[error("route pattern {pattern:?}: group {name:?} appears twice")]
    DuplicateGroup { pattern: String, name: String },
    #[error("route pattern {pattern:?}: group seen after star")]
    GroupAfterStar { pattern: String },
    #[error("route pattern {pattern:?}: star seen after star")]
    StarAfterStar { pattern: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Literal bytes (slashes and literal text merged).
    Literal(String),
    /// `{name}`: one or more bytes other than `/`, greedy.
    Group(String),
}

/// A compiled route pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePattern {
    source: String,
    /// Pieces before the star (or all pieces when there is no star).
    head: Vec<Piece>,
    /// With a star: the literal text that follows it; the star group is everything from the star's
    /// position to the end of the path, which must end with this text.
    star_tail: Option<String>,
}

enum Token<'a> {
    Slash,
    Group(&'a str),
    Star,
    Literal(&'a str),
}

/// `re.Scanner([("/"), ("{\w*}"), ("\*"), ("(?:\\.|[^{\*/])*")])`: first alternative that matches
/// wins; scanning stops at an empty match.
fn tokenize(pattern: &str) -> Result<Vec<Token<'_>>, PatternError> {
    let mut tokens = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        let offset = pattern.len() - rest.len();
        if let Some(r) = rest.strip_prefix('/') {
            tokens.push(Token::Slash);
            rest = r;
            continue;
        }
        if let Some(inner) = rest.strip_prefix('{') {
            let name_len: usize = inner
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .map(char::len_utf8)
                .sum();
            if inner[name_len..].starts_with('}') {
                tokens.push(Token::Group(&inner[..name_len]));
                rest = &inner[name_len + 1..];
                continue;
            }
        }
        if let Some(r) = rest.strip_prefix('*') {
            tokens.push(Token::Star);
            rest = r;
            continue;
        }
        let len = literal_len(rest);
        if len == 0 {
            return Err(PatternError::Unmatched {
                pattern: pattern.to_string(),
                offset,
            });
        }
        tokens.push(Token::Literal(&rest[..len]));
        rest = &rest[len..];
    }
    Ok(tokens)
}

/// Length of `(?:\\.|[^{\*/])*` at the start of `s` (`.` does not match a newline).
fn literal_len(s: &str) -> usize {
    let mut chars = s.char_indices().peekable();
    let mut end = 0;
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            if let Some(&(j, next)) = chars.peek() {
                if next != '\n' {
                    chars.next();
                    end = j + next.len_utf8();
                    continue;
                }
            }
            end = i + 1;
            continue;
        }
        if c == '{' || c == '*' || c == '/' {
            break;
        }
        end = i + c.len_utf8();
    }
    end
}

/// A Python regex group name: an identifier (`\w+`, not starting with a digit).
fn valid_group_name(name: &str) -> bool {
    match name.chars().next() {
        None => false,
        Some(first) => !first.is_numeric(),
    }
}

impl RoutePattern {
    pub fn parse(pattern: &str) -> Result<RoutePattern, PatternError> {
        let tokens = tokenize(pattern)?;
        let mut head: Vec<Piece> = Vec::new();
        let mut star_tail: Option<String> = None;
        let mut names: Vec<&str> = Vec::new();
        let push_literal = |pieces: &mut Vec<Piece>, text: &str| match pieces.last_mut() {
            Some(Piece::Literal(s)) => s.push_str(text),
            _ => pieces.push(Piece::Literal(text.to_string())),
        };
        if !matches!(tokens.first(), Some(Token::Slash)) {
            head.push(Piece::Literal("/".to_string()));
        }
        for token in &tokens {
            match (token, star_tail.as_mut()) {
                (Token::Slash, Some(tail)) => tail.push('/'),
                (Token::Literal(text), Some(tail)) => tail.push_str(text),
                (Token::Slash, None) => push_literal(&mut head, "/"),
                (Token::Literal(text), None) => push_literal(&mut head, text),
                (Token::Group(_), Some(_)) => {
                    return Err(PatternError::GroupAfterStar {
                        pattern: pattern.to_string(),
                    })
                }
                (Token::Star, Some(_)) => {
                    return Err(PatternError::StarAfterStar {
                        pattern: pattern.to_string(),
                    })
                }
                (Token::Group(name), None) => {
                    if !valid_group_name(name) {
                        return Err(PatternError::BadGroupName {
                            pattern: pattern.to_string(),
                            name: name.to_string(),
                        });
                    }
                    if names.contains(name) {
                        return Err(PatternError::DuplicateGroup {
                            pattern: pattern.to_string(),
                            name: name.to_string(),
                        });
                    }
                    names.push(name);
                    head.push(Piece::Group(name.to_string()));
                }
                (Token::Star, None) => star_tail = Some(String::new()),
            }
        }
        Ok(RoutePattern {
            source: pattern.to_string(),
            head,
            star_tail,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Match the whole raw (still percent-encoded) URL path. On success, the named groups in
    /// pattern order, then `("*", ...)` when the pattern has a star (F-RT-2).
    pub fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let mut spans = Vec::new();
        let star_start = self.match_from(0, path.as_bytes(), 0, &mut spans)?;
        let mut out: Vec<(String, String)> = self
            .head
            .iter()
            .filter_map(|p| match p {
                Piece::Group(name) => Some(name.clone()),
                Piece::Literal(_) => None,
            })
            .zip(spans.iter().map(|&(s, e)| path[s..e].to_string()))
            .collect();
        if self.star_tail.is_some() {
            out.push(("*".to_string(), path[star_start..].to_string()));
        }
        Some(out)
    }

    /// Backtracking over `head[piece..]` from byte `pos`; returns where the star group starts (or
    /// the end of the path). Group spans are pushed in order and popped on backtrack.
    fn match_from(
        &self,
        piece: usize,
        path: &[u8],
        pos: usize,
        spans: &mut Vec<(usize, usize)>,
    ) -> Option<usize> {
        match self.head.get(piece) {
            None => self.match_end(path, pos).then_some(pos),
            Some(Piece::Literal(text)) => {
                if path[pos..].starts_with(text.as_bytes()) {
                    self.match_from(piece + 1, path, pos + text.len(), spans)
                } else {
                    None
                }
            }
            Some(Piece::Group(_)) => {
                let max = path[pos..]
                    .iter()
                    .position(|&b| b == b'/')
                    .unwrap_or(path.len() - pos);
                // Greedy: longest first, as the regex engine tries them.
                for len in (1..=max).rev() {
                    let end = pos + len;
                    // A group ends on a character boundary: the next piece starts with an ASCII or
                    // leading byte, and the end of the path is a boundary.
                    if end < path.len() && (path[end] & 0xC0) == 0x80 {
                        continue;
                    }
                    spans.push((pos, end));
                    if let Some(star) = self.match_from(piece + 1, path, end, spans) {
                        return Some(star);
                    }
                    spans.pop();
                }
                None
            }
        }
    }

    /// After the head: with a star, the rest ends with the star's trailing literal (and, like `.`,
    /// contains no newline); without one, the path is fully consumed.
    fn match_end(&self, path: &[u8], pos: usize) -> bool {
        match &self.star_tail {
            None => pos == path.len(),
            Some(tail) => {
                let rest = &path[pos..];
                rest.len() >= tail.len()
                    && rest.ends_with(tail.as_bytes())
                    && !rest.contains(&b'\n')
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
        RoutePattern::parse(pattern)
            .expect("valid pattern")
            .matches(path)
    }

    fn pairs(items: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(
            items
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
    }

    #[test]
    fn f_rt_1_group_and_star() {
        assert_eq!(
            m("/test/{match}_*", "/test/some_route"),
            pairs(&[("match", "some"), ("*", "route")])
        );
        // Greedy group: the last `_` splits.
        assert_eq!(
            m("/test/{match}_*", "/test/a_b_c"),
            pairs(&[("match", "a_b"), ("*", "c")])
        );
        assert_eq!(
            m("api/{r}/*.json", "/api/a/b/c.json"),
            pairs(&[("r", "a"), ("*", "b/c.json")])
        );
        assert_eq!(m("api/{r}/*.json", "/api/a/b/c.py"), None);
        assert_eq!(m("/grp/{a}/b", "/grp/%41/b"), pairs(&[("a", "%41")]));
        assert_eq!(m("/grp/{a}/b", "/grp//b"), None);
    }

    #[test]
    fn f_rt_1_anchoring_and_implied_slash() {
        assert_eq!(m("document.txt", "/document.txt"), pairs(&[]));
        assert_eq!(m("document.txt", "/document.txt/"), None);
        assert_eq!(m("document.txt", "/x/document.txt"), None);
        assert_eq!(m("*", "/"), pairs(&[("*", "")]));
        assert_eq!(m("*", "/a/b?c"), pairs(&[("*", "a/b?c")]));
        assert_eq!(m("*.asis", "/x/test.asis"), pairs(&[("*", "x/test.asis")]));
        assert_eq!(m("*.asis", "/.asis"), pairs(&[("*", ".asis")]));
        assert_eq!(m("*.asis", "/x.asisx"), None);
        assert_eq!(m("/", "/"), pairs(&[]));
        assert_eq!(m("", "/"), pairs(&[]));
    }

    #[test]
    fn f_rt_1_escapes_keep_backslash() {
        assert_eq!(m(r"/a\*b", r"/a\*b"), pairs(&[]));
        assert_eq!(m(r"/a\*b", "/a*b"), None);
        assert_eq!(m(r"/a\{x}", r"/a\{x}"), pairs(&[]));
        // A trailing backslash is a literal backslash.
        assert_eq!(m("/a\\", "/a\\"), pairs(&[]));
        // `}` alone is literal.
        assert_eq!(m("/a}", "/a}"), pairs(&[]));
        // Literal text is not a regex.
        assert_eq!(m("/a.b", "/axb"), None);
    }

    #[test]
    fn f_rt_1_invalid_patterns() {
        assert!(matches!(
            RoutePattern::parse("/a/*/*"),
            Err(PatternError::StarAfterStar { .. })
        ));
        assert!(matches!(
            RoutePattern::parse("/*/{x}"),
            Err(PatternError::GroupAfterStar { .. })
        ));
        assert!(matches!(
            RoutePattern::parse("/{a-b}"),
            Err(PatternError::Unmatched { .. })
        ));
        assert!(matches!(
            RoutePattern::parse("/{}"),
            Err(PatternError::BadGroupName { .. })
        ));
        assert!(matches!(
            RoutePattern::parse("/{1a}"),
            Err(PatternError::BadGroupName { .. })
        ));
        assert!(matches!(
            RoutePattern::parse("/{a}/{a}"),
            Err(PatternError::DuplicateGroup { .. })
        ));
    }

    #[test]
    fn f_rt_2_groups_in_pattern_order_then_star() {
        assert_eq!(
            m("/{b}/{a}/*", "/1/2/3/4"),
            pairs(&[("b", "1"), ("a", "2"), ("*", "3/4")])
        );
        assert_eq!(m("/{é}", "/ü"), pairs(&[("é", "ü")]));
        assert_eq!(m("/{x}b", "/éb"), pairs(&[("x", "é")]));
    }
}
