// SQL in the tab: DuckDB compiled to wasm (@duckdb/duckdb-wasm) over the open capture's
// lake files, which the lake worker wrote as Parquet in the tab. The page imports this
// module only when the SQL view opens; web/sql/build.mjs bundles it (with duckdb-wasm's
// client and apache-arrow) into dist/sql/ beside DuckDB's worker and wasm. Nothing is
// fetched from another origin and nothing is uploaded: the Parquet bytes go to DuckDB's
// worker as registered file buffers.

import * as duckdb from '@duckdb/duckdb-wasm';

/** Rows of an answer shown (the CSV has them all). */
const SHOWN = 10000;

let db = null;
let conn = null;
let registered = [];
let last = null;

/** Starts DuckDB (its worker and wasm from this module's directory). */
export async function open() {
  if (db) return { version: await db.getVersion() };
  const here = (name) => new URL(name, import.meta.url).href;
  const worker = new Worker(here('duckdb-browser-eh.worker.js'));
  const d = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await d.instantiate(here('duckdb-eh.wasm'));
  // No extension is ever fetched (they would come from extensions.duckdb.org):
  // Parquet is built in.
  await d.open({ allowUnsignedExtensions: false, query: { castBigIntToDouble: false } });
  const c = await d.connect();
  for (const s of [
    'SET autoinstall_known_extensions = false',
    'SET autoload_known_extensions = false',
    "SET TimeZone = 'UTC'",
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

const quote = (s) => `'${s.replaceAll("'", "''")}'`;

/**
 * Replaces the tables with these files: [{ path, bytes }], paths as in a lake
 * (`sessions/date=…/sensor=…/part-….parquet`). Views `sessions`, `transactions` and
 * `captures` read them with the partitions as columns, as `wirelens sql` does.
 */
export async function load(files) {
  for (const t of ['sessions', 'transactions', 'captures']) {
    await conn.query(`DROP VIEW IF EXISTS ${t}`);
  }
  for (const p of registered) await db.dropFile(p);
  registered = [];
  const byTable = new Map();
  for (const f of files) {
    // A copy: DuckDB's worker takes the buffer it is given (transferred).
    await db.registerFileBuffer(f.path, new Uint8Array(f.bytes));
    registered.push(f.path);
    const table = f.path.split('/')[0];
    if (!byTable.has(table)) byTable.set(table, []);
    byTable.get(table).push(f.path);
  }
  const rows = {};
  for (const [table, paths] of byTable) {
    await conn.query(
      `CREATE VIEW ${table} AS SELECT * FROM read_parquet([${paths.map(quote).join(', ')}], ` +
        'hive_partitioning = true, union_by_name = true)',
    );
    const n = await conn.query(`SELECT count(*)::VARCHAR AS n FROM ${table}`);
    rows[table] = Number(n.getChildAt(0).get(0));
  }
  return rows;
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
    rows.push(children.map((c, i) => text(c.get(r), fields[i].type)));
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
    lines.push(children.map((c, i) => csvCell(text(c.get(r), fields[i].type))).join(','));
  }
  return new Blob([lines.join('\n') + '\n'], { type: 'text/csv' });
}
