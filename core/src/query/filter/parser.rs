//! The syntax tree of a display filter and the recursive-descent parser that builds it.
//!
//! Precedence as in Wireshark 4: `not` binds tightest, then `and`, then `or`;
//! comparisons bind tighter than all three; arithmetic goes inside a comparison, with
//! `*` `/` `%` above `+` `-` above `&`.

use super::lexer::{lex, CmpOp, Tok, Token};
use super::FilterError;

/// A logical expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// `a or b`
    Or(Box<Expr>, Box<Expr>),
    /// `a and b`
    And(Box<Expr>, Box<Expr>),
    /// `not a`
    Not(Box<Expr>),
    /// A value on its own: a field's existence, or a non-zero result.
    Test(Operand),
    /// `a OP b`
    Cmp(CmpOp, Operand, Operand),
    /// `a contains b`
    Contains(Operand, Operand),
    /// `a matches b`
    Matches(Operand, Operand),
    /// `a in {…}`, `a not in {…}` (negated)
    In(Operand, Vec<SetItem>, bool),
}

/// An element of a set: a value or an inclusive range.
#[derive(Clone, Debug, PartialEq)]
pub enum SetItem {
    /// One value.
    One(Operand),
    /// `lo..hi`
    Range(Operand, Operand),
}

/// One range of a slice, in Wireshark's forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SliceRange {
    /// `[i:n]`: n bytes from i; `[i:]` to the end (n None).
    StartLen(i64, Option<i64>),
    /// `[i-j]`: bytes i to j inclusive.
    StartEnd(i64, i64),
    /// `[i]`: one byte.
    One(i64),
}

/// Arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `&`
    BitAnd,
}

/// A value-producing part of an expression, with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Operand {
    /// What it is.
    pub kind: OperandKind,
    /// First byte in the filter text.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// Operand kinds.
#[derive(Clone, Debug, PartialEq)]
pub enum OperandKind {
    /// An unquoted word: a field name or a literal, decided by the registry.
    Word(String),
    /// A quoted string.
    Str(Vec<u8>),
    /// A character constant.
    Char(u32),
    /// `word[ranges]`
    Slice(Box<Operand>, Vec<SliceRange>),
    /// `word#layer`
    Layer(Box<Operand>, u32),
    /// `name(args)`
    Call(String, Vec<Operand>),
    /// `a OP b`
    Arith(ArithOp, Box<Operand>, Box<Operand>),
    /// `-a`
    Neg(Box<Operand>),
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    /// Open parentheses, for the unbalanced-parenthesis hint.
    open: Vec<usize>,
}

/// Parses a filter. An empty (or all-blank) filter is `Ok(None)`: it matches everything.
pub fn parse(src: &str) -> Result<Option<Expr>, FilterError> {
    let toks = lex(src)?;
    if toks.is_empty() {
        return Ok(None);
    }
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        open: Vec::new(),
    };
    let e = p.or()?;
    if let Some(t) = p.peek() {
        let mut err = p.unexpected(t);
        if t.kind == Tok::RParen {
            err = err.with_hint("this \")\" closes no \"(\"");
        }
        return Err(err);
    }
    Ok(Some(e))
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn peek_kind(&self) -> Option<&Tok> {
        self.peek().map(|t| &t.kind)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn eat(&mut self, k: &Tok) -> bool {
        if self.peek_kind() == Some(k) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn text(&self, t: &Token) -> &str {
        &self.src[t.start..t.end]
    }

    fn unexpected(&self, t: &Token) -> FilterError {
        FilterError::new(
            format!("\"{}\" was unexpected in this context.", self.text(t)),
            t.start,
            t.end,
        )
    }

    fn end_error(&self, expected: &str) -> FilterError {
        let n = self.src.len();
        let mut e = FilterError::new(
            format!("Unexpected end of filter expression: {expected} expected."),
            n,
            n,
        );
        if let Some(&open) = self.open.last() {
            e = FilterError::new(
                "Unbalanced parenthesis: this \"(\" is never closed.",
                open,
                open + 1,
            )
            .with_hint("add \")\" at the end");
        }
        e
    }

    fn expect_more(&self, expected: &str) -> Result<&Token, FilterError> {
        self.peek().ok_or_else(|| self.end_error(expected))
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.and()?;
        while self.eat(&Tok::Or) {
            let r = self.and()?;
            e = Expr::Or(Box::new(e), Box::new(r));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.not()?;
        while self.eat(&Tok::And) {
            let r = self.not()?;
            e = Expr::And(Box::new(e), Box::new(r));
        }
        Ok(e)
    }

    fn not(&mut self) -> Result<Expr, FilterError> {
        if self.eat(&Tok::Not) {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.relation()
    }

    fn relation(&mut self) -> Result<Expr, FilterError> {
        let t = self.expect_more("a field, a value or \"(\"")?.clone();
        if t.kind == Tok::LParen {
            self.pos += 1;
            self.open.push(t.start);
            let e = self.or()?;
            match self.next() {
                Some(Token {
                    kind: Tok::RParen, ..
                }) => {
                    self.open.pop();
                    Ok(e)
                }
                Some(other) => Err(self.unexpected(&other).with_hint(format!(
                    "the \"(\" at position {} is still open: add \")\" before this",
                    t.start + 1
                ))),
                None => Err(self.end_error("\")\"")),
            }
        } else {
            let lhs = self.arith()?;
            let Some(op) = self.peek().cloned() else {
                return Ok(Expr::Test(lhs));
            };
            match op.kind {
                Tok::Cmp(c) => {
                    self.pos += 1;
                    let rhs = self.arith()?;
                    Ok(Expr::Cmp(c, lhs, rhs))
                }
                Tok::Contains => {
                    self.pos += 1;
                    Ok(Expr::Contains(lhs, self.arith()?))
                }
                Tok::Matches => {
                    self.pos += 1;
                    Ok(Expr::Matches(lhs, self.arith()?))
                }
                Tok::In => {
                    self.pos += 1;
                    Ok(Expr::In(lhs, self.set()?, false))
                }
                Tok::Not
                    if matches!(self.toks.get(self.pos + 1).map(|t| &t.kind), Some(Tok::In)) =>
                {
                    self.pos += 2;
                    Ok(Expr::In(lhs, self.set()?, true))
                }
                _ => Ok(Expr::Test(lhs)),
            }
        }
    }

    fn set(&mut self) -> Result<Vec<SetItem>, FilterError> {
        let t = self.expect_more("\"{\"")?.clone();
        if t.kind != Tok::LBrace {
            return Err(self
                .unexpected(&t)
                .with_hint("a set is written {a, b, c..d}"));
        }
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            let lo = self.arith()?;
            if self.eat(&Tok::DotDot) {
                let hi = self.arith()?;
                items.push(SetItem::Range(lo, hi));
            } else {
                items.push(SetItem::One(lo));
            }
            let t = self.expect_more("\",\" or \"}\"")?.clone();
            match t.kind {
                Tok::Comma => self.pos += 1,
                Tok::RBrace => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => {
                    return Err(self
                        .unexpected(&t)
                        .with_hint("separate the elements of a set with commas"))
                }
            }
        }
    }

    fn arith(&mut self) -> Result<Operand, FilterError> {
        let mut a = self.sum()?;
        while self.eat(&Tok::BitAnd) {
            let b = self.sum()?;
            a = binary(ArithOp::BitAnd, a, b);
        }
        Ok(a)
    }

    fn sum(&mut self) -> Result<Operand, FilterError> {
        let mut a = self.product()?;
        loop {
            let op = match self.peek_kind() {
                Some(Tok::Plus) => ArithOp::Add,
                Some(Tok::Minus) => ArithOp::Sub,
                _ => return Ok(a),
            };
            self.pos += 1;
            let b = self.product()?;
            a = binary(op, a, b);
        }
    }

    fn product(&mut self) -> Result<Operand, FilterError> {
        let mut a = self.unary()?;
        loop {
            let op = match self.peek_kind() {
                Some(Tok::Star) => ArithOp::Mul,
                Some(Tok::Slash) => ArithOp::Div,
                Some(Tok::Percent) => ArithOp::Mod,
                _ => return Ok(a),
            };
            self.pos += 1;
            let b = self.unary()?;
            a = binary(op, a, b);
        }
    }

    fn unary(&mut self) -> Result<Operand, FilterError> {
        if let Some(Token {
            kind: Tok::Minus,
            start,
            ..
        }) = self.peek().cloned()
        {
            self.pos += 1;
            let a = self.unary()?;
            let end = a.end;
            return Ok(Operand {
                kind: OperandKind::Neg(Box::new(a)),
                start,
                end,
            });
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Operand, FilterError> {
        let t = self.expect_more("a field or a value")?.clone();
        self.pos += 1;
        let mut op = match t.kind {
            Tok::LBrace => {
                let inner = self.arith()?;
                match self.next() {
                    Some(Token {
                        kind: Tok::RBrace,
                        end,
                        ..
                    }) => Operand {
                        end,
                        start: t.start,
                        ..inner
                    },
                    Some(other) => {
                        return Err(self
                            .unexpected(&other)
                            .with_hint("close the arithmetic group with \"}\""))
                    }
                    None => return Err(self.end_error("\"}\"")),
                }
            }
            Tok::Word(w) if self.peek_kind() == Some(&Tok::LParen) => {
                self.pos += 1;
                let mut args = Vec::new();
                if !self.eat(&Tok::RParen) {
                    loop {
                        args.push(self.arith()?);
                        let n = self.expect_more("\",\" or \")\"")?.clone();
                        self.pos += 1;
                        match n.kind {
                            Tok::Comma => {}
                            Tok::RParen => break,
                            _ => {
                                return Err(self
                                    .unexpected(&n)
                                    .with_hint("separate arguments with commas"))
                            }
                        }
                    }
                }
                let end = self.toks[self.pos - 1].end;
                Operand {
                    kind: OperandKind::Call(w, args),
                    start: t.start,
                    end,
                }
            }
            Tok::Word(w) => Operand {
                kind: OperandKind::Word(w),
                start: t.start,
                end: t.end,
            },
            Tok::Str(s) => Operand {
                kind: OperandKind::Str(s),
                start: t.start,
                end: t.end,
            },
            Tok::Char(c) => Operand {
                kind: OperandKind::Char(c),
                start: t.start,
                end: t.end,
            },
            Tok::RParen if self.open.is_empty() => {
                return Err(self.unexpected(&t).with_hint("this \")\" closes no \"(\""));
            }
            _ => return Err(self.unexpected(&t)),
        };
        loop {
            match self.peek_kind() {
                Some(Tok::LBracket) => {
                    self.pos += 1;
                    let ranges = self.slice()?;
                    let end = self.toks[self.pos - 1].end;
                    op = Operand {
                        start: op.start,
                        end,
                        kind: OperandKind::Slice(Box::new(op), ranges),
                    };
                }
                Some(Tok::Hash) => {
                    self.pos += 1;
                    let n = self.expect_more("a layer number")?.clone();
                    self.pos += 1;
                    let layer = match &n.kind {
                        Tok::Word(w) => w.parse::<u32>().ok().filter(|&l| l > 0),
                        _ => None,
                    };
                    let Some(layer) = layer else {
                        return Err(FilterError::new(
                            "A layer number (1, 2, …) must follow \"#\".",
                            n.start,
                            n.end,
                        ));
                    };
                    op = Operand {
                        start: op.start,
                        end: n.end,
                        kind: OperandKind::Layer(Box::new(op), layer),
                    };
                }
                _ => return Ok(op),
            }
        }
    }

    /// The ranges of a slice, after `[`, through `]`.
    fn slice(&mut self) -> Result<Vec<SliceRange>, FilterError> {
        let mut ranges = Vec::new();
        loop {
            let first = self.slice_int(true)?;
            let r = match self.peek_kind() {
                Some(Tok::Colon) => {
                    self.pos += 1;
                    let len = match self.peek_kind() {
                        Some(Tok::RBracket | Tok::Comma) => None,
                        _ => Some(self.slice_int(false)?.unwrap_or(0)),
                    };
                    SliceRange::StartLen(first.unwrap_or(0), len)
                }
                Some(Tok::Minus) => {
                    self.pos += 1;
                    let end = self.slice_int(false)?.unwrap_or(0);
                    SliceRange::StartEnd(first.unwrap_or(0), end)
                }
                _ => match first {
                    Some(i) => SliceRange::One(i),
                    None => {
                        let t = self.expect_more("\"]\"")?.clone();
                        return Err(self.unexpected(&t));
                    }
                },
            };
            ranges.push(r);
            let t = self.expect_more("\"]\"")?.clone();
            self.pos += 1;
            match t.kind {
                Tok::Comma => {}
                Tok::RBracket => return Ok(ranges),
                _ => {
                    return Err(self
                        .unexpected(&t)
                        .with_hint("a slice is written [i:n], [i-j], [i], [i:] or [:n]"))
                }
            }
        }
    }

    /// An integer of a slice (possibly negative); None when the range starts with `:`.
    fn slice_int(&mut self, may_omit: bool) -> Result<Option<i64>, FilterError> {
        let neg = self.eat(&Tok::Minus);
        let t = self.expect_more("a number")?.clone();
        if may_omit && !neg && t.kind == Tok::Colon {
            return Ok(None);
        }
        let parsed = match &t.kind {
            Tok::Word(w) => parse_int(w).and_then(|v| i64::try_from(v).ok()),
            _ => None,
        };
        let Some(v) = parsed else {
            return Err(FilterError::new(
                format!(
                    "\"{}\" is not a valid slice offset or length.",
                    self.text(&t)
                ),
                t.start,
                t.end,
            )
            .with_hint("a slice is written [i:n], [i-j], [i], [i:] or [:n]"));
        };
        self.pos += 1;
        Ok(Some(if neg { -v } else { v }))
    }
}

fn binary(op: ArithOp, a: Operand, b: Operand) -> Operand {
    let (start, end) = (a.start, b.end);
    Operand {
        kind: OperandKind::Arith(op, Box::new(a), Box::new(b)),
        start,
        end,
    }
}

/// An unsigned integer as Wireshark reads one: decimal, `0x` hex, `0b` binary, or a
/// leading `0` for octal.
pub fn parse_int(s: &str) -> Option<u64> {
    let s = s.strip_prefix('+').unwrap_or(s);
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if let Some(b) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        u64::from_str_radix(b, 2).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn p(s: &str) -> Expr {
        parse(s).unwrap().unwrap()
    }

    fn word(e: &Operand) -> &str {
        match &e.kind {
            OperandKind::Word(w) => w,
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn precedence_not_and_or() {
        // a or (b and (not c))
        let Expr::Or(a, rest) = p("a or b and not c") else {
            panic!()
        };
        assert!(matches!(*a, Expr::Test(_)));
        let Expr::And(_, c) = *rest else { panic!() };
        assert!(matches!(*c, Expr::Not(_)));
        // (a and b) or c
        assert!(matches!(p("a && b || c"), Expr::Or(..)));
        assert!(matches!(p("!(a || b)"), Expr::Not(_)));
    }

    #[test]
    fn relations_sets_slices_calls() {
        let Expr::Cmp(CmpOp::Ge, l, r) = p("frame.len >= 0x10") else {
            panic!()
        };
        assert_eq!((word(&l), word(&r)), ("frame.len", "0x10"));
        let Expr::In(_, items, true) = p("tcp.port not in {80, 8000..8080}") else {
            panic!()
        };
        assert_eq!(items.len(), 2);
        assert!(matches!(&items[1], SetItem::Range(..)));
        let Expr::Cmp(_, l, _) = p("eth.src[0:3,5,-2-4,2:] == 00:11:22") else {
            panic!()
        };
        let OperandKind::Slice(_, ranges) = l.kind else {
            panic!()
        };
        assert_eq!(
            ranges,
            [
                SliceRange::StartLen(0, Some(3)),
                SliceRange::One(5),
                SliceRange::StartEnd(-2, 4),
                SliceRange::StartLen(2, None)
            ]
        );
        let Expr::Cmp(_, l, _) = p("frame[:4] == 0") else {
            panic!()
        };
        assert!(
            matches!(l.kind, OperandKind::Slice(_, ref r) if r == &[SliceRange::StartLen(0, Some(4))])
        );
        let Expr::Cmp(_, l, _) = p("len(tcp.payload) > 100") else {
            panic!()
        };
        assert!(matches!(l.kind, OperandKind::Call(ref n, ref a) if n == "len" && a.len() == 1));
        let Expr::Cmp(_, l, _) = p("ip.addr#2 == 1.2.3.4") else {
            panic!()
        };
        assert!(matches!(l.kind, OperandKind::Layer(_, 2)));
        let Expr::Cmp(_, l, _) = p("tcp.flags & 0x12 == 0x12") else {
            panic!()
        };
        assert!(matches!(l.kind, OperandKind::Arith(ArithOp::BitAnd, ..)));
        let Expr::Cmp(_, l, _) = p("{a + b * 2} == 3") else {
            panic!()
        };
        let OperandKind::Arith(ArithOp::Add, _, m) = l.kind else {
            panic!()
        };
        assert!(matches!(m.kind, OperandKind::Arith(ArithOp::Mul, ..)));
    }

    #[test]
    fn errors_have_positions_and_hints() {
        let e = parse("(tcp.port == 80").unwrap_err();
        assert_eq!((e.start, e.end), (0, 1));
        assert!(e.message.contains("Unbalanced"), "{e}");
        let e = parse("tcp.port == 80)").unwrap_err();
        assert_eq!((e.start, e.end), (14, 15));
        assert!(e.hint.as_deref().unwrap().contains("closes no"));
        let e = parse("tcp.port == 80 and").unwrap_err();
        assert_eq!((e.start, e.end), (18, 18));
        assert!(e.message.contains("Unexpected end"));
        let e = parse("tcp.port in {80 1000}").unwrap_err();
        assert_eq!((e.start, e.end), (16, 20));
        let e = parse("tcp.port == 80 80").unwrap_err();
        assert_eq!((e.start, e.end), (15, 17));
        let e = parse("((a) == 1").unwrap_err();
        assert_eq!((e.start, e.end), (5, 7));
        assert!(e.hint.as_deref().unwrap().contains("still open"), "{e:?}");
        assert!(parse("a[1:x]").is_err());
        assert!(parse("a#0 == 1").is_err());
        assert_eq!(parse("   ").unwrap(), None);
    }

    #[test]
    fn integers() {
        assert_eq!(parse_int("80"), Some(80));
        assert_eq!(parse_int("0x50"), Some(80));
        assert_eq!(parse_int("0120"), Some(80));
        assert_eq!(parse_int("0b1010000"), Some(80));
        assert_eq!(parse_int("0"), Some(0));
        assert_eq!(parse_int("08"), None);
        assert_eq!(parse_int("1.5"), None);
    }
}
