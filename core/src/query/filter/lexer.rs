//! Tokens of the display filter language, with their byte positions.

use super::FilterError;

/// One token and where it is in the filter text (`start..end`, bytes).
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: Tok,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// Token kinds.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// A field name or an unquoted literal (`ip.src`, `10.0.0.0/8`, `00:11:22`, `0x1f`).
    Word(String),
    /// A quoted string, escapes resolved (may hold any bytes).
    Str(Vec<u8>),
    /// A character constant `'a'`.
    Char(u32),
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `..`
    DotDot,
    /// `:` inside a slice
    Colon,
    /// `#` (layer)
    Hash,
    /// A comparison.
    Cmp(CmpOp),
    /// `contains`
    Contains,
    /// `matches`, `~`
    Matches,
    /// `in`
    In,
    /// `and`, `&&`
    And,
    /// `or`, `||`
    Or,
    /// `not`, `!`
    Not,
    /// `&`, `bitwise_and`
    BitAnd,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `%`
    Percent,
}

/// Comparison operators, with Wireshark 4's multi-occurrence meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`, `eq`, `any_eq`: some occurrence equals.
    AnyEq,
    /// `!=`, `ne`, `all_ne`: every occurrence differs (the field must be there).
    AllNe,
    /// `===`, `all_eq`: every occurrence equals.
    AllEq,
    /// `!==`, `~=`, `any_ne`: some occurrence differs.
    AnyNe,
    /// `>`, `gt`
    Gt,
    /// `>=`, `ge`
    Ge,
    /// `<`, `lt`
    Lt,
    /// `<=`, `le`
    Le,
}

impl CmpOp {
    /// The operator as written in the canonical form.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::AnyEq => "==",
            CmpOp::AllNe => "!=",
            CmpOp::AllEq => "===",
            CmpOp::AnyNe => "!==",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
        }
    }
}

impl Tok {
    /// How the token reads in a message.
    pub fn describe(&self, text: &str) -> String {
        format!("\"{text}\"")
    }
}

fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-' | '/') || !c.is_ascii()
}

fn keyword(w: &str) -> Option<Tok> {
    Some(match w {
        "and" => Tok::And,
        "or" => Tok::Or,
        "not" => Tok::Not,
        "in" => Tok::In,
        "contains" => Tok::Contains,
        "matches" => Tok::Matches,
        "eq" | "any_eq" => Tok::Cmp(CmpOp::AnyEq),
        "ne" | "all_ne" => Tok::Cmp(CmpOp::AllNe),
        "all_eq" => Tok::Cmp(CmpOp::AllEq),
        "any_ne" => Tok::Cmp(CmpOp::AnyNe),
        "gt" => Tok::Cmp(CmpOp::Gt),
        "ge" => Tok::Cmp(CmpOp::Ge),
        "lt" => Tok::Cmp(CmpOp::Lt),
        "le" => Tok::Cmp(CmpOp::Le),
        "bitwise_and" => Tok::BitAnd,
        _ => return None,
    })
}

/// Splits a filter into tokens.
pub fn lex(src: &str) -> Result<Vec<Token>, FilterError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Inside `[...]` a slice's `:` and `-` are operators, not parts of a word.
    let mut in_slice = false;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let two = b.get(i..i + 2).unwrap_or(&[]);
        let three = b.get(i..i + 3).unwrap_or(&[]);
        let (kind, len) = match c {
            b'(' => (Tok::LParen, 1),
            b')' => (Tok::RParen, 1),
            b'{' => (Tok::LBrace, 1),
            b'}' => (Tok::RBrace, 1),
            b'[' => {
                in_slice = true;
                (Tok::LBracket, 1)
            }
            b']' => {
                in_slice = false;
                (Tok::RBracket, 1)
            }
            b',' => (Tok::Comma, 1),
            b'#' => (Tok::Hash, 1),
            b'+' => (Tok::Plus, 1),
            b'*' => (Tok::Star, 1),
            b'%' => (Tok::Percent, 1),
            b'=' if three == b"===" => (Tok::Cmp(CmpOp::AllEq), 3),
            b'=' if two == b"==" => (Tok::Cmp(CmpOp::AnyEq), 2),
            b'!' if three == b"!==" => (Tok::Cmp(CmpOp::AnyNe), 3),
            b'!' if two == b"!=" => (Tok::Cmp(CmpOp::AllNe), 2),
            b'!' => (Tok::Not, 1),
            b'~' if two == b"~=" => (Tok::Cmp(CmpOp::AnyNe), 2),
            b'~' => (Tok::Matches, 1),
            b'>' if two == b">=" => (Tok::Cmp(CmpOp::Ge), 2),
            b'>' => (Tok::Cmp(CmpOp::Gt), 1),
            b'<' if two == b"<=" => (Tok::Cmp(CmpOp::Le), 2),
            b'<' => (Tok::Cmp(CmpOp::Lt), 1),
            b'&' if two == b"&&" => (Tok::And, 2),
            b'&' => (Tok::BitAnd, 1),
            b'|' if two == b"||" => (Tok::Or, 2),
            b'.' if two == b".." => (Tok::DotDot, 2),
            b':' if in_slice => (Tok::Colon, 1),
            b'-' if in_slice => (Tok::Minus, 1),
            // `-5` is a literal; `-tcp.port` is minus and a field.
            b'-' if !b.get(i + 1).is_some_and(|n| n.is_ascii_digit()) => (Tok::Minus, 1),
            b'/' if !b.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric()) => (Tok::Slash, 1),
            b'"' => {
                let (bytes, end) = string(src, i + 1, false)?;
                out.push(Token {
                    kind: Tok::Str(bytes),
                    start,
                    end,
                });
                i = end;
                continue;
            }
            b'r' | b'R' if b.get(i + 1) == Some(&b'"') => {
                let (bytes, end) = string(src, i + 2, true)?;
                out.push(Token {
                    kind: Tok::Str(bytes),
                    start,
                    end,
                });
                i = end;
                continue;
            }
            b'\'' => {
                let (value, end) = char_const(src, i)?;
                out.push(Token {
                    kind: Tok::Char(value),
                    start,
                    end,
                });
                i = end;
                continue;
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or(' ');
                if !word_char(ch) || ch == '/' {
                    return Err(FilterError::new(
                        format!("\"{ch}\" was unexpected in this context."),
                        start,
                        start + ch.len_utf8(),
                    ));
                }
                let mut j = i;
                for ch in src[i..].chars() {
                    let stop = !word_char(ch) || (in_slice && (ch == ':' || ch == '-'));
                    if stop || src[j..].starts_with("..") {
                        break;
                    }
                    j += ch.len_utf8();
                }
                // `-` and `/` end a word when an operator follows them (`a - b`).
                let mut w = &src[i..j];
                while w.len() > 1 && (w.ends_with('-') || w.ends_with('/')) {
                    w = &w[..w.len() - 1];
                }
                let j = i + w.len();
                let kind = keyword(w).unwrap_or_else(|| Tok::Word(w.to_owned()));
                out.push(Token {
                    kind,
                    start,
                    end: j,
                });
                i = j;
                continue;
            }
        };
        out.push(Token {
            kind,
            start,
            end: start + len,
        });
        i += len;
    }
    Ok(out)
}

/// A quoted string's contents from `at` (just after the opening quote) to its closing
/// quote; returns the bytes and the offset after the closing quote.
fn string(src: &str, at: usize, raw: bool) -> Result<(Vec<u8>, usize), FilterError> {
    let b = src.as_bytes();
    let open = if raw { at - 2 } else { at - 1 };
    let mut out = Vec::new();
    let mut i = at;
    loop {
        let Some(&c) = b.get(i) else {
            return Err(FilterError::new(
                "The string is not terminated: a closing '\"' is missing.",
                open,
                src.len(),
            )
            .with_hint("close the string with \""));
        };
        match c {
            b'"' => return Ok((out, i + 1)),
            b'\\' if raw => {
                // Raw strings keep backslashes; `\"` still does not end them.
                out.push(b'\\');
                if b.get(i + 1) == Some(&b'"') {
                    out.push(b'"');
                    i += 2;
                } else {
                    i += 1;
                }
            }
            b'\\' => {
                let (bytes, len) = escape(src, i)?;
                out.extend_from_slice(&bytes);
                i += len;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// One escape sequence at `at` (the backslash): its bytes and its length in the text.
fn escape(src: &str, at: usize) -> Result<(Vec<u8>, usize), FilterError> {
    let b = src.as_bytes();
    let Some(&c) = b.get(at + 1) else {
        return Err(FilterError::new(
            "The string ends in the middle of an escape sequence.",
            at,
            src.len(),
        ));
    };
    let simple = |v: u8| Ok((vec![v], 2));
    match c {
        b'a' => simple(7),
        b'b' => simple(8),
        b'f' => simple(12),
        b'n' => simple(b'\n'),
        b'r' => simple(b'\r'),
        b't' => simple(b'\t'),
        b'v' => simple(11),
        b'\\' | b'"' | b'\'' => simple(c),
        b'x' => {
            let digits: String = src[at + 2..]
                .chars()
                .take(2)
                .take_while(|c| c.is_ascii_hexdigit())
                .collect();
            if digits.is_empty() {
                return Err(FilterError::new(
                    "\\x must be followed by one or two hex digits.",
                    at,
                    at + 2,
                ));
            }
            let v = u8::from_str_radix(&digits, 16).unwrap_or(0);
            Ok((vec![v], 2 + digits.len()))
        }
        b'0'..=b'7' => {
            let digits: String = src[at + 1..]
                .chars()
                .take(3)
                .take_while(|c| ('0'..='7').contains(c))
                .collect();
            let v = u32::from_str_radix(&digits, 8).unwrap_or(0);
            if v > 255 {
                return Err(FilterError::new(
                    format!("Octal escape \\{digits} is larger than a byte."),
                    at,
                    at + 1 + digits.len(),
                ));
            }
            Ok((vec![v as u8], 1 + digits.len()))
        }
        b'u' | b'U' => {
            let n = if c == b'u' { 4 } else { 8 };
            let digits = src
                .get(at + 2..at + 2 + n)
                .filter(|d| d.chars().all(|c| c.is_ascii_hexdigit()));
            let ch = digits
                .and_then(|d| u32::from_str_radix(d, 16).ok())
                .and_then(char::from_u32);
            match ch {
                Some(ch) => Ok((ch.to_string().into_bytes(), 2 + n)),
                None => {
                    // Up to n characters after \u, whatever they are.
                    let end = src[at + 2..]
                        .char_indices()
                        .nth(n)
                        .map_or(src.len(), |(i, _)| at + 2 + i);
                    Err(FilterError::new(
                        format!(
                            "\\{} must be followed by {n} hex digits of a Unicode character.",
                            c as char
                        ),
                        at,
                        end,
                    ))
                }
            }
        }
        _ => {
            let ch = src[at + 1..].chars().next().unwrap_or(' ');
            Err(FilterError::new(
                format!("Unknown escape sequence \\{ch}."),
                at,
                at + 1 + ch.len_utf8(),
            )
            .with_hint("write \\\\ for a backslash"))
        }
    }
}

/// A character constant `'x'`, `'\n'`, `'\x41'` at `at`.
fn char_const(src: &str, at: usize) -> Result<(u32, usize), FilterError> {
    let b = src.as_bytes();
    let (value, next) = match b.get(at + 1) {
        Some(b'\\') => {
            let (bytes, len) = escape(src, at + 1)?;
            let v = if bytes.len() == 1 {
                bytes[0] as u32
            } else {
                std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(|s| s.chars().next())
                    .map_or(0, |c| c as u32)
            };
            (v, at + 1 + len)
        }
        Some(_) => {
            let ch = src[at + 1..].chars().next().unwrap_or('\0');
            (ch as u32, at + 1 + ch.len_utf8())
        }
        None => {
            return Err(FilterError::new(
                "The character constant is not terminated.",
                at,
                src.len(),
            ))
        }
    };
    if b.get(next) != Some(&b'\'') {
        return Err(FilterError::new(
            "A character constant holds one character and ends with '.",
            at,
            next.min(src.len()),
        )
        .with_hint("use double quotes for a string"));
    }
    Ok((value, next + 1))
}

#[cfg(test)]
mod test {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.kind).collect()
    }

    fn w(s: &str) -> Tok {
        Tok::Word(s.into())
    }

    #[test]
    fn words_operators_and_positions() {
        let t = lex("ip.addr==10.0.0.0/8&&!tcp").unwrap();
        let k: Vec<_> = t.iter().map(|t| (t.kind.clone(), t.start, t.end)).collect();
        assert_eq!(
            k,
            [
                (w("ip.addr"), 0, 7),
                (Tok::Cmp(CmpOp::AnyEq), 7, 9),
                (w("10.0.0.0/8"), 9, 19),
                (Tok::And, 19, 21),
                (Tok::Not, 21, 22),
                (w("tcp"), 22, 25)
            ]
        );
        assert_eq!(
            kinds("a === b !== c ~= d ~ e"),
            [
                w("a"),
                Tok::Cmp(CmpOp::AllEq),
                w("b"),
                Tok::Cmp(CmpOp::AnyNe),
                w("c"),
                Tok::Cmp(CmpOp::AnyNe),
                w("d"),
                Tok::Matches,
                w("e")
            ]
        );
        assert_eq!(
            kinds("eth.src == fe80::1 or x eq 00:11:22:33:44:55"),
            [
                w("eth.src"),
                Tok::Cmp(CmpOp::AnyEq),
                w("fe80::1"),
                Tok::Or,
                w("x"),
                Tok::Cmp(CmpOp::AnyEq),
                w("00:11:22:33:44:55")
            ]
        );
    }

    #[test]
    fn sets_ranges_and_slices() {
        assert_eq!(
            kinds("p in {80, 1..1000}"),
            [
                w("p"),
                Tok::In,
                Tok::LBrace,
                w("80"),
                Tok::Comma,
                w("1"),
                Tok::DotDot,
                w("1000"),
                Tok::RBrace
            ]
        );
        assert_eq!(
            kinds("eth.src[0:3]"),
            [
                w("eth.src"),
                Tok::LBracket,
                w("0"),
                Tok::Colon,
                w("3"),
                Tok::RBracket
            ]
        );
        assert_eq!(
            kinds("f[-2-4]"),
            [
                w("f"),
                Tok::LBracket,
                Tok::Minus,
                w("2"),
                Tok::Minus,
                w("4"),
                Tok::RBracket
            ]
        );
        assert_eq!(kinds("a - 1"), [w("a"), Tok::Minus, w("1")]);
        assert_eq!(kinds("a == -1"), [w("a"), Tok::Cmp(CmpOp::AnyEq), w("-1")]);
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            kinds(r#""a\"b\\c\x41\101\n\u00e9""#),
            [Tok::Str(b"a\"b\\cAA\n\xc3\xa9".to_vec())]
        );
        assert_eq!(kinds(r#"r"\d+\.""#), [Tok::Str(br"\d+\.".to_vec())]);
        assert_eq!(
            kinds(r"'a' '\n' '\x41'"),
            [Tok::Char(97), Tok::Char(10), Tok::Char(65)]
        );
        let e = lex(r#"x == "abc"#).unwrap_err();
        assert_eq!((e.start, e.end), (5, 9));
        let e = lex(r#"x == "a\qb""#).unwrap_err();
        assert_eq!((e.start, e.end), (7, 9));
        assert!(e.message.contains("\\q"), "{e}");
        assert!(lex("x == 'ab'").is_err());
        assert!(lex("x $ y").is_err());
    }
}
