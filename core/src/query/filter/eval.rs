//! Runs a compiled filter over packets, with Wireshark 4's rules for fields that occur
//! more than once.

use super::lexer::CmpOp;
use super::parser::{ArithOp, SliceRange};
use super::semantic::{Func, Op, Program, Step, Test};
use super::Filter;
use crate::capture::Capture;
use crate::query::detail::{DetailValues, Index};
use crate::query::fields::{self, FieldCtx, FieldProvider, PacketSource, Span, Store, Value};
use std::cmp::Ordering;
use std::rc::Rc;

/// Evaluates filters over the packets of one capture. Keeps scratch buffers and the
/// facts that span packets (TCP base sequence numbers …) between calls: make one per
/// capture and reuse it.
pub struct Evaluator<'c> {
    ctx: FieldCtx<'c>,
    pool: Vec<Vec<Value>>,
    scratch: Vec<u8>,
}

impl<'c> Evaluator<'c> {
    /// An evaluator over a capture.
    pub fn new(capture: &'c Capture) -> Self {
        Evaluator {
            ctx: FieldCtx::new(capture),
            pool: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Plugs in app-layer field values.
    pub fn with_provider(mut self, provider: &'c dyn FieldProvider) -> Self {
        self.ctx = self.ctx.with_provider(provider);
        self
    }

    /// Uses per-PDU values collected beforehand by a whole pass.
    pub fn with_collector(mut self, collector: &'c crate::query::fields::pdu::Collector) -> Self {
        self.ctx = self.ctx.with_collector(collector);
        self
    }

    /// Collects, in one pass over the packets `src` reads, the per-PDU fields (memcache,
    /// resp) that `filter` and the `extra` fields (columns) use. Optional: without it they
    /// are collected as packets are evaluated, which suits a source that moves forward.
    pub fn prepare(
        &mut self,
        filter: &Filter,
        extra: &[crate::query::fields::Fid],
        src: &mut dyn PacketSource,
    ) {
        let given: Vec<_> = filter.fields().iter().chain(extra).copied().collect();
        self.read_detail(&given, None);
        self.ctx.want(&fields::registry::with_protocols(&given));
        self.ctx.collect_all(src);
    }

    /// When some of `fields` are read from the packets' detail ([`fields::reads_detail`]),
    /// plugs in what builds it (with the capture's detail index, when gathered
    /// beforehand) and returns true.
    pub fn read_detail(
        &mut self,
        fields: &[crate::query::fields::Fid],
        index: Option<Rc<Index>>,
    ) -> bool {
        match DetailValues::for_fields(self.ctx.capture(), index, fields) {
            Some(reader) => {
                self.ctx.set_detail(Box::new(reader));
                true
            }
            None => false,
        }
    }

    /// The field extraction context (to print fields of the current packet).
    pub fn fields(&mut self) -> &mut FieldCtx<'c> {
        &mut self.ctx
    }

    /// Whether packet `index` (0-based) passes the filter. Reads the packet's bytes from
    /// `src` only if a field needs them, and at most once.
    pub fn matches(&mut self, filter: &Filter, index: usize, src: &mut dyn PacketSource) -> bool {
        self.ctx.begin(index);
        self.ctx.want(filter.fields());
        self.ctx.advance(src);
        match &filter.program {
            None => true,
            Some(program) => self.run(program, &filter.consts, src),
        }
    }

    /// Whether packet `index` passes, its bytes given (already read by the caller);
    /// `src` serves the other packets some fields look at (the first segments of a TCP
    /// conversation for relative sequence numbers).
    pub fn matches_bytes(
        &mut self,
        filter: &Filter,
        index: usize,
        bytes: &[u8],
        src: &mut dyn PacketSource,
    ) -> bool {
        self.ctx.begin_with_bytes(index, bytes);
        self.ctx.want(filter.fields());
        self.ctx.advance(src);
        match &filter.program {
            None => true,
            Some(program) => self.run(program, &filter.consts, src),
        }
    }

    fn take(&mut self) -> Vec<Value> {
        self.pool.pop().unwrap_or_default()
    }

    fn give(&mut self, mut v: Vec<Value>) {
        v.clear();
        self.pool.push(v);
    }

    /// Runs a program's steps in order (see [`Step`]): no recursion, however deep the
    /// filter nests.
    fn run(&mut self, program: &Program, consts: &[u8], src: &mut dyn PacketSource) -> bool {
        let mut answer = false;
        let mut next = 0;
        while let Some(step) = program.steps.get(next) {
            next += 1;
            match *step {
                Step::Test(n) => {
                    answer = program
                        .tests
                        .get(n as usize)
                        .is_some_and(|t| self.test(t, consts, src))
                }
                Step::Not => answer = !answer,
                Step::IfFalse(to) if !answer => next = to as usize,
                Step::IfTrue(to) if answer => next = to as usize,
                Step::IfFalse(_) | Step::IfTrue(_) => {}
            }
        }
        answer
    }

    fn test(&mut self, t: &Test, consts: &[u8], src: &mut dyn PacketSource) -> bool {
        match t {
            Test::Exists(f, layer) => {
                let mut tmp = self.take();
                let r = self.ctx.exists(*f, *layer, src, &mut tmp);
                self.give(tmp);
                r
            }
            Test::Truthy(op) => {
                let mut v = self.take();
                self.values(op, consts, src, &mut v);
                let r = v.iter().any(|v| self.truthy(v, consts));
                self.give(v);
                r
            }
            Test::Cmp(op, a, b) => {
                let mut va = self.take();
                self.values(a, consts, src, &mut va);
                let r = if va.is_empty() {
                    false
                } else {
                    let mut vb = self.take();
                    self.values(b, consts, src, &mut vb);
                    let r = self.compare_sets(*op, &va, &vb, consts);
                    self.give(vb);
                    r
                };
                self.give(va);
                r
            }
            Test::Contains(..) | Test::Find(..) | Test::Matches(..) | Test::In(..) => {
                self.quantified(t, false, consts, src)
            }
            Test::All(t) => self.quantified(t, true, consts, src),
        }
    }

    /// Whether `test` holds for some value of `a` (with some value of `b`, when given),
    /// or, `all`, for every one (with every value of `b`) and there is one.
    fn each(
        &mut self,
        a: &Op,
        b: Option<&Op>,
        all: bool,
        consts: &[u8],
        src: &mut dyn PacketSource,
        test: impl Fn(&Self, &Value, Option<&Value>) -> bool,
    ) -> bool {
        let mut va = self.take();
        self.values(a, consts, src, &mut va);
        let mut vb = self.take();
        if let (Some(b), false) = (b, va.is_empty()) {
            self.values(b, consts, src, &mut vb);
        }
        let holds = |x: &Value| match b {
            None => test(self, x, None),
            Some(_) if all => !vb.is_empty() && vb.iter().all(|y| test(self, x, Some(y))),
            Some(_) => vb.iter().any(|y| test(self, x, Some(y))),
        };
        let r = if all {
            !va.is_empty() && va.iter().all(holds)
        } else {
            va.iter().any(holds)
        };
        self.give(va);
        self.give(vb);
        r
    }

    /// `contains`, `matches` or `in` with some value of its left side, or (`all`,
    /// Wireshark 4's quantifier) with every pair of values, an ordering too; `all a in
    /// {…}` holds for every value of `a` with one element of the set (dfilter's `in` is
    /// an `or` of its elements' tests).
    fn quantified(
        &mut self,
        t: &Test,
        all: bool,
        consts: &[u8],
        src: &mut dyn PacketSource,
    ) -> bool {
        match t {
            Test::Cmp(op, a, b) if all => self.each(a, Some(b), true, consts, src, |e, x, y| {
                y.is_some_and(|y| e.holds(*op, x, y, consts))
            }),
            Test::Contains(a, b) => self.each(a, Some(b), all, consts, src, |e, x, y| {
                e.contains(x, y.unwrap_or(x), consts)
            }),
            Test::Find(a, finder) => self.each(a, None, all, consts, src, |e, x, _| {
                with_bytes(&e.ctx, x, consts, |b| finder.find(b).is_some()).unwrap_or(false)
            }),
            Test::Matches(a, re) => self.each(a, None, all, consts, src, |e, x, _| {
                with_bytes(&e.ctx, x, consts, |b| re.is_match(b)).unwrap_or(false)
            }),
            Test::In(a, set) if all => set.iter().any(|item| {
                self.each(a, None, true, consts, src, |e, x, _| {
                    e.in_item(x, item, consts)
                })
            }),
            Test::In(a, set) => self.each(a, None, false, consts, src, |e, x, _| {
                set.iter().any(|item| e.in_item(x, item, consts))
            }),
            t => self.test(t, consts, src),
        }
    }

    /// Whether bytes or text `x` contain `y`.
    fn contains(&self, x: &Value, y: &Value, consts: &[u8]) -> bool {
        with_bytes(&self.ctx, x, consts, |hay| {
            with_bytes(&self.ctx, y, consts, |needle| contains(hay, needle)).unwrap_or(false)
        })
        .unwrap_or(false)
    }

    /// Whether `x` is the set's element `item` (a value, or an inclusive range).
    fn in_item(&self, x: &Value, (lo, hi): &(Value, Option<Value>), consts: &[u8]) -> bool {
        match hi {
            None => self.eq(x, lo, consts),
            Some(hi) => {
                matches!(
                    self.order(x, lo, consts),
                    Some(Ordering::Greater | Ordering::Equal)
                ) && matches!(
                    self.order(x, hi, consts),
                    Some(Ordering::Less | Ordering::Equal)
                )
            }
        }
    }

    fn compare_sets(&self, op: CmpOp, a: &[Value], b: &[Value], consts: &[u8]) -> bool {
        if b.is_empty() {
            return false;
        }
        let mut pairs = a.iter().flat_map(|x| b.iter().map(move |y| (x, y)));
        match op {
            CmpOp::AllNe | CmpOp::AllEq => pairs.all(|(x, y)| self.holds(op, x, y, consts)),
            _ => pairs.any(|(x, y)| self.holds(op, x, y, consts)),
        }
    }

    /// Whether `x OP y` holds for one pair of values.
    fn holds(&self, op: CmpOp, x: &Value, y: &Value, consts: &[u8]) -> bool {
        match op {
            CmpOp::AnyEq | CmpOp::AllEq => self.eq(x, y, consts),
            CmpOp::AllNe | CmpOp::AnyNe => !self.eq(x, y, consts),
            CmpOp::Gt => self.order(x, y, consts) == Some(Ordering::Greater),
            CmpOp::Ge => matches!(
                self.order(x, y, consts),
                Some(Ordering::Greater | Ordering::Equal)
            ),
            CmpOp::Lt => self.order(x, y, consts) == Some(Ordering::Less),
            CmpOp::Le => matches!(
                self.order(x, y, consts),
                Some(Ordering::Less | Ordering::Equal)
            ),
        }
    }

    fn eq(&self, a: &Value, b: &Value, consts: &[u8]) -> bool {
        match (a, b) {
            (Value::Ipv4(x), Value::Ipv4Net(n, bits))
            | (Value::Ipv4Net(n, bits), Value::Ipv4(x)) => {
                let mask = if *bits == 0 {
                    0
                } else {
                    u32::MAX << (32 - *bits as u32)
                };
                u32::from_be_bytes(*x) & mask == u32::from_be_bytes(*n) & mask
            }
            (Value::Ipv6(x), Value::Ipv6Net(n, bits))
            | (Value::Ipv6Net(n, bits), Value::Ipv6(x)) => {
                let mask = if *bits == 0 {
                    0
                } else {
                    u128::MAX << (128 - *bits as u32)
                };
                u128::from_be_bytes(*x) & mask == u128::from_be_bytes(*n) & mask
            }
            _ => self.order(a, b, consts) == Some(Ordering::Equal),
        }
    }

    fn order(&self, a: &Value, b: &Value, consts: &[u8]) -> Option<Ordering> {
        if let (Some(x), Some(y)) = (int(a), int(b)) {
            return Some(x.cmp(&y));
        }
        match (a, b) {
            (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
            (Value::Float(x), _) => int(b).and_then(|y| x.partial_cmp(&(y as f64))),
            (_, Value::Float(y)) => int(a).and_then(|x| (x as f64).partial_cmp(y)),
            (Value::Time(x), Value::Time(y)) | (Value::Rel(x), Value::Rel(y)) => Some(x.cmp(y)),
            (Value::Ipv4Net(..), _)
            | (_, Value::Ipv4Net(..))
            | (Value::Ipv6Net(..), _)
            | (_, Value::Ipv6Net(..)) => {
                let net = |v: &Value| match v {
                    Value::Ipv4Net(x, _) | Value::Ipv4(x) => Some(u32::from_be_bytes(*x) as u128),
                    Value::Ipv6Net(x, _) | Value::Ipv6(x) => Some(u128::from_be_bytes(*x)),
                    _ => None,
                };
                if self.eq(a, b, consts) {
                    Some(Ordering::Equal)
                } else {
                    Some(net(a)?.cmp(&net(b)?))
                }
            }
            _ => with_bytes(&self.ctx, a, consts, |x| {
                with_bytes(&self.ctx, b, consts, |y| x.cmp(y))
            })
            .flatten(),
        }
    }

    fn truthy(&self, v: &Value, consts: &[u8]) -> bool {
        match v {
            Value::Float(f) => *f != 0.0,
            Value::Time(_) | Value::Present => true,
            Value::Rel(n) => *n != 0,
            v => match int(v) {
                Some(n) => n != 0,
                None => with_bytes(&self.ctx, v, consts, |b| !b.is_empty()).unwrap_or(true),
            },
        }
    }

    /// Appends the values of an operand to `out`.
    fn values(&mut self, op: &Op, consts: &[u8], src: &mut dyn PacketSource, out: &mut Vec<Value>) {
        match op {
            Op::Field(f, layer) => self.ctx.extract(*f, *layer, src, out),
            Op::Const(v) => out.push(*v),
            Op::Slice(inner, ranges) => {
                let mut tmp = self.take();
                self.values(inner, consts, src, &mut tmp);
                for v in &tmp {
                    let mut bytes = std::mem::take(&mut self.scratch);
                    bytes.clear();
                    let ok = with_bytes(&self.ctx, v, consts, |b| slice(b, ranges, &mut bytes))
                        .unwrap_or(false);
                    if ok {
                        let span = push_arena(&mut self.ctx.arena, &bytes);
                        out.push(match v {
                            Value::Str(_) => Value::Str(span),
                            _ => Value::Bytes(span),
                        });
                    }
                    self.scratch = bytes;
                }
                self.give(tmp);
            }
            Op::Neg(a) => {
                let start = out.len();
                self.values(a, consts, src, out);
                for v in &mut out[start..] {
                    *v = match *v {
                        Value::Rel(n) => Value::Rel(-n),
                        Value::Float(f) => Value::Float(-f),
                        other => int(&other).map_or(other, |n| num(-n)),
                    };
                }
            }
            Op::Arith(op, a, b) => {
                let mut va = self.take();
                self.values(a, consts, src, &mut va);
                let mut vb = self.take();
                if !va.is_empty() {
                    self.values(b, consts, src, &mut vb);
                }
                for x in &va {
                    for y in &vb {
                        out.extend(arith(*op, x, y));
                    }
                }
                self.give(va);
                self.give(vb);
            }
            Op::Call(func, args) => self.call(*func, args, consts, src, out),
        }
    }

    fn call(
        &mut self,
        func: Func,
        args: &[Op],
        consts: &[u8],
        src: &mut dyn PacketSource,
        out: &mut Vec<Value>,
    ) {
        let mut v = self.take();
        for a in args {
            self.values(a, consts, src, &mut v);
        }
        match func {
            Func::Count => {
                if !v.is_empty() {
                    out.push(Value::Uint(v.len() as u64));
                }
            }
            Func::Len => {
                for x in &v {
                    out.extend(with_bytes(&self.ctx, x, consts, |b| {
                        Value::Uint(b.len() as u64)
                    }));
                }
            }
            Func::Upper | Func::Lower => {
                for x in &v {
                    let mut s = std::mem::take(&mut self.scratch);
                    s.clear();
                    with_bytes(&self.ctx, x, consts, |b| s.extend_from_slice(b));
                    if func == Func::Upper {
                        s.make_ascii_uppercase();
                    } else {
                        s.make_ascii_lowercase();
                    }
                    out.push(Value::Str(push_arena(&mut self.ctx.arena, &s)));
                    self.scratch = s;
                }
            }
            Func::String => {
                // Shown as `-T fields` shows the field (computed values: decimal).
                let field = match args.first() {
                    Some(Op::Field(f, _)) => *f,
                    _ => crate::query::fields::Fid::FrameNumber,
                };
                for x in &v {
                    let mut s = String::new();
                    let bytes =
                        with_bytes(&self.ctx, x, consts, |b| b.to_vec()).unwrap_or_default();
                    fields::display(field, x, &bytes, &mut s);
                    out.push(Value::Str(push_arena(&mut self.ctx.arena, s.as_bytes())));
                }
            }
            Func::Max | Func::Min => {
                let mut best: Option<Value> = None;
                for x in &v {
                    best = Some(match best {
                        None => *x,
                        Some(b) => {
                            let o = self.order(x, &b, consts);
                            let better = if func == Func::Max {
                                o == Some(Ordering::Greater)
                            } else {
                                o == Some(Ordering::Less)
                            };
                            if better {
                                *x
                            } else {
                                b
                            }
                        }
                    });
                }
                out.extend(best);
            }
            Func::Abs => {
                for x in &v {
                    out.push(match *x {
                        Value::Rel(n) => Value::Rel(n.abs()),
                        Value::Float(f) => Value::Float(f.abs()),
                        other => int(&other).map_or(other, |n| num(n.abs())),
                    });
                }
            }
        }
        self.give(v);
    }
}

fn push_arena(arena: &mut Vec<u8>, b: &[u8]) -> Span {
    let start = arena.len() as u32;
    arena.extend_from_slice(b);
    Span {
        store: Store::Arena,
        start,
        len: b.len() as u32,
    }
}

fn int(v: &Value) -> Option<i128> {
    match *v {
        Value::Uint(n) => Some(n as i128),
        Value::Int(n) => Some(n as i128),
        Value::Bool(b) => Some(b as i128),
        _ => None,
    }
}

fn num(n: i128) -> Value {
    match u64::try_from(n) {
        Ok(u) => Value::Uint(u),
        Err(_) => Value::Int(n.clamp(i64::MIN as i128, i64::MAX as i128) as i64),
    }
}

fn arith(op: ArithOp, a: &Value, b: &Value) -> Option<Value> {
    let f = |x: i128, y: i128| -> Option<i128> {
        match op {
            ArithOp::Add => x.checked_add(y),
            ArithOp::Sub => x.checked_sub(y),
            ArithOp::Mul => x.checked_mul(y),
            ArithOp::Div => x.checked_div(y),
            ArithOp::Mod => x.checked_rem(y),
            ArithOp::BitAnd => Some(x & y),
        }
    };
    match (a, b) {
        (Value::Rel(x), Value::Rel(y)) => f(*x as i128, *y as i128).map(|n| Value::Rel(n as i64)),
        (Value::Float(x), Value::Float(y)) => Some(Value::Float(match op {
            ArithOp::Add => x + y,
            ArithOp::Sub => x - y,
            ArithOp::Mul => x * y,
            ArithOp::Div => x / y,
            ArithOp::Mod => x % y,
            ArithOp::BitAnd => return None,
        })),
        _ => f(int(a)?, int(b)?).map(num),
    }
}

/// Calls `f` with the bytes of a value (addresses as their network-order bytes).
fn with_bytes<R>(
    ctx: &FieldCtx<'_>,
    v: &Value,
    consts: &[u8],
    f: impl FnOnce(&[u8]) -> R,
) -> Option<R> {
    Some(match v {
        Value::Bytes(s) | Value::Str(s) | Value::Proto(s) => f(ctx.span(*s, consts)),
        Value::Ether(m) => f(m),
        Value::Ipv4(a) => f(a),
        Value::Ipv6(a) => f(a),
        _ => return None,
    })
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    if needle.len() == 1 {
        return hay.contains(&needle[0]);
    }
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Applies slice ranges to `b`, appending to `out`; false when a range is out of bounds.
fn slice(b: &[u8], ranges: &[SliceRange], out: &mut Vec<u8>) -> bool {
    let n = b.len() as i64;
    let abs = |i: i64| if i < 0 { n + i } else { i };
    for r in ranges {
        let (start, len) = match *r {
            SliceRange::One(i) => (abs(i), 1),
            SliceRange::StartLen(i, Some(l)) => (abs(i), l),
            SliceRange::StartLen(i, None) => (abs(i), n - abs(i)),
            SliceRange::StartEnd(i, j) => (abs(i), abs(j) - abs(i) + 1),
        };
        if start < 0 || len < 0 || start + len > n {
            return false;
        }
        out.extend_from_slice(&b[start as usize..(start + len) as usize]);
    }
    true
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn slices() {
        let b = [0u8, 1, 2, 3, 4, 5];
        let s = |r: &[SliceRange]| {
            let mut o = Vec::new();
            slice(&b, r, &mut o).then_some(o)
        };
        assert_eq!(s(&[SliceRange::StartLen(0, Some(3))]), Some(vec![0, 1, 2]));
        assert_eq!(s(&[SliceRange::StartEnd(1, 3)]), Some(vec![1, 2, 3]));
        assert_eq!(s(&[SliceRange::One(-1)]), Some(vec![5]));
        assert_eq!(s(&[SliceRange::StartLen(4, None)]), Some(vec![4, 5]));
        assert_eq!(
            s(&[SliceRange::StartLen(0, Some(1)), SliceRange::One(5)]),
            Some(vec![0, 5])
        );
        assert_eq!(s(&[SliceRange::StartLen(5, Some(2))]), None);
        assert_eq!(s(&[SliceRange::One(-7)]), None);
    }
}
