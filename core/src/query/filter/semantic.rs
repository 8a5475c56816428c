//! Type checking: resolves names against the field registry, converts literals to the
//! type of the field they are compared with, and compiles the tree into a [`Program`]
//! the evaluator runs.

use super::lexer::CmpOp;
use super::parser::{parse_int, ArithOp, Expr, Operand, OperandKind, SetItem, SliceRange};
use super::FilterError;
use crate::query::fields::value_strings::{self, Named};
use crate::query::fields::{
    self, parse_abs_time, parse_seconds, Fid, FieldType, Span, Status, Store, Value,
};

/// Functions of the language (Wireshark 4's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// `len(x)`: length in bytes.
    Len,
    /// `count(field)`: number of occurrences.
    Count,
    /// `upper(s)`
    Upper,
    /// `lower(s)`
    Lower,
    /// `string(x)`: the value as text.
    String,
    /// `max(a, …)`
    Max,
    /// `min(a, …)`
    Min,
    /// `abs(x)`
    Abs,
}

/// A typed operand of the compiled program.
#[derive(Clone, Debug)]
pub enum Op {
    /// The occurrences of a field (in one layer of its protocol when `layer` > 0).
    Field(Fid, u8),
    /// Bytes of each value of the inner operand, sliced.
    Slice(Box<Op>, Vec<SliceRange>),
    /// A constant.
    Const(Value),
    /// A function call.
    Call(Func, Vec<Op>),
    /// Arithmetic over every combination of occurrences.
    Arith(ArithOp, Box<Op>, Box<Op>),
    /// Negation.
    Neg(Box<Op>),
}

/// The compiled program: the tests, and the steps that combine their answers, run in
/// order. `and`, `or` and `not` nest as deep as the filter ([`super::parser::MAX_NESTING`]
/// levels), and neither the compiler nor the evaluator recurses over them: V8's optimised
/// code for the compiler needed several KiB of the worker's stack a level, and a filter of
/// 99 `not`s overflowed it.
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// What runs, first to last.
    pub steps: Vec<Step>,
    /// The tests the steps name.
    pub tests: Vec<Test>,
}

impl Program {
    /// Appends a test's step, and a `not` after it if its answer is turned over.
    fn test(&mut self, test: Test, negated: bool) {
        self.steps.push(Step::Test(self.tests.len() as u32));
        self.tests.push(test);
        if negated {
            self.steps.push(Step::Not);
        }
    }
}

/// One step of a [`Program`]. The program keeps one answer: a test sets it; `and` and
/// `or` skip their right side by jumping past it, the answer being the left side's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The answer is test `n`'s.
    Test(u32),
    /// The answer is turned over.
    Not,
    /// If the answer is false, go on at step `n` (the end of an `and`).
    IfFalse(u32),
    /// If the answer is true, go on at step `n` (the end of an `or`).
    IfTrue(u32),
}

/// A test of a packet: the leaves of the filter, which `and`, `or` and `not` combine.
#[derive(Clone, Debug)]
pub enum Test {
    /// The field is there.
    Exists(Fid, u8),
    /// Some value of the operand is non-zero (numbers) or non-empty (bytes).
    Truthy(Op),
    /// A comparison with its multi-occurrence quantifier.
    Cmp(CmpOp, Op, Op),
    /// Some value contains some value of the other side.
    Contains(Op, Op),
    /// Some value contains the constant bytes.
    Find(Op, Box<memchr::memmem::Finder<'static>>),
    /// Some value matches the regular expression.
    Matches(Op, Box<regex::bytes::Regex>),
    /// Some value is in the set (values, or inclusive ranges).
    In(Op, Vec<(Value, Option<Value>)>),
    /// The test (an ordering, `contains`, `matches` or `in`) with every value of its
    /// left side: `all tcp.port > 1024` (Wireshark 4's quantifier).
    All(Box<Test>),
}

/// The fields `program` only tests for existence, each with the highest layer tested.
pub fn only_tested(program: &Program) -> Vec<(Fid, u8)> {
    fn op(o: &Op, valued: &mut Vec<Fid>) {
        match o {
            Op::Field(f, _) => valued.push(*f),
            Op::Slice(a, _) | Op::Neg(a) => op(a, valued),
            Op::Arith(_, a, b) => {
                op(a, valued);
                op(b, valued);
            }
            Op::Call(_, args) => args.iter().for_each(|a| op(a, valued)),
            Op::Const(_) => {}
        }
    }
    let mut tested: Vec<(Fid, u8)> = Vec::new();
    let mut valued = Vec::new();
    for t in &program.tests {
        let t = match t {
            Test::All(t) => t,
            t => t,
        };
        match t {
            Test::Exists(f, layer) => match tested.iter_mut().find(|t| t.0 == *f) {
                Some(t) => t.1 = t.1.max(*layer),
                None => tested.push((*f, *layer)),
            },
            Test::Truthy(a) | Test::Find(a, _) | Test::Matches(a, _) | Test::In(a, _) => {
                op(a, &mut valued)
            }
            Test::Cmp(_, a, b) | Test::Contains(a, b) => {
                op(a, &mut valued);
                op(b, &mut valued);
            }
            // Never nested.
            Test::All(_) => {}
        }
    }
    tested.retain(|t| !valued.contains(&t.0));
    tested
}

/// Compiles a parsed expression. `consts` receives the bytes of string and byte
/// constants (their [`Span`]s point into it). Tests are compiled in the order they are
/// written, so the first error is the leftmost.
pub fn compile(
    e: &Expr,
    consts: &mut Vec<u8>,
    fids: &mut Vec<Fid>,
) -> Result<Program, FilterError> {
    /// What is left to do, the next last: compile an expression, emit a step, emit the
    /// jump over an `and`'s or an `or`'s right side, or land that jump here.
    enum Work<'e> {
        Expr(&'e Expr),
        Step(Step),
        Jump(Step),
        Land,
    }
    let mut c = Compiler { consts, fids };
    let mut p = Program::default();
    let mut work = vec![Work::Expr(e)];
    // The jumps waiting for the end of their right side, innermost last.
    let mut jumps = Vec::new();
    while let Some(w) = work.pop() {
        match w {
            Work::Expr(Expr::Or(a, b)) => work.extend([
                Work::Land,
                Work::Expr(b),
                Work::Jump(Step::IfTrue(0)),
                Work::Expr(a),
            ]),
            Work::Expr(Expr::And(a, b)) => work.extend([
                Work::Land,
                Work::Expr(b),
                Work::Jump(Step::IfFalse(0)),
                Work::Expr(a),
            ]),
            Work::Expr(Expr::Not(a)) => work.extend([Work::Step(Step::Not), Work::Expr(a)]),
            Work::Expr(Expr::Test(o)) => p.test(c.test(o)?, false),
            Work::Expr(Expr::Cmp(op, a, b)) => p.test(c.cmp(*op, a, b)?, false),
            Work::Expr(Expr::Contains(a, b)) => p.test(c.contains(a, b)?, false),
            Work::Expr(Expr::Matches(a, b)) => p.test(c.matches(a, b)?, false),
            Work::Expr(Expr::In(a, items, negated)) => p.test(c.set(a, items)?, *negated),
            Work::Expr(Expr::All(e)) => {
                let (t, negated) = match &**e {
                    Expr::Cmp(op, a, b) => (c.cmp(*op, a, b)?, false),
                    Expr::Contains(a, b) => (c.contains(a, b)?, false),
                    Expr::Matches(a, b) => (c.matches(a, b)?, false),
                    Expr::In(a, items, negated) => (c.set(a, items)?, *negated),
                    _ => unreachable!("the parser quantifies relations only"),
                };
                p.test(Test::All(Box::new(t)), negated)
            }
            Work::Step(s) => p.steps.push(s),
            Work::Jump(s) => {
                jumps.push(p.steps.len());
                p.steps.push(s);
            }
            Work::Land => {
                let end = p.steps.len() as u32;
                if let Some(Step::IfTrue(to) | Step::IfFalse(to)) =
                    jumps.pop().and_then(|j| p.steps.get_mut(j))
                {
                    *to = end;
                }
            }
        }
    }
    Ok(p)
}

struct Compiler<'a> {
    consts: &'a mut Vec<u8>,
    fids: &'a mut Vec<Fid>,
}

/// What an operand is before literals get a type: typed (with its type) or a literal
/// waiting for the other side.
enum Typed {
    Op(Op, FieldType),
    Literal,
}

impl Compiler<'_> {
    fn field(&mut self, name: &str) -> Option<Fid> {
        let f = fields::lookup(name)?;
        if !self.fids.contains(&f) {
            self.fids.push(f);
        }
        Some(f)
    }

    /// Types an operand; literals stay untyped.
    fn typed(&mut self, o: &Operand) -> Result<Typed, FilterError> {
        Ok(match &o.kind {
            OperandKind::Word(w) => match self.field(w) {
                Some(f) => Typed::Op(Op::Field(f, 0), f.ty()),
                None => Typed::Literal,
            },
            OperandKind::Str(_) | OperandKind::Char(_) => Typed::Literal,
            OperandKind::Layer(inner, layer) => {
                let OperandKind::Word(w) = &inner.kind else {
                    return Err(FilterError::new(
                        "Only a field can have a layer (\"#\").",
                        o.start,
                        o.end,
                    ));
                };
                let Some(f) = self.field(w) else {
                    return Err(self.unknown(inner));
                };
                let layer = u8::try_from(*layer)
                    .map_err(|_| FilterError::new("Layer numbers go up to 255.", o.start, o.end))?;
                Typed::Op(Op::Field(f, layer), f.ty())
            }
            OperandKind::Slice(inner, ranges) => {
                let Typed::Op(op, ty) = self.typed(inner)? else {
                    return Err(self
                        .unknown_or(inner, "Only a field, a function or a slice can be sliced."));
                };
                if !ty.is_bytes_like() {
                    return Err(FilterError::new(
                        format!(
                            "{} (type={}) cannot be sliced.",
                            self.name(inner),
                            ty.short_name()
                        ),
                        inner.start,
                        inner.end,
                    )
                    .with_hint("slices work on bytes, strings, protocols and addresses"));
                }
                let ty = if ty == FieldType::String {
                    FieldType::String
                } else {
                    FieldType::Bytes
                };
                Typed::Op(Op::Slice(Box::new(op), ranges.clone()), ty)
            }
            OperandKind::Call(name, args) => self.call(o, name, args)?,
            OperandKind::Arith(op, a, b) => {
                let (ta, tb) = (self.typed(a)?, self.typed(b)?);
                let (oa, ob, ty) = match (ta, tb) {
                    (Typed::Op(oa, t), Typed::Op(ob, tb)) => {
                        self.compatible(a, t, b, tb)?;
                        (oa, ob, t)
                    }
                    (Typed::Op(oa, t), Typed::Literal) => (oa, Op::Const(self.literal(b, t)?), t),
                    (Typed::Literal, Typed::Op(ob, t)) => (Op::Const(self.literal(a, t)?), ob, t),
                    (Typed::Literal, Typed::Literal) => {
                        return Err(FilterError::new(
                            "Arithmetic on two constants: one side must be a field.",
                            o.start,
                            o.end,
                        ))
                    }
                };
                let numeric =
                    ty.is_integer() || matches!(ty, FieldType::RelativeTime | FieldType::Double);
                if !numeric || (*op == ArithOp::BitAnd && !ty.is_integer()) {
                    return Err(FilterError::new(
                        format!(
                            "{} (type={}) does not support arithmetic.",
                            self.name(a),
                            ty.short_name()
                        ),
                        a.start,
                        a.end,
                    ));
                }
                let ty = if ty == FieldType::Boolean {
                    FieldType::Uint64
                } else {
                    ty
                };
                Typed::Op(Op::Arith(*op, Box::new(oa), Box::new(ob)), ty)
            }
            OperandKind::Neg(a) => match self.typed(a)? {
                Typed::Literal => Typed::Literal,
                Typed::Op(op, ty) => {
                    if !(ty.is_integer()
                        || matches!(ty, FieldType::RelativeTime | FieldType::Double))
                    {
                        return Err(FilterError::new(
                            format!("{} cannot be negated.", self.name(a)),
                            a.start,
                            a.end,
                        ));
                    }
                    let ty = if matches!(ty, FieldType::RelativeTime | FieldType::Double) {
                        ty
                    } else {
                        FieldType::Int64
                    };
                    Typed::Op(Op::Neg(Box::new(op)), ty)
                }
            },
        })
    }

    fn name<'o>(&self, o: &'o Operand) -> &'o str {
        match &o.kind {
            OperandKind::Word(w) => w,
            OperandKind::Call(n, _) => n,
            OperandKind::Slice(i, _) | OperandKind::Layer(i, _) => self.name(i),
            _ => "the expression",
        }
    }

    /// "X is neither a field nor a protocol name", with the nearest field name.
    fn unknown(&self, o: &Operand) -> FilterError {
        let text = match &o.kind {
            OperandKind::Word(w) => w.clone(),
            OperandKind::Str(s) => format!("\"{}\"", String::from_utf8_lossy(s)),
            _ => "this".into(),
        };
        let mut e = FilterError::new(
            format!("{text} is neither a field nor a protocol name."),
            o.start,
            o.end,
        );
        if let Some(s) = fields::suggest(&text) {
            e = e.with_hint(format!("did you mean {s}?"));
        }
        e
    }

    fn unknown_or(&self, o: &Operand, otherwise: &str) -> FilterError {
        match &o.kind {
            OperandKind::Word(_) => self.unknown(o),
            _ => FilterError::new(otherwise, o.start, o.end),
        }
    }

    fn call(&mut self, o: &Operand, name: &str, args: &[Operand]) -> Result<Typed, FilterError> {
        let f = match name {
            "len" => Func::Len,
            "count" => Func::Count,
            "upper" => Func::Upper,
            "lower" => Func::Lower,
            "string" => Func::String,
            "max" => Func::Max,
            "min" => Func::Min,
            "abs" => Func::Abs,
            _ => {
                return Err(FilterError::new(
                    format!("The function '{name}' does not exist."),
                    o.start,
                    o.start + name.len(),
                )
                .with_hint("functions: len, count, upper, lower, string, max, min, abs"))
            }
        };
        let arity_ok = match f {
            Func::Max | Func::Min => !args.is_empty(),
            _ => args.len() == 1,
        };
        if !arity_ok {
            return Err(FilterError::new(
                format!("Wrong number of arguments to {name}()."),
                o.start,
                o.end,
            ));
        }
        let mut ops = Vec::new();
        let mut tys = Vec::new();
        for a in args {
            match self.typed(a)? {
                Typed::Op(op, ty) => {
                    ops.push(op);
                    tys.push(ty);
                }
                Typed::Literal => {
                    return Err(self.unknown_or(
                        a,
                        &format!("The argument of {name}() must be a field or a function."),
                    ))
                }
            }
        }
        let bad = |a: &Operand, ty: FieldType| {
            FilterError::new(
                format!(
                    "{name}() does not take {} (type={}).",
                    self.name(a),
                    ty.short_name()
                ),
                a.start,
                a.end,
            )
        };
        let ty = match f {
            Func::Len => {
                if !tys[0].is_bytes_like() {
                    return Err(bad(&args[0], tys[0]));
                }
                FieldType::Uint32
            }
            Func::Count => {
                if !matches!(ops[0], Op::Field(..)) {
                    return Err(FilterError::new(
                        "count() takes a field.",
                        args[0].start,
                        args[0].end,
                    ));
                }
                FieldType::Uint32
            }
            Func::Upper | Func::Lower => {
                if tys[0] != FieldType::String {
                    return Err(bad(&args[0], tys[0]));
                }
                FieldType::String
            }
            Func::String => {
                if matches!(
                    tys[0],
                    FieldType::None | FieldType::Protocol | FieldType::Bytes
                ) {
                    return Err(bad(&args[0], tys[0]));
                }
                FieldType::String
            }
            Func::Max | Func::Min | Func::Abs => {
                for (a, t) in args.iter().zip(&tys) {
                    if !(t.is_integer()
                        || matches!(
                            t,
                            FieldType::RelativeTime | FieldType::Double | FieldType::AbsoluteTime
                        ))
                    {
                        return Err(bad(a, *t));
                    }
                    if *t != tys[0] && !(t.is_integer() && tys[0].is_integer()) {
                        return Err(FilterError::new(
                            format!("The arguments of {name}() must have one type."),
                            a.start,
                            a.end,
                        ));
                    }
                }
                if f == Func::Abs && tys[0].is_integer() {
                    FieldType::Int64
                } else {
                    tys[0]
                }
            }
        };
        Ok(Typed::Op(Op::Call(f, ops), ty))
    }

    fn test(&mut self, o: &Operand) -> Result<Test, FilterError> {
        match self.typed(o)? {
            Typed::Op(Op::Field(f, layer), _) => Ok(Test::Exists(f, layer)),
            Typed::Op(op, _) => Ok(Test::Truthy(op)),
            Typed::Literal => Err(self.unknown(o)),
        }
    }

    fn compatible(
        &self,
        a: &Operand,
        ta: FieldType,
        b: &Operand,
        tb: FieldType,
    ) -> Result<(), FilterError> {
        fn class(t: FieldType) -> u8 {
            match t {
                t if t.is_integer() => 0,
                FieldType::Double => 1,
                FieldType::RelativeTime => 2,
                FieldType::AbsoluteTime => 3,
                FieldType::Ether => 4,
                FieldType::Ipv4 => 5,
                FieldType::Ipv6 => 6,
                FieldType::String | FieldType::Bytes | FieldType::Protocol => 7,
                _ => 8,
            }
        }
        if class(ta) == class(tb) && class(ta) != 8 {
            return Ok(());
        }
        Err(FilterError::new(
            format!(
                "{} and {} are not of compatible types.",
                self.name(a),
                self.name(b)
            ),
            b.start,
            b.end,
        )
        .with_hint(format!(
            "{} is {}, {} is {}",
            self.name(a),
            ta.short_name(),
            self.name(b),
            tb.short_name()
        )))
    }

    /// Both sides of a binary test, literals converted to the other side's type.
    fn pair(
        &mut self,
        a: &Operand,
        b: &Operand,
        what: &str,
    ) -> Result<(Op, FieldType, Op, FieldType), FilterError> {
        match (self.typed(a)?, self.typed(b)?) {
            (Typed::Op(oa, ta), Typed::Op(ob, tb)) => {
                self.compatible(a, ta, b, tb)?;
                Ok((oa, ta, ob, tb))
            }
            (Typed::Op(oa, ta), Typed::Literal) => {
                let v = self.literal_of(b, ta, &oa)?;
                Ok((oa, ta, Op::Const(v), ta))
            }
            (Typed::Literal, Typed::Op(ob, tb)) => {
                let v = self.literal_of(a, tb, &ob)?;
                Ok((Op::Const(v), tb, ob, tb))
            }
            (Typed::Literal, Typed::Literal) => {
                if let OperandKind::Word(_) = a.kind {
                    let mut e = self.unknown(a);
                    e.message = format!(
                        "Left side of \"{what}\" must be a field or function, not {}.",
                        self.name(a)
                    );
                    return Err(e);
                }
                Err(FilterError::new(format!("Both sides of \"{what}\" are constants: one must be a field or a function."), a.start, b.end))
            }
        }
    }

    fn no_value(&self, o: &Operand, ty: FieldType, what: &str) -> Result<(), FilterError> {
        if matches!(ty, FieldType::None) {
            return Err(FilterError::new(
                format!(
                    "{} (type=NONE) cannot participate in {what} comparison.",
                    self.name(o)
                ),
                o.start,
                o.end,
            )
            .with_hint(format!(
                "{} has no value: test that it is there with just \"{}\"",
                self.name(o),
                self.name(o)
            )));
        }
        Ok(())
    }

    fn cmp(&mut self, op: CmpOp, a: &Operand, b: &Operand) -> Result<Test, FilterError> {
        for side in [a, b] {
            if let Typed::Op(_, t) = self.typed(side)? {
                self.no_value(side, t, &format!("\"{}\"", op.symbol()))?;
            }
        }
        let (oa, ta, ob, tb) = self.pair(a, b, op.symbol())?;
        self.no_value(a, ta, &format!("\"{}\"", op.symbol()))?;
        self.no_value(b, tb, &format!("\"{}\"", op.symbol()))?;
        Ok(Test::Cmp(op, oa, ob))
    }

    fn contains(&mut self, a: &Operand, b: &Operand) -> Result<Test, FilterError> {
        let ta = match self.typed(a)? {
            Typed::Op(_, t) => t,
            Typed::Literal => return Err(self.unknown(a)),
        };
        if !matches!(
            ta,
            FieldType::Protocol | FieldType::Bytes | FieldType::String | FieldType::Ether
        ) {
            return Err(FilterError::new(
                format!(
                    "{} (type={}) cannot participate in contains comparison.",
                    self.name(a),
                    ta.short_name()
                ),
                a.start,
                a.end,
            )
            .with_hint("contains works on strings, bytes and protocols; compare numbers with =="));
        }
        // Part of an address: tshark takes fewer than six bytes as bytes to find.
        let part = match (&b.kind, ta) {
            (OperandKind::Word(w), FieldType::Ether) if self.field(w).is_none() => {
                parse_bytes(w).filter(|p| p.len() < 6)
            }
            _ => None,
        };
        let (oa, ob) = match part {
            Some(p) => {
                let Typed::Op(oa, _) = self.typed(a)? else {
                    return Err(self.unknown(a));
                };
                (oa, Op::Const(Value::Bytes(self.konst(&p))))
            }
            None => {
                let (oa, _, ob, _) = self.pair(a, b, "contains")?;
                (oa, ob)
            }
        };
        // A constant needle: searched with memchr's memmem (SIMD where the target has it).
        if let Op::Const(Value::Bytes(s) | Value::Str(s)) = ob {
            let needle = &self.consts[s.start as usize..(s.start + s.len) as usize];
            let finder = memchr::memmem::Finder::new(needle).into_owned();
            return Ok(Test::Find(oa, Box::new(finder)));
        }
        Ok(Test::Contains(oa, ob))
    }

    fn matches(&mut self, a: &Operand, b: &Operand) -> Result<Test, FilterError> {
        let oa = match self.typed(a)? {
            Typed::Op(op, FieldType::Protocol | FieldType::Bytes | FieldType::String) => op,
            Typed::Op(_, t) => {
                return Err(FilterError::new(
                    format!(
                        "{} (type={}) cannot participate in matches comparison.",
                        self.name(a),
                        t.short_name()
                    ),
                    a.start,
                    a.end,
                ))
            }
            Typed::Literal => return Err(self.unknown(a)),
        };
        let OperandKind::Str(pattern) = &b.kind else {
            return Err(FilterError::new(
                "The right side of \"matches\" must be a string (a regular expression).",
                b.start,
                b.end,
            )
            .with_hint("quote the expression: matches \"^GET\""));
        };
        let pattern = String::from_utf8(pattern.clone()).map_err(|_| {
            FilterError::new("The regular expression is not valid UTF-8.", b.start, b.end)
        })?;
        // Wireshark compiles `matches` patterns case-insensitively (`(?-i)` turns that
        // off) and never in UTF mode: `.` is any byte, `\w` and `\d` ASCII, a non-ASCII
        // character its UTF-8 bytes (`tcp.flags.str matches "P.{6}$"`: three `·`).
        let re = regex::bytes::RegexBuilder::new(&pattern)
            .case_insensitive(true)
            .unicode(false)
            .size_limit(1 << 22)
            .build()
            .map_err(|e| {
                let msg = e.to_string();
                let last = msg
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("invalid")
                    .trim()
                    .to_owned();
                FilterError::new(
                    format!("Invalid regular expression: {last}"),
                    b.start,
                    b.end,
                )
            })?;
        Ok(Test::Matches(oa, Box::new(re)))
    }

    fn set(&mut self, a: &Operand, items: &[SetItem]) -> Result<Test, FilterError> {
        let (oa, ta) = match self.typed(a)? {
            Typed::Op(op, t) => (op, t),
            Typed::Literal => return Err(self.unknown(a)),
        };
        self.no_value(a, ta, "\"in\"")?;
        let mut out = Vec::new();
        for item in items {
            match item {
                SetItem::One(v) => out.push((self.set_value(v, ta, &oa)?, None)),
                SetItem::Range(lo, hi) => {
                    let ordered = ta.is_integer()
                        || matches!(
                            ta,
                            FieldType::Double
                                | FieldType::RelativeTime
                                | FieldType::AbsoluteTime
                                | FieldType::Ipv4
                                | FieldType::Ipv6
                                | FieldType::Ether
                        );
                    if !ordered {
                        return Err(FilterError::new(
                            format!(
                                "A range needs ordered values; {} is {}.",
                                self.name(a),
                                ta.short_name()
                            ),
                            lo.start,
                            hi.end,
                        ));
                    }
                    out.push((
                        self.set_value(lo, ta, &oa)?,
                        Some(self.set_value(hi, ta, &oa)?),
                    ));
                }
            }
        }
        Ok(Test::In(oa, out))
    }

    fn set_value(&mut self, v: &Operand, ty: FieldType, of: &Op) -> Result<Value, FilterError> {
        match self.typed(v)? {
            Typed::Literal => self.literal_of(v, ty, of),
            Typed::Op(..) => Err(FilterError::new(
                "The elements of a set must be constants.",
                v.start,
                v.end,
            )),
        }
    }

    fn konst(&mut self, bytes: &[u8]) -> Span {
        let start = self.consts.len() as u32;
        self.consts.extend_from_slice(bytes);
        Span {
            store: Store::Const,
            start,
            len: bytes.len() as u32,
        }
    }

    /// As [`Compiler::literal`], compared with `of`: when that is a field with value
    /// strings, a literal that is no number may be one of them (`ip.proto == "UDP"`,
    /// `tcp.flags.syn == "Set"`), ignoring ASCII case, as semcheck.c's
    /// `mk_fvalue_from_val_string` reads it.
    fn literal_of(&mut self, o: &Operand, ty: FieldType, of: &Op) -> Result<Value, FilterError> {
        let plain = self.literal(o, ty);
        let (Err(_), Op::Field(f, _)) = (&plain, of) else {
            return plain;
        };
        let text = match &o.kind {
            OperandKind::Word(w) => w.clone(),
            OperandKind::Str(s) => String::from_utf8_lossy(s).into_owned(),
            _ => return plain,
        };
        if !(ty.is_integer() || ty == FieldType::Boolean) {
            return plain;
        }
        let err = |msg: String| Err(FilterError::new(msg, o.start, o.end));
        match value_strings::named(f.name(), &text) {
            Named::NoStrings => plain,
            Named::Value(v) => Ok(match ty {
                FieldType::Boolean => Value::Bool(v != 0),
                FieldType::Int32 | FieldType::Int64 => Value::Int(v),
                _ => Value::Uint(v as u64),
            }),
            Named::Missing => err(format!(
                "\"{text}\" cannot be found among the possible values for {}.",
                f.name()
            )),
            Named::Ranges => err(format!(
                "\"{}\" cannot accept [range] strings as values.",
                f.name()
            )),
        }
    }

    /// Converts a literal to a value of type `ty`.
    fn literal(&mut self, o: &Operand, ty: FieldType) -> Result<Value, FilterError> {
        let err = |msg: String| FilterError::new(msg, o.start, o.end);
        let (text, quoted): (String, bool) = match &o.kind {
            OperandKind::Word(w) => (w.clone(), false),
            OperandKind::Str(s) => (String::from_utf8_lossy(s).into_owned(), true),
            OperandKind::Char(c) => {
                return match ty {
                    t if t.is_integer() => {
                        Ok(if matches!(t, FieldType::Int32 | FieldType::Int64) {
                            Value::Int(*c as i64)
                        } else {
                            Value::Uint(*c as u64)
                        })
                    }
                    FieldType::Bytes | FieldType::Protocol if *c < 256 => {
                        Ok(Value::Bytes(self.konst(&[*c as u8])))
                    }
                    FieldType::String => {
                        let s = char::from_u32(*c).unwrap_or('\u{fffd}').to_string();
                        Ok(Value::Str(self.konst(s.as_bytes())))
                    }
                    _ => Err(err(format!(
                        "A character constant cannot be a {} value.",
                        ty.short_name()
                    ))),
                };
            }
            OperandKind::Neg(inner) => {
                let v = self.literal(
                    inner,
                    if ty.is_integer() {
                        FieldType::Int64
                    } else {
                        ty
                    },
                )?;
                return match v {
                    Value::Int(n) => Ok(Value::Int(-n)),
                    Value::Uint(n) => Ok(Value::Int(-(n as i64))),
                    Value::Rel(n) => Ok(Value::Rel(-n)),
                    Value::Float(f) => Ok(Value::Float(-f)),
                    _ => Err(err("This value cannot be negated.".into())),
                };
            }
            _ => return Err(err("Expected a value.".into())),
        };
        // Asked only for an error: a word of many kilobytes (a value) is compared with
        // every field name.
        let looks_like_field = || {
            !quoted
                && text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && text.contains('.')
                && fields::suggest(&text).is_some()
        };
        let invalid = |what: &str| {
            let mut e = err(format!("\"{text}\" is not a valid {what}."));
            if looks_like_field() {
                e = FilterError::new(
                    format!("{text} is neither a field nor a protocol name."),
                    o.start,
                    o.end,
                );
                if let Some(s) = fields::suggest(&text) {
                    e = e.with_hint(format!("did you mean {s}?"));
                }
            }
            e
        };
        match ty {
            FieldType::None => Err(err("This field has no value to compare with.".into())),
            FieldType::Boolean => match text.as_str() {
                "true" | "True" | "TRUE" => Ok(Value::Bool(true)),
                "false" | "False" | "FALSE" => Ok(Value::Bool(false)),
                t => match parse_int(t) {
                    Some(v) => Ok(Value::Bool(v != 0)),
                    None => Err(invalid("boolean (1, 0, true, false)")),
                },
            },
            t if t.is_integer() => {
                if let Some(neg) = text.strip_prefix('-') {
                    return match parse_int(neg) {
                        Some(v) if v <= i64::MAX as u64 => Ok(Value::Int(-(v as i64))),
                        _ => Err(invalid("number")),
                    };
                }
                match parse_int(&text) {
                    Some(v)
                        if v > t.max_uint()
                            && !matches!(t, FieldType::Int32 | FieldType::Int64) =>
                    {
                        Err(err(format!(
                            "{v} is too large for this field ({}): the maximum is {}.",
                            t.short_name(),
                            t.max_uint()
                        )))
                    }
                    Some(v) if matches!(t, FieldType::Int32 | FieldType::Int64) => {
                        Ok(Value::Int(v as i64))
                    }
                    Some(v) => Ok(Value::Uint(v)),
                    None => Err(invalid("number")),
                }
            }
            FieldType::Double => text
                .parse::<f64>()
                .map(Value::Float)
                .map_err(|_| invalid("number")),
            FieldType::RelativeTime => parse_seconds(&text)
                .map(Value::Rel)
                .ok_or_else(|| invalid("time in seconds")),
            FieldType::AbsoluteTime => parse_abs_time(&text).map(Value::Time).ok_or_else(|| {
                err(format!("\"{text}\" is not a valid absolute time."))
                    .with_hint("write \"2024-01-31 12:00:00\" or \"Jan 31, 2024 12:00:00.5\" (UTC)")
            }),
            FieldType::Ether if quoted => Err(err(format!(
                "Ethernet or other MAC address cannot be converted from a string (\"{text}\")."
            ))
            .with_hint("write six bytes unquoted, as 00:11:22:33:44:55")),
            FieldType::Ether => match parse_bytes(&text) {
                Some(b) if b.len() == 6 => Ok(Value::Ether(b.try_into().unwrap_or([0; 6]))),
                Some(b) => Err(err(format!(
                    "\"{text}\" contains too {} bytes to be a valid Ethernet address.",
                    if b.len() < 6 { "few" } else { "many" }
                ))),
                None => Err(invalid("Ethernet address")
                    .with_hint_if_none("write six bytes as 00:11:22:33:44:55")),
            },
            FieldType::Ipv4 => {
                if quoted {
                    return Err(err(format!(
                        "IPv4 address cannot be converted from a string (\"{text}\")."
                    ))
                    .with_hint("write the address unquoted"));
                }
                parse_ipv4_net(&text).map_err(|m| match m {
                    Some(m) => err(m),
                    None => invalid("IPv4 address")
                        .with_hint_if_none("write an address or a network: 10.0.0.1, 10.0.0.0/8"),
                })
            }
            FieldType::Ipv6 => {
                if quoted {
                    return Err(err(format!(
                        "IPv6 address cannot be converted from a string (\"{text}\")."
                    )));
                }
                parse_ipv6_net(&text).map_err(|m| match m {
                    Some(m) => err(m),
                    None => invalid("IPv6 address"),
                })
            }
            FieldType::String => {
                if let OperandKind::Str(s) = &o.kind {
                    Ok(Value::Str(self.konst(s)))
                } else {
                    if looks_like_field() {
                        return Err(invalid("string"));
                    }
                    Ok(Value::Str(self.konst(text.as_bytes())))
                }
            }
            FieldType::Bytes | FieldType::Protocol => {
                if let OperandKind::Str(s) = &o.kind {
                    return Ok(Value::Bytes(self.konst(s)));
                }
                match parse_bytes(&text) {
                    Some(b) => Ok(Value::Bytes(self.konst(&b))),
                    None => Err(invalid("byte string")
                        .with_hint_if_none("write bytes as 47:45:54 or a quoted string")),
                }
            }
            _ => Err(err(format!(
                "Values of type {} cannot be written in a filter.",
                ty.short_name()
            ))),
        }
    }
}

impl FilterError {
    fn with_hint_if_none(self, hint: &str) -> Self {
        if self.hint.is_some() {
            self
        } else {
            self.with_hint(hint)
        }
    }
}

/// Bytes as Wireshark writes them: `00:11:22`, `00-11-22`, `0011.2233.4455`, `001122`,
/// one byte `ac` or `0xac`.
pub fn parse_bytes(s: &str) -> Option<Vec<u8>> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    let hex = |t: &str| u8::from_str_radix(t, 16).ok();
    if s.contains([':', '-']) {
        let sep = if s.contains(':') { ':' } else { '-' };
        return s
            .split(sep)
            .map(|t| {
                if (1..=2).contains(&t.len()) {
                    hex(t)
                } else {
                    None
                }
            })
            .collect();
    }
    let compact: String = if s.contains('.') {
        // Cisco style: groups of four hex digits.
        if !s.split('.').all(|g| g.len() == 4) {
            return None;
        }
        s.replace('.', "")
    } else {
        s.to_owned()
    };
    if compact.is_empty()
        || !compact.len().is_multiple_of(2)
        || !compact.chars().all(|c| c.is_ascii_hexdigit())
    {
        return None;
    }
    (0..compact.len())
        .step_by(2)
        .map(|i| hex(&compact[i..i + 2]))
        .collect()
}

/// An IPv4 address or network. `Err(Some(msg))` for a bad prefix, `Err(None)` otherwise.
pub fn parse_ipv4_net(s: &str) -> Result<Value, Option<String>> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let a: std::net::Ipv4Addr = addr.parse().map_err(|_| None)?;
    match bits {
        None => Ok(Value::Ipv4(a.octets())),
        Some(b) => {
            let n: u32 = b.parse().map_err(|_| None)?;
            if n > 32 {
                return Err(Some(format!(
                    "Netmask bits in a CIDR IPv4 address should be <= 32, not {n}"
                )));
            }
            Ok(Value::Ipv4Net(a.octets(), n as u8))
        }
    }
}

/// An IPv6 address or network.
pub fn parse_ipv6_net(s: &str) -> Result<Value, Option<String>> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let a: std::net::Ipv6Addr = addr.parse().map_err(|_| None)?;
    match bits {
        None => Ok(Value::Ipv6(a.octets())),
        Some(b) => {
            let n: u32 = b.parse().map_err(|_| None)?;
            if n > 128 {
                return Err(Some(format!(
                    "Prefix length in a CIDR IPv6 address should be <= 128, not {n}"
                )));
            }
            Ok(Value::Ipv6Net(a.octets(), n as u8))
        }
    }
}

/// Fields the program names that Wirelens does not fill yet.
pub fn not_yet_extracted(fids: &[Fid]) -> Vec<&'static str> {
    fids.iter()
        .filter(|f| f.def().status == Status::NotYetExtracted)
        .map(|f| f.name())
        .collect()
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(parse_bytes("00:11:22"), Some(vec![0, 0x11, 0x22]));
        assert_eq!(parse_bytes("00-11-2"), Some(vec![0, 0x11, 2]));
        assert_eq!(
            parse_bytes("0011.2233.4455"),
            Some(vec![0, 0x11, 0x22, 0x33, 0x44, 0x55])
        );
        assert_eq!(parse_bytes("0800"), Some(vec![8, 0]));
        assert_eq!(parse_bytes("0xac"), Some(vec![0xac]));
        assert_eq!(parse_bytes("172"), None);
        assert_eq!(parse_seconds("0.5"), Some(500_000_000));
        assert_eq!(
            parse_seconds("1361916156.677488"),
            Some(1_361_916_156_677_488_000)
        );
        assert_eq!(parse_seconds("-1"), Some(-1_000_000_000));
        assert_eq!(parse_seconds("1e-3"), Some(1_000_000));
        assert_eq!(
            parse_abs_time("Feb 26, 2013 22:02:36.677488000"),
            Some(1_361_916_156_677_488_000)
        );
        assert_eq!(
            parse_abs_time("2013-02-26 22:02:36.677488"),
            Some(1_361_916_156_677_488_000)
        );
        assert_eq!(
            parse_abs_time("2013-02-26T22:02:36.7Z"),
            Some(1_361_916_156_700_000_000)
        );
        assert_eq!(
            parse_abs_time("2013-02-26"),
            Some(1_361_836_800_000_000_000)
        );
        assert_eq!(parse_abs_time("2013-13-26"), None);
        assert_eq!(
            parse_ipv4_net("10.0.0.0/8"),
            Ok(Value::Ipv4Net([10, 0, 0, 0], 8))
        );
        assert!(matches!(parse_ipv4_net("1.2.3.4/33"), Err(Some(_))));
        assert_eq!(
            parse_ipv6_net("::1"),
            Ok(Value::Ipv6(std::net::Ipv6Addr::LOCALHOST.octets()))
        );
    }
}
