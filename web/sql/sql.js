// SQL in the tab: DuckDB compiled to wasm (@duckdb/duckdb-wasm) over the open capture's
// lake files, which the lake worker wrote as Parquet in the tab. The page imports this
// module only when the SQL view opens; web/sql/build.mjs bundles it (with duckdb-wasm's
// client, apache-arrow and hyparquet) into dist/sql/ beside DuckDB's worker and wasm.
// Nothing is fetched from another origin and nothing is uploaded.
//
// DuckDB-wasm reads Parquet through its parquet extension, which it fetches from
// extensions.duckdb.org: a request to another origin, which the page refuses to make.
// So the files are read here (hyparquet: pure JavaScript, snappy built in) and handed to
// DuckDB as Arrow tables (its built-in Arrow import), with the types DuckDB gives the same
// Parquet (INT32 INTEGER, INT64 BIGINT, groups STRUCT, lists LIST, and `date` and `sensor`
// from the Hive path), except that times are TIMESTAMP, in UTC, rather than TIMESTAMP WITH
// TIME ZONE: time zones are the ICU extension's, fetched as parquet's would be.

import * as duckdb from '@duckdb/duckdb-wasm';
import * as arrow from 'apache-arrow';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';

/** Rows of an answer shown (the CSV has them all). */
const SHOWN = 10000;

let db = null;
let conn = null;
let last = null;

/** Starts DuckDB (its worker and wasm from this module's directory). */
export async function open() {
  if (db) return { version: await db.getVersion() };
  const here = (name) => new URL(name, import.meta.url).href;
  const worker = new Worker(here('duckdb-browser-eh.worker.js'));
  const d = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await d.instantiate(here('duckdb-eh.wasm'));
  // No extension is ever fetched (they would come from extensions.duckdb.org); the
  // tables come in as Arrow (load).
  await d.open({ allowUnsignedExtensions: false, query: { castBigIntToDouble: false } });
  const c = await d.connect();
  for (const s of [
    'SET autoinstall_known_extensions = false',
    'SET autoload_known_extensions = false',
  ]) {
    try {
      await c.query(s);
    } catch (e) {
      // An option this build does not have; nothing to turn off then.
    }
  }
  db = d;
  conn = c;
  return { version: await db.getVersion() };
}

const isList = (node) =>
  node.children.length === 1 &&
  (node.element.converted_type === 'LIST' || node.element.logical_type?.type === 'LIST');
const isTimestamp = (e) =>
  e.type === 'INT64' && (e.logical_type?.type === 'TIMESTAMP' || e.converted_type === 'TIMESTAMP_MICROS');

/** The Arrow type of a Parquet schema node (the types this lake's files use). */
function arrowType(node) {
  const e = node.element;
  if (isList(node)) {
    const element = node.children[0].children[0];
    return new arrow.List(new arrow.Field('element', arrowType(element), element.element.repetition_type === 'OPTIONAL'));
  }
  if (node.children.length) {
    return new arrow.Struct(
      node.children.map((c) => new arrow.Field(c.element.name, arrowType(c), c.element.repetition_type === 'OPTIONAL')),
    );
  }
  // TIMESTAMP (UTC) rather than WITH TIME ZONE: without the ICU extension (fetched, like
  // parquet) DuckDB-wasm has no date_trunc or strftime over the latter.
  if (isTimestamp(e)) return new arrow.TimestampMicrosecond();
  switch (e.type) {
    case 'BOOLEAN': return new arrow.Bool();
    case 'INT32': return new arrow.Int32();
    case 'INT64': return new arrow.Int64();
    case 'FLOAT': return new arrow.Float32();
    case 'DOUBLE': return new arrow.Float64();
    case 'BYTE_ARRAY': return new arrow.Utf8();
    default: throw new Error(`column ${e.name}: Parquet type ${e.type} is not read here`);
  }
}

/** Builders whose null test is a plain function: Arrow's default compiles one with
 *  `new Function`, which the page's Content-Security-Policy (no 'unsafe-eval') forbids. */
function builderOf(type) {
  const b = arrow.makeBuilder({ type, nullValues: [] });
  const patch = (x) => {
    x._isValid = (v) => v !== null && v !== undefined;
    x.children.forEach(patch);
  };
  patch(b);
  return b;
}

/** A column of values (BigInt for INT64, objects for groups, arrays for lists). */
function vectorOf(type, values) {
  if (arrow.DataType.isTimestamp(type)) {
    // Microseconds as they are: Arrow's builder takes milliseconds as a double.
    const data = new BigInt64Array(values.length);
    const valid = new Uint8Array((values.length + 7) >> 3);
    let nulls = 0;
    values.forEach((v, i) => {
      if (v === null || v === undefined) nulls++;
      else {
        data[i] = BigInt(v);
        valid[i >> 3] |= 1 << (i & 7);
      }
    });
    return arrow.makeVector(arrow.makeData({ type, length: values.length, nullCount: nulls, nullBitmap: nulls ? valid : null, data }));
  }
  const b = builderOf(type);
  for (const v of values) b.append(v);
  return b.finish().toVector();
}

/** A lake file's rows as an Arrow table, `date` and `sensor` from its path. */
async function tableOf(path, bytes) {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const schema = parquetSchema(parquetMetadata(buffer));
  const rows = await parquetReadObjects({
    file: buffer,
    // INT64 timestamps as their microseconds (BigInt): a Date keeps only milliseconds.
    parsers: { timestampFromMicroseconds: (v) => v },
  });
  const columns = {};
  for (const node of schema.children) {
    const name = node.element.name;
    columns[name] = vectorOf(arrowType(node), rows.map((r) => r[name]));
  }
  const part = (key) => new RegExp(`(?:^|/)${key}=([^/]*)`).exec(path)?.[1] ?? null;
  const date = part('date');
  const days = date === null ? null : Math.floor(Date.parse(`${date}T00:00:00Z`) / 86400000);
  columns.date = arrow.makeVector(
    arrow.makeData({ type: new arrow.DateDay(), length: rows.length, nullCount: 0, data: new Int32Array(rows.length).fill(days ?? 0) }),
  );
  columns.sensor = vectorOf(new arrow.Utf8(), rows.map(() => part('sensor')));
  return new arrow.Table(columns);
}

/**
 * Replaces the tables with these files: [{ path, bytes }], paths as in a lake
 * (`sessions/date=…/sensor=…/part-….parquet`): tables `sessions`, `transactions` and
 * `captures` with `date` and `sensor` as columns, as `wirelens sql` names them.
 */
export async function load(files) {
  for (const t of ['sessions', 'transactions', 'captures']) {
    await conn.query(`DROP TABLE IF EXISTS ${t}`);
  }
  const rows = {};
  for (const f of files) {
    const table = f.path.split('/')[0];
    if (!['sessions', 'transactions', 'captures'].includes(table)) continue;
    const t = await tableOf(f.path, f.bytes);
    await conn.insertArrowTable(t, { name: table, create: !(table in rows) });
    rows[table] = (rows[table] || 0) + t.numRows;
  }
  return rows;
}

/** A TIMESTAMP's value as DuckDB prints it (`2026-12-05 06:49:07.123456+00` for one
 *  with a time zone): `raw` in the type's unit, as Arrow keeps it (a BigInt). */
function timestampText(raw, type) {
  const perSecond = [1n, 1000n, 1000000n, 1000000000n][type.unit];
  const secs = raw / perSecond - (raw % perSecond < 0n ? 1n : 0n);
  const frac = raw - secs * perSecond;
  const iso = new Date(Number(secs) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const digits = frac === 0n ? '' : '.' + frac.toString().padStart(perSecond.toString().length - 1, '0').replace(/0+$/, '');
  return iso + digits + (type.timezone ? '+00' : '');
}

/** Value `r` of a column: timestamps in their unit (Arrow's get() gives milliseconds). */
function cell(vector, type, r) {
  if (!arrow.DataType.isTimestamp(type)) return text(vector.get(r), type);
  if (!vector.isValid(r)) return null;
  let i = r;
  for (const d of vector.data) {
    if (i < d.length) return timestampText(BigInt(d.values[i]), type);
    i -= d.length;
  }
  return null;
}

function text(v, type) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  // Arrow type ids (apache-arrow's Type): 7 Decimal, 8 Date, 10 Timestamp.
  if (type?.typeId === 7) {
    const s = v.toString();
    const scale = type.scale || 0;
    if (!scale) return s;
    const neg = s.startsWith('-');
    const d = (neg ? s.slice(1) : s).padStart(scale + 1, '0');
    return `${neg ? '-' : ''}${d.slice(0, -scale)}.${d.slice(-scale)}`;
  }
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace('Z', '');
  if (type && (type.typeId === 10 || type.typeId === 8)) {
    // Timestamp and Date: milliseconds since the epoch, UTC.
    const iso = new Date(Number(v)).toISOString().replace('T', ' ').replace('Z', '');
    return type.typeId === 8 ? iso.slice(0, 10) : iso;
  }
  if (typeof v === 'object') {
    const plain = typeof v.toJSON === 'function' ? v.toJSON() : v;
    return JSON.stringify(plain, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
  }
  return String(v);
}

/**
 * Runs SQL. The answer: { columns, rows (cells as text, null for NULL), total,
 * elapsed_ms }; an error (DuckDB's message) is thrown.
 */
export async function run(sql) {
  const t0 = performance.now();
  const table = await conn.query(sql);
  const elapsed_ms = performance.now() - t0;
  const fields = table.schema.fields;
  const columns = fields.map((f) => f.name);
  const n = Math.min(table.numRows, SHOWN);
  const rows = [];
  const children = fields.map((_, i) => table.getChildAt(i));
  for (let r = 0; r < n; r++) {
    rows.push(children.map((c, i) => cell(c, fields[i].type, r)));
  }
  last = { fields, children, total: table.numRows };
  return { columns, rows, total: table.numRows, elapsed_ms };
}

const csvCell = (s) => (s === null ? '' : /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** The last answer, every row, as CSV (a Blob). */
export function csv() {
  if (!last) return null;
  const { fields, children, total } = last;
  const lines = [fields.map((f) => csvCell(f.name)).join(',')];
  for (let r = 0; r < total; r++) {
    lines.push(children.map((c, i) => csvCell(cell(c, fields[i].type, r))).join(','));
  }
  return new Blob([lines.join('\n') + '\n'], { type: 'text/csv' });
}
