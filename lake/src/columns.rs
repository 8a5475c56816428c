//! Columns built from rows, with the definition and repetition levels Parquet's
//! low-level writer takes (the `arrow` crates would do the same for a much longer build).
//!
//! Levels (Parquet's Dremel encoding): an OPTIONAL value has definition level 1 when
//! present, 0 when null. A REQUIRED list (three-level LIST: `REPEATED group list {
//! REQUIRED element }`) gives each element repetition level 0 when it starts a row's
//! list, 1 when it continues it, and definition level 1; an empty list is one entry with
//! both levels 0 and no value. An OPTIONAL leaf inside such a list adds a level.

use parquet::basic::Type as Physical;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::errors::Result;
use parquet::file::writer::SerializedColumnWriter;

/// One leaf column's values and levels, in the schema's leaf order.
pub struct Column {
    /// Values present (nulls and empty lists have none).
    pub values: Values,
    /// Definition levels, for a column that is optional or in a list.
    pub defs: Option<Vec<i16>>,
    /// Repetition levels, for a column in a list.
    pub reps: Option<Vec<i16>>,
}

/// A column's values, by physical type.
pub enum Values {
    /// BOOLEAN.
    Bool(Vec<bool>),
    /// INT32.
    I32(Vec<i32>),
    /// INT64.
    I64(Vec<i64>),
    /// DOUBLE.
    F64(Vec<f64>),
    /// BYTE_ARRAY (strings).
    Bytes(Vec<ByteArray>),
}

impl Values {
    /// The physical type, to check against the schema.
    pub fn physical(&self) -> Physical {
        match self {
            Values::Bool(_) => Physical::BOOLEAN,
            Values::I32(_) => Physical::INT32,
            Values::I64(_) => Physical::INT64,
            Values::F64(_) => Physical::DOUBLE,
            Values::Bytes(_) => Physical::BYTE_ARRAY,
        }
    }
}

/// A value a column holds.
pub trait Value: Sized {
    /// Puts values into their typed vector.
    fn wrap(v: Vec<Self>) -> Values;
}

impl Value for bool {
    fn wrap(v: Vec<Self>) -> Values {
        Values::Bool(v)
    }
}
impl Value for i32 {
    fn wrap(v: Vec<Self>) -> Values {
        Values::I32(v)
    }
}
impl Value for i64 {
    fn wrap(v: Vec<Self>) -> Values {
        Values::I64(v)
    }
}
impl Value for f64 {
    fn wrap(v: Vec<Self>) -> Values {
        Values::F64(v)
    }
}
impl Value for ByteArray {
    fn wrap(v: Vec<Self>) -> Values {
        Values::Bytes(v)
    }
}

/// A string as a BYTE_ARRAY value.
pub fn text(s: &str) -> ByteArray {
    ByteArray::from(s.as_bytes().to_vec())
}

/// A REQUIRED column.
pub fn required<R, T: Value>(rows: &[R], f: impl Fn(&R) -> T) -> Column {
    Column {
        values: T::wrap(rows.iter().map(f).collect()),
        defs: None,
        reps: None,
    }
}

/// An OPTIONAL column (or a REQUIRED leaf of an OPTIONAL group).
pub fn optional<R, T: Value>(rows: &[R], f: impl Fn(&R) -> Option<T>) -> Column {
    let mut values = Vec::with_capacity(rows.len());
    let mut defs = Vec::with_capacity(rows.len());
    for r in rows {
        match f(r) {
            Some(v) => {
                values.push(v);
                defs.push(1);
            }
            None => defs.push(0),
        }
    }
    Column {
        values: T::wrap(values),
        defs: Some(defs),
        reps: None,
    }
}

/// A leaf of a REQUIRED list's elements: `items` gives a row's elements, `f` an
/// element's value (None: a null in an OPTIONAL leaf, which `nullable` says it is).
pub fn list<R, E, T: Value>(
    rows: &[R],
    items: impl Fn(&R) -> &[E],
    nullable: bool,
    f: impl Fn(&E) -> Option<T>,
) -> Column {
    let mut values = Vec::new();
    let mut defs = Vec::with_capacity(rows.len());
    let mut reps = Vec::with_capacity(rows.len());
    for r in rows {
        let elems = items(r);
        if elems.is_empty() {
            defs.push(0);
            reps.push(0);
            continue;
        }
        for (j, e) in elems.iter().enumerate() {
            reps.push(i16::from(j > 0));
            match f(e) {
                Some(v) => {
                    values.push(v);
                    defs.push(if nullable { 2 } else { 1 });
                }
                None => defs.push(1),
            }
        }
    }
    Column {
        values: T::wrap(values),
        defs: Some(defs),
        reps: Some(reps),
    }
}

/// Writes one column chunk.
pub fn write(col: &mut SerializedColumnWriter<'_>, c: &Column) -> Result<usize> {
    let (d, r) = (c.defs.as_deref(), c.reps.as_deref());
    match &c.values {
        Values::Bool(v) => col.typed::<BoolType>().write_batch(v, d, r),
        Values::I32(v) => col.typed::<Int32Type>().write_batch(v, d, r),
        Values::I64(v) => col.typed::<Int64Type>().write_batch(v, d, r),
        Values::F64(v) => col.typed::<DoubleType>().write_batch(v, d, r),
        Values::Bytes(v) => col.typed::<ByteArrayType>().write_batch(v, d, r),
    }
}
