// Today's traffic in the page (issue 16): the HTTP/2 (and gRPC) and PostgreSQL tables
// equal the CLI's `--json` on the real-server captures; a TLS key log dropped beside its
// capture decrypts it as `-o tls.keylog_file:` does for the CLI: its transactions, the
// per-message fields of memcached inside TLS in filters, and the protocols inside TLS in
// the packet detail; a tunnel capture's inner flows are conversations of their own, as
// tshark counts them.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  REPO,
  appTable,
  assertRows,
  cliJson,
  cliPath,
  dropFiles,
  newPage,
  openCapture,
  openTab,
  pageEnv,
  settle,
  shownConversations,
  tsharkConversations,
  visibleRows,
  waitLoaded,
} from './helpers.mjs';

const SERVERS = join(REPO, 'tests', 'data', 'servers');
const TUNNELS = join(REPO, 'tests', 'data', 'tunnels');
const ALL = ['--top', '1000000'];


const env = pageEnv();

/** The page with `files` (a capture and its key log) opened through the file input. */
const opened = (files) => openCapture(env.browser.context, env.server.url, files);

/** The page with `files` dropped on it, as a user drags a capture and its key log. */
async function dropped(files) {
  const page = await newPage(env.browser.context);
  await page.goto(env.server.url + '?empty');
  await page.locator('#empty').waitFor();
  await dropFiles(page, files.map((f) => ({ name: f.split('/').pop(), bytes: readFileSync(f) })), '#app');
  await waitLoaded(page);
  return page;
}

const HTTP_TABLES = [
  ['requests', []],
  ['slowest', ['--slowest', '1000000']],
  ['by_status', ['--by-status']],
  ['errors', ['--errors']],
  ['grpc', ['--grpc']],
];

test('HTTP/2 over TLS (key log beside the capture) and h2c: the HTTP tables equal `wirelens http -o tls.keylog_file:`', async () => {
  const path = join(SERVERS, 'http2.pcap');
  const keylog = join(SERVERS, 'http2.keylog');
  const page = await opened([path, keylog]);
  let streams = 0;
  for (const [table, args] of HTTP_TABLES) {
    const cli = cliJson(['http', ...args, '-o', `tls.keylog_file:${keylog}`, path]);
    const shown = await appTable(page, 'http', table);
    assertRows(shown, cli, `http2.pcap ${table}`);
    if (table === 'requests') streams = shown.filter((r) => r['http2-stream_id'] !== '').length;
  }
  // Streams over TLS (ports 28443) and in the clear (28082).
  assert.ok(streams >= 11, `${streams} HTTP/2 streams shown`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('gRPC: the HTTP tables and the gRPC methods equal `wirelens http --json` on grpc.pcap', async () => {
  const path = join(SERVERS, 'grpc.pcap');
  const page = await opened([path]);
  for (const [table, args] of HTTP_TABLES) {
    assertRows(await appTable(page, 'http', table), cliJson(['http', ...args, path]), `grpc.pcap ${table}`);
  }
  const methods = await appTable(page, 'http', 'grpc');
  assert.ok(methods.some((m) => m.method === 'NoSuchMethod'), 'the UNIMPLEMENTED call is listed');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('PostgreSQL: the tables equal `wirelens pgsql --json` on pgsql.pcap', async () => {
  const path = join(SERVERS, 'pgsql.pcap');
  const page = await opened([path]);
  const out = cliJson(['pgsql', ...ALL, path]);
  for (const table of ['transactions', 'slowest', 'queries', 'errors']) {
    assertRows(await appTable(page, 'pgsql', table), out[table] ?? [], `pgsql.pcap ${table}`);
  }
  const errors = await appTable(page, 'pgsql', 'errors');
  assert.ok(errors.length >= 3, 'the 42P01 and 42601 errors and the failed login');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a key log dropped beside a TLS capture decrypts it: the HTTP transactions appear, as the CLI gives them with -o tls.keylog_file', async () => {
  const path = join(SERVERS, 'tls.pcap');
  const keylog = join(SERVERS, 'tls.keylog');
  // Without it, the records stay encrypted: no HTTP transaction.
  const alone = await dropped([path]);
  assert.equal(await alone.locator('#tab-http').count(), 0, 'no HTTP view without the key log');
  await alone.locator('#tab-tls').waitFor();
  assert.deepEqual(cliJson(['http', path]), []);
  await alone.close();
  const page = await dropped([path, keylog]);
  const cli = cliJson(['http', '-o', `tls.keylog_file:${keylog}`, path]);
  assert.ok(cli.length > 0, 'the CLI decrypts HTTP/1.1 from the key log');
  assertRows(await appTable(page, 'http', 'requests'), cli, 'tls.pcap requests');
  assert.deepEqual(page.errors, []);
  await page.close();
});

/** Applies a display filter and waits until the packet list shows `n` packets (fails
 *  with the count it shows instead). */
async function applyFilter(page, filter, n) {
  await page.locator('#filter-input').fill(filter);
  await page.locator('#filter-input').press('Enter');
  try {
    await page.locator(`#page-info[data-shown="${n}"]`).waitFor({ timeout: 60_000 });
  } catch {
    const shown = await page.locator('#page-info').getAttribute('data-shown');
    assert.fail(`${filter}: the page shows ${shown} packets, expected ${n}`);
  }
  await settle(page);
}

test('with the key log, a filter on memcached inside TLS keeps the frames tshark keeps, and an HTTP/2-over-TLS packet shows its HTTP/2 layers', async () => {
  // tls-kv.pcap: memcached over TLS 1.2. tshark 4.0 hands decrypted TLS on port 21212 to
  // memcache only through an RSA key association, with a key file it never uses (the
  // suites are ECDHE): a throwaway key (as tests/it/modern.rs makes it).
  const path = join(SERVERS, 'tls-kv.pcap');
  const keylog = join(SERVERS, 'tls-kv.keylog');
  const dir = mkdtempSync(join(tmpdir(), 'wirelens-e2e-kv-'));
  const key = join(dir, 'unused.key');
  execFileSync('openssl', ['genrsa', '-out', key, '2048'], { stdio: 'ignore' });
  const filter = 'memcache.command == "get"';
  const want = execFileSync('tshark', [
    '-n', '-r', path, '-o', `tls.keylog_file:${keylog}`,
    '-o', `uat:rsa_keys:"${key}",""`,
    '-o', `uat:ssl_keys:"127.0.0.1","21212","memcache.tcp","${key}",""`,
    '-Y', filter, '-T', 'fields', '-e', 'frame.number',
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean).map(Number);
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(want, [12, 15, 17, 19, 25], 'tshark reads five gets inside TLS');
  const page = await opened([path, keylog]);
  await applyFilter(page, filter, want.length);
  const rows = await visibleRows(page);
  assert.deepEqual(rows.map((r) => Number(r[0])), want);
  // Without the key log nothing inside TLS is read: the filter keeps nothing.
  const alone = await opened([path]);
  await applyFilter(alone, filter, 0);
  await alone.close();

  // http2.pcap frame 9: the client's preface, SETTINGS and WINDOW_UPDATE in one TLS 1.3
  // record; the tree has an http2 layer for each, as `wirelens list -V` (whose PDML the
  // golden compares with tshark's) prints it.
  const h2 = join(SERVERS, 'http2.pcap');
  const h2keys = join(SERVERS, 'http2.keylog');
  const p2 = await opened([h2, h2keys]);
  await applyFilter(p2, 'frame.number == 9', 1);
  await openTab(p2, 'detail');
  await p2.locator('[data-testid="packet-row"]').first().click();
  await p2.locator('#detail-tree [data-testid="tree-node"]').first().waitFor({ timeout: 120_000 });
  await settle(p2);
  // The layers: the tree's rows at its first level (as detail.test.mjs reads depths).
  const layers = await p2.$$eval('#detail-tree [data-testid="tree-node"]', (rows) =>
    rows
      .filter((r) => Math.round((parseFloat(r.style.paddingLeft) - 0.3) / 1.2) === 0)
      .map((r) => r.querySelector('.tree-text').textContent),
  );
  assert.ok(layers.includes('Transport Layer Security'), layers.join('\n'));
  assert.equal(layers.filter((l) => l.startsWith('HyperText Transfer Protocol 2')).length, 3, layers.join('\n'));
  const cli = execFileSync(
    cliPath(),
    ['list', '-V', '-o', `tls.keylog_file:${h2keys}`, '-Y', 'frame.number == 9', h2],
    { encoding: 'utf8' },
  ).split('\n').filter((l) => l !== '' && !l.startsWith(' '));
  assert.deepEqual(layers, cli, 'the top of the tree as wirelens list -V prints it');
  assert.ok(
    (await p2.locator('#detail-tree [data-name="http2.magic"]').count()) +
      (await p2.locator('#detail-tree [data-name="http2"]').count()) > 0,
    'the HTTP/2 layers name their fields',
  );
  assert.deepEqual(page.errors, []);
  assert.deepEqual(p2.errors, []);
  await page.close();
  await p2.close();
});

test("a tunnel capture's inner flows are conversations, as tshark counts them", async () => {
  for (const name of ['netns-vxlan.pcap', 'netns-geneve.pcap', 'netns-gre.pcap']) {
    const path = join(TUNNELS, name);
    const page = await opened([path]);
    for (const proto of ['tcp', 'udp']) {
      const reference = tsharkConversations(path, proto);
      const shown = await shownConversations(page, proto);
      assert.equal(shown.length, reference.length, `${name} ${proto} conversations`);
      for (const r of reference) {
        const m = shown.find((c) => c.a === r.a && c.portA === r.portA && c.b === r.b && c.portB === r.portB);
        assert.ok(m, `${name}: tshark's ${r.a}:${r.portA} <-> ${r.b}:${r.portB} is shown`);
        assert.equal(m.framesAB, r.framesAB, `${name} ${proto} frames A→B of ${r.portA}`);
        assert.equal(m.framesBA, r.framesBA, `${name} ${proto} frames B→A of ${r.portA}`);
      }
    }
    // The inner TCP flow (the overlay's addresses) is there.
    const tcp = await shownConversations(page, 'tcp');
    assert.ok(tcp.length >= 1, `${name}: an inner TCP conversation`);
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});
