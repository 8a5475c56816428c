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
    /// `all a > b`, `all a contains b`, `all a matches b`, `all a in {…}`: every value of
    /// `a` passes (Wireshark 4's quantifier; `all a == b` is [`CmpOp::AllEq`]).
    All(Box<Expr>),
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

/// How many levels a filter may nest: parentheses, `not`, arithmetic groups, a minus
/// sign, a function's arguments, and each operator of an arithmetic chain or each slice
/// of a slice (a chain of `and` and `or` is kept flat: any length). Wireshark refuses
/// about as many nested parentheses (its parser's stack holds 100 states: tshark 4.0
/// takes 97, not 99). The parser (parentheses, arithmetic), the typing and evaluation
/// of operands and the tree's drop recurse once a level, so the bound keeps them within
/// a small stack (the page's worker has 256 KiB of its own, and V8's stack under it); a
/// deeper filter gets an error, not a crash. `and`, `or` and `not` are compiled and run
/// with no recursion ([`super::semantic::Program`]).
pub const MAX_NESTING: usize = 100;

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    /// Open parentheses, for the unbalanced-parenthesis hint.
    open: Vec<usize>,
    /// Levels the node being parsed is nested in ([`MAX_NESTING`]).
    level: usize,
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
        level: 0,
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

    /// One level deeper (the token at `pos` opens it), or the error past [`MAX_NESTING`].
    fn enter(&mut self) -> Result<(), FilterError> {
        self.level += 1;
        if self.level <= MAX_NESTING {
            return Ok(());
        }
        let (start, end) = match self.toks.get(self.pos.saturating_sub(1)) {
            Some(t) => (t.start, t.end),
            None => (self.src.len(), self.src.len()),
        };
        Err(FilterError::new(
            format!("The filter nests more than {MAX_NESTING} levels deep here."),
            start,
            end,
        )
        .with_hint("write it with fewer parentheses, \"not\"s or operators inside one another"))
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut terms = vec![self.and()?];
        while self.eat(&Tok::Or) {
            terms.push(self.and()?);
        }
        Ok(balanced(terms, Expr::Or))
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut terms = vec![self.not()?];
        while self.eat(&Tok::And) {
            terms.push(self.not()?);
        }
        Ok(balanced(terms, Expr::And))
    }

    fn not(&mut self) -> Result<Expr, FilterError> {
        // A chain of `not`s is counted, not recursed into.
        let mut nots = 0;
        while self.eat(&Tok::Not) {
            self.enter()?;
            nots += 1;
        }
        let mut e = self.relation()?;
        for _ in 0..nots {
            e = Expr::Not(Box::new(e));
        }
        self.level -= nots;
        Ok(e)
    }

    fn relation(&mut self) -> Result<Expr, FilterError> {
        let t = self.expect_more("a field, a value or \"(\"")?.clone();
        if t.kind == Tok::LParen {
            self.pos += 1;
            self.open.push(t.start);
            self.enter()?;
            let e = self.or()?;
            self.level -= 1;
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
        } else if let Some(all) = self.quantifier() {
            let e = self.relation()?;
            if !matches!(
                e,
                Expr::Cmp(..) | Expr::Contains(..) | Expr::Matches(..) | Expr::In(..)
            ) {
                return Err(FilterError::new(
                    format!(
                        "\"{}\" needs a comparison after it.",
                        if all { "all" } else { "any" }
                    ),
                    t.start,
                    t.end,
                )
                .with_hint("all tcp.port > 1024, any ip.addr == 10.0.0.1"));
            }
            Ok(match (all, e) {
                (true, Expr::Cmp(CmpOp::AnyEq | CmpOp::AllEq, a, b)) => {
                    Expr::Cmp(CmpOp::AllEq, a, b)
                }
                (true, Expr::Cmp(CmpOp::AnyNe | CmpOp::AllNe, a, b)) => {
                    Expr::Cmp(CmpOp::AllNe, a, b)
                }
                (false, Expr::Cmp(CmpOp::AnyEq | CmpOp::AllEq, a, b)) => {
                    Expr::Cmp(CmpOp::AnyEq, a, b)
                }
                (false, Expr::Cmp(CmpOp::AnyNe | CmpOp::AllNe, a, b)) => {
                    Expr::Cmp(CmpOp::AnyNe, a, b)
                }
                // dfilter quantifies the `not` of `not in`, which ignores it.
                (true, e @ Expr::In(_, _, true)) => e,
                (true, e) => Expr::All(Box::new(e)),
                (false, e) => e,
            })
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

    /// Takes `all` (true) or `any` (false) when a relation follows: Wireshark 4's
    /// quantifiers, words only there.
    fn quantifier(&mut self) -> Option<bool> {
        let all = match self.peek_kind() {
            Some(Tok::Word(w)) if w == "all" => true,
            Some(Tok::Word(w)) if w == "any" => false,
            _ => return None,
        };
        let next = self.toks.get(self.pos + 1).map(|t| &t.kind);
        if matches!(
            next,
            None | Some(
                Tok::Cmp(_)
                    | Tok::Contains
                    | Tok::Matches
                    | Tok::In
                    | Tok::And
                    | Tok::Or
                    | Tok::RParen
                    | Tok::Comma
                    | Tok::RBrace
            )
        ) {
            return None;
        }
        self.pos += 1;
        Some(all)
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
        let (mut a, level) = (self.sum()?, self.level);
        while self.eat(&Tok::BitAnd) {
            // A chain nests to the left: each operator is a level.
            self.enter()?;
            let b = self.sum()?;
            a = binary(ArithOp::BitAnd, a, b);
        }
        self.level = level;
        Ok(a)
    }

    fn sum(&mut self) -> Result<Operand, FilterError> {
        let (mut a, level) = (self.product()?, self.level);
        loop {
            let op = match self.peek_kind() {
                Some(Tok::Plus) => ArithOp::Add,
                Some(Tok::Minus) => ArithOp::Sub,
                _ => {
                    self.level = level;
                    return Ok(a);
                }
            };
            self.pos += 1;
            self.enter()?;
            let b = self.product()?;
            a = binary(op, a, b);
        }
    }

    fn product(&mut self) -> Result<Operand, FilterError> {
        let (mut a, level) = (self.unary()?, self.level);
        loop {
            let op = match self.peek_kind() {
                Some(Tok::Star) => ArithOp::Mul,
                Some(Tok::Slash) => ArithOp::Div,
                Some(Tok::Percent) => ArithOp::Mod,
                _ => {
                    self.level = level;
                    return Ok(a);
                }
            };
            self.pos += 1;
            self.enter()?;
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
            self.enter()?;
            let a = self.unary()?;
            self.level -= 1;
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
        let level = self.level;
        let mut op = match t.kind {
            Tok::LBrace => {
                self.enter()?;
                let inner = self.arith()?;
                self.level = level;
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
                self.enter()?;
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
                self.level = level;
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
                    // Each slice or layer of a slice nests the operand once more.
                    self.enter()?;
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
                    self.enter()?;
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
                _ => {
                    self.level = level;
                    return Ok(op);
                }
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

/// Terms joined by `and` or `or` (`join`), in order, as a balanced tree: as deep as the
/// logarithm of their number, where joining each to the last would nest once a term
/// (`a or b or …` with thousands of terms is a filter people write).
fn balanced(terms: Vec<Expr>, join: fn(Box<Expr>, Box<Expr>) -> Expr) -> Expr {
    let mut terms = terms;
    while terms.len() > 1 {
        let mut pairs = Vec::with_capacity(terms.len().div_ceil(2));
        let mut each = terms.into_iter();
        while let Some(a) = each.next() {
            pairs.push(match each.next() {
                Some(b) => join(Box::new(a), Box::new(b)),
                None => a,
            });
        }
        terms = pairs;
    }
    terms.pop().expect("and/or chains have one term at least")
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

    /// How deep a parsed filter's tree is (without recursion: a test of deep trees).
    fn height(e: &Expr) -> usize {
        let mut deepest = 0;
        let mut todo = vec![(e, 1)];
        while let Some((e, d)) = todo.pop() {
            deepest = deepest.max(d);
            match e {
                Expr::Or(a, b) | Expr::And(a, b) => todo.extend([(&**a, d + 1), (&**b, d + 1)]),
                Expr::Not(a) => todo.push((a, d + 1)),
                _ => {}
            }
        }
        deepest
    }

    /// `open`, `n` times, then `middle`, then `close` `n` times.
    fn nested(open: &str, n: usize, middle: &str, close: &str) -> String {
        format!("{}{middle}{}", open.repeat(n), close.repeat(n))
    }

    #[test]
    fn nesting_past_the_limit_is_an_error_not_a_crash() {
        let m = MAX_NESTING;
        let deep = |n| {
            [
                nested("(", n, "frame", ")"),
                nested("not ", n, "frame", ""),
                nested("!(", n, "frame", ")"),
                format!("frame.len == {}", nested("-", n, " 1", "")),
                format!("frame.len == {}", nested("{", n, "1", "}")),
                format!("frame.len == {}", nested("", n, "1", " + 1")),
                format!("frame.len == 1{}", " * 2".repeat(n)),
                format!("frame.len & 1{}", " & 1".repeat(n)),
                format!("frame{}", "[0:1]".repeat(n)),
                format!("frame.len == {}", nested("len(", n, "frame", ")")),
            ]
        };
        // The deepest that is taken (10,000 and 100,000 deep: an error, before the parser's
        // own recursion can exhaust a stack).
        for f in deep(m / 2) {
            assert!(parse(&f).is_ok(), "{f}");
        }
        for n in [m + 1, 10_000, 100_000] {
            for f in deep(n) {
                let e = parse(&f).expect_err(&f[..40.min(f.len())]);
                assert!(e.message.contains("nests more than 100 levels"), "{e}");
                assert!(e.start <= e.end && e.end <= f.len());
            }
        }
        assert!(parse(&nested("(", m, "frame", ")")).is_ok());
        assert!(parse(&nested("not ", m, "frame", "")).is_ok());
    }

    #[test]
    fn and_or_chains_of_any_length_stay_shallow_and_in_order() {
        let terms: Vec<String> = (0..10_000)
            .map(|i| format!("frame.number == {i}"))
            .collect();
        for (join, word) in [(" or ", "or"), (" and ", "and")] {
            let e = p(&terms.join(join));
            assert!(height(&e) <= 15, "{word}: {}", height(&e));
            // The terms in their order, left to right.
            let mut seen = Vec::new();
            let mut todo = vec![&e];
            while let Some(e) = todo.pop() {
                match e {
                    Expr::Or(a, b) | Expr::And(a, b) => todo.extend([&**b, &**a]),
                    Expr::Cmp(_, _, rhs) => seen.push(word_of(rhs).to_string()),
                    other => panic!("{other:?}"),
                }
            }
            let expected: Vec<String> = (0..10_000).map(|i| i.to_string()).collect();
            assert_eq!(seen, expected, "{word}");
        }
        // Precedence holds within a chain: `and` binds tighter.
        let Expr::Or(a, b) = p("a or b and c or d") else {
            panic!()
        };
        assert!(matches!((*a, *b), (Expr::Or(..), Expr::Test(_))));
    }

    fn word_of(e: &Operand) -> &str {
        match &e.kind {
            OperandKind::Word(w) => w,
            _ => "",
        }
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
    fn quantifiers_all_and_any() {
        assert!(matches!(
            p("all tcp.port == 80"),
            Expr::Cmp(CmpOp::AllEq, ..)
        ));
        assert!(matches!(
            p("any tcp.port != 80"),
            Expr::Cmp(CmpOp::AnyNe, ..)
        ));
        assert!(matches!(
            p("any tcp.port == 80"),
            Expr::Cmp(CmpOp::AnyEq, ..)
        ));
        let Expr::All(e) = p("all tcp.port > 1024") else {
            panic!()
        };
        assert!(matches!(*e, Expr::Cmp(CmpOp::Gt, ..)));
        assert!(matches!(p("all ip.addr in {10.0.0.0/8}"), Expr::All(_)));
        assert!(matches!(p("all http.host contains \"a\""), Expr::All(_)));
        // `not in` keeps no quantifier, as in dfilter.
        assert!(matches!(
            p("all tcp.port not in {80}"),
            Expr::In(_, _, true)
        ));
        // Inside `and`, after `not`.
        let Expr::And(_, b) = p("tcp and not all tcp.port > 5") else {
            panic!()
        };
        assert!(matches!(*b, Expr::Not(ref e) if matches!(**e, Expr::All(_))));
        assert!(parse("all tcp.port").is_err());
        // A word that is only a quantifier before a relation.
        assert!(matches!(
            p("tcp.port == 80 and any tcp.port == 81"),
            Expr::And(..)
        ));
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
