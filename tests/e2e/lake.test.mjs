// The lake in the page: "Export as Parquet" of a real capture unzips into the files
// `wirelens export` writes for the same file (same paths, same rows and metadata; snappy
// here, zstd there; `file` is the name here, the absolute path there), read back with
// DuckDB (Python's, installed by `cargo xtask setup`). SQL in the tab: DuckDB-wasm,
// requested only when the SQL view opens, answers what DuckDB answers over the CLI's
// lake; no request leaves the page's origin.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { DIST, REPO, cliPath, openCapture, openTab, pageEnv } from './helpers.mjs';

const SERVERS = join(REPO, 'tests', 'data', 'servers');
/** Real-server captures: HTTP, memcached, MySQL, Redis, DNS, TLS, PostgreSQL, QUIC. */
const CAPTURES = ['http.pcap', 'memcached.pcap', 'mariadb.pcap', 'redis.pcap', 'dns.pcap', 'tls.pcap', 'pgsql.pcap', 'quic.pcap'];
const SENSOR = 'e2e-sensor';


const env = pageEnv('wirelens-e2e-lake-');

/** Runs Python with DuckDB: `script` reads sys.argv[1:] and prints JSON. */
function py(script, args) {
  const out = execFileSync('python3', ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return JSON.parse(out);
}

/** Every Parquet file under `dir`, relative, sorted. */
function parquetFiles(dir) {
  const out = execFileSync('find', [dir, '-name', '*.parquet', '-type', 'f'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map((p) => p.slice(dir.length + 1)).sort();
}

/** A Parquet file's rows (in file order, `file` apart), its wirelens.* metadata and codecs. */
const READ = `
import sys, json, duckdb
path = sys.argv[1]
con = duckdb.connect()
rel = con.sql("SELECT * FROM read_parquet(?)", params=[path])
cols = rel.columns
rows = [dict(zip(cols, r)) for r in rel.fetchall()]
files = [r.pop('file') for r in rows]
meta = {k.decode(): v.decode() for k, v in con.sql(
    "SELECT key, value FROM parquet_kv_metadata(?)", params=[path]).fetchall()
    if k.decode().startswith('wirelens.')}
codecs = sorted({c for (c,) in con.sql(
    "SELECT DISTINCT compression FROM parquet_metadata(?)", params=[path]).fetchall()})
types = con.sql("DESCRIBE SELECT * FROM read_parquet(?)", params=[path]).fetchall()
print(json.dumps({"rows": rows, "files": sorted(set(files)), "meta": meta, "codecs": codecs,
                  "types": [[t[0], t[1]] for t in types]}, default=str))
`;

const opened = (file) => openCapture(env.browser.context, env.server.url, file);

/** Clicks Export as Parquet with `sensor`; the ZIP saved and unzipped into a directory. */
async function exportLake(page, sensor, dir) {
  await page.locator('#lake-sensor').fill(sensor);
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    page.locator('#lake-export-button').click(),
  ]);
  const zip = join(env.scratch, download.suggestedFilename());
  await download.saveAs(zip);
  mkdirSync(dir, { recursive: true });
  execFileSync('unzip', ['-q', '-n', zip, '-d', dir]);
  await page.locator('#lake-status', { hasText: 'Saved' }).waitFor();
  return download.suggestedFilename();
}

test('the Parquet writer is in the lake worker alone, which index.html does not load', () => {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const page = /['"]\.\/([\w-]+_bg\.wasm)['"]/.exec(html)[1];
  // The file magic and a message of parquet's column writer.
  for (const marker of ['PAR1', 'definition level']) {
    assert.ok(readFileSync(join(DIST, 'wirelens-lake_bg.wasm')).includes(marker), `${marker} in the lake worker`);
    for (const other of [page, 'wirelens-worker_bg.wasm']) {
      assert.ok(!readFileSync(join(DIST, other)).includes(marker), `${marker} is not in ${other}`);
    }
  }
  assert.doesNotMatch(html, /(?:src|href)="[^"]*(?:wirelens-lake|sql\/)/, 'index.html loads nothing of the lake or of DuckDB');
});

test('Export as Parquet unzips into the lake wirelens export writes, row for row', async () => {
  const pageLake = join(env.scratch, 'page-lake');
  const cliLake = join(env.scratch, 'cli-lake');
  let compared = 0;
  for (const name of CAPTURES) {
    const file = join(SERVERS, name);
    const page = await opened(file);
    await openTab(page, 'sessions');
    const zipName = await exportLake(page, SENSOR, pageLake);
    assert.equal(zipName, `${name.split('.')[0]}-lake.zip`);
    assert.deepEqual(page.errors, [], name);
    await page.close();
    execFileSync(cliPath(), ['export', file, '-o', cliLake, '--sensor', SENSOR], { stdio: 'ignore' });
  }
  // The same files, at the same paths: one lake could take either.
  const ours = parquetFiles(pageLake);
  assert.deepEqual(ours, parquetFiles(cliLake));
  assert.ok(ours.filter((p) => p.startsWith('captures/')).length === CAPTURES.length, 'a captures file per capture');
  for (const rel of ours) {
    const a = py(READ, [join(pageLake, rel)]);
    const b = py(READ, [join(cliLake, rel)]);
    assert.deepEqual(a.types, b.types, `${rel}: the columns and their types`);
    assert.equal(a.rows.length, b.rows.length, `${rel}: rows`);
    for (let i = 0; i < a.rows.length; i++) assert.deepEqual(a.rows[i], b.rows[i], `${rel}: row ${i}`);
    assert.deepEqual(a.meta, b.meta, `${rel}: metadata`);
    assert.equal(a.meta['wirelens.sensor'], SENSOR);
    assert.deepEqual(a.codecs, ['SNAPPY'], `${rel}: snappy in the page`);
    assert.deepEqual(b.codecs, ['ZSTD'], `${rel}: zstd from the CLI`);
    // The page names the file; the CLI records where it lies.
    if (a.rows.length) {
      assert.equal(a.files.length, 1);
      assert.equal(a.files[0], basename(b.files[0]), rel);
    }
    compared += a.rows.length;
  }
  const count = (t) =>
    py(`import sys, json, duckdb
print(json.dumps(duckdb.sql(f"SELECT count(*) FROM read_parquet('{sys.argv[1]}/${t}/*/*/*.parquet')").fetchall()[0][0]))`, [pageLake]);
  const sessions = count('sessions');
  const transactions = count('transactions');
  assert.ok(sessions >= 20 && transactions >= 200, `${sessions} sessions, ${transactions} transactions`);
  console.log(`# lake: ${ours.length} files, ${compared} rows equal the CLI's (${sessions} sessions, ${transactions} transactions)`);
});

test('SQL in the tab: DuckDB-wasm loads only with the SQL view and answers what DuckDB answers over the CLI lake', async () => {
  const file = join(SERVERS, 'memcached.pcap');
  const requests = [];
  const onRequest = (r) => requests.push(r.url());
  env.browser.context.on('request', onRequest);
  try {
    const page = await opened(file);
    const origin = new URL(env.server.url).origin;
    // Nothing of the lake or of DuckDB at load.
    assert.deepEqual(requests.filter((u) => /wirelens-lake|\/sql\//.test(u)), []);
    // An export starts the lake worker, still no DuckDB.
    await openTab(page, 'sessions');
    await exportLake(page, 'browser', join(env.scratch, 'sql-page-lake'));
    assert.ok(requests.some((u) => u.includes('wirelens-lake')), 'the lake worker is loaded for the export');
    assert.deepEqual(requests.filter((u) => /\/sql\/|duckdb/.test(u)), [], 'no DuckDB before the SQL view');

    const t0 = Date.now();
    await openTab(page, 'sql');
    await page.locator('#sql-status', { hasText: 'DuckDB is ready' }).waitFor({ timeout: 120_000 });
    const ready = Date.now() - t0;
    assert.ok(requests.some((u) => u.endsWith('/sql/duckdb-eh.wasm')), 'DuckDB is loaded now');

    const lake = join(env.scratch, 'sql-cli-lake');
    execFileSync(cliPath(), ['export', file, '-o', lake, '--sensor', 'browser'], { stdio: 'ignore' });
    const cli = (sql) =>
      py(`import sys, json, duckdb
con = duckdb.connect()
for t in ['sessions', 'transactions', 'captures']:
    con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{sys.argv[1]}/{t}/*/*/*.parquet', hive_partitioning = true, union_by_name = true)")
r = con.sql(sys.argv[2])
text = lambda v: None if v is None else str(v).lower() if isinstance(v, bool) else str(v)
print(json.dumps({"columns": r.columns, "rows": [[text(v) for v in row] for row in r.fetchall()]}))`, [lake, sql]);

    const queries = [
      'SELECT service, count(*) AS sessions, sum(orig_bytes + resp_bytes) AS bytes, sum(orig_pkts + resp_pkts) AS packets FROM sessions GROUP BY service ORDER BY service NULLS FIRST',
      "SELECT key, count(*) AS n, sum(value_len) AS bytes, count(*) FILTER (WHERE hit) AS hits FROM transactions WHERE service = 'memcache' GROUP BY key ORDER BY n DESC, key LIMIT 50",
      'SELECT sensor, date::VARCHAR AS date, count(*) AS n, min(ts_ns) AS first, max(end_ns) AS last FROM sessions GROUP BY ALL ORDER BY ALL',
      'SELECT command, count(*) AS n, sum(latency_ns) AS latency_ns FROM transactions GROUP BY command ORDER BY n DESC, command',
      // Times to the microsecond, lists and structs.
      'SELECT uid, epoch_us(ts) AS ts, epoch_us(end_ts) AS end_ts, id.orig_h, id.resp_p, len(packets) AS packets, packets[1].offset AS first FROM sessions ORDER BY uid',
      "SELECT uid, first_frame, list_count(keys) AS keys, latency_ns, hit FROM transactions WHERE service = 'memcache' ORDER BY ALL LIMIT 200",
    ];
    for (const sql of queries) {
      await page.locator('#sql-editor').fill(sql);
      const t1 = Date.now();
      await page.locator('#sql-editor').press('Control+Enter');
      await page.locator('#sql-summary', { hasText: 'rows in' }).waitFor();
      const shown = await readResult(page);
      const want = cli(sql);
      assert.deepEqual(shown.columns, want.columns, sql);
      assert.deepEqual(shown.rows, want.rows.map((r) => r.map((v) => (v === null ? 'NULL' : v))), sql);
      assert.ok(shown.rows.length > 0, sql);
      console.log(`# ${Date.now() - t1} ms: ${sql.slice(0, 60)}… ${shown.rows.length} rows`);
    }
    // The examples all run.
    const examples = await page.locator('#sql-examples option').count();
    for (let i = 0; i < examples; i++) {
      await page.locator('#sql-examples').selectOption(String(i));
      await page.locator('#sql-run').click();
      await page.locator('#sql-summary:has-text("rows in"), #sql-error').first().waitFor();
      const failed = (await page.locator('#sql-error').count()) ? await page.locator('#sql-error').innerText() : '';
      assert.equal(failed, '', `example ${i}`);
    }
    // An error is shown as DuckDB says it.
    await page.locator('#sql-editor').fill('SELECT nope FROM sessions');
    await page.locator('#sql-run').click();
    await page.locator('#sql-error').waitFor();
    assert.match(await page.locator('#sql-error').innerText(), /nope/);
    // CSV of the last good answer.
    await page.locator('#sql-editor').fill('SELECT service, count(*) AS n FROM sessions GROUP BY service ORDER BY service NULLS FIRST');
    await page.locator('#sql-run').click();
    await page.locator('#sql-result').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#sql-csv').click()]);
    const csvPath = join(env.scratch, 'query.csv');
    await download.saveAs(csvPath);
    const want = cli('SELECT service, count(*) AS n FROM sessions GROUP BY service ORDER BY service NULLS FIRST');
    assert.equal(
      readFileSync(csvPath, 'utf8'),
      ['service,n', ...want.rows.map((r) => r.map((v) => v ?? '').join(','))].join('\n') + '\n',
    );
    // Every request stayed on the page's origin.
    assert.deepEqual(requests.filter((u) => !u.startsWith(origin + '/') && !u.startsWith('blob:') && !u.startsWith('data:')), []);
    assert.deepEqual(page.errors, []);
    console.log(`# DuckDB ready ${ready} ms after the SQL view opened`);
    await page.close();
  } finally {
    env.browser.context.off('request', onRequest);
  }
});

/** The SQL view's answer: column names and cell texts. */
async function readResult(page) {
  return page.locator('#sql-result').evaluate((t) => ({
    columns: [...t.querySelectorAll('thead th')].map((th) => th.textContent),
    rows: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
  }));
}
