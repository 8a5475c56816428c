// The protocol views (HTTP, memcached, MySQL, Redis, DNS, TLS) on the real-server
// captures: every table equals the CLI's `--json` for the same file, row for row and key
// for key; a row's filter gives tshark's packets, its Follow opens its stream; a value
// over 1 MB is marked; the display filter narrows the tables.
//
// The TLS capture comes from the corpus (../shared/corpus): the test fails without it
// unless WIRELENS_NO_CORPUS=1 says the run goes without.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  REPO,
  appTable,
  assertRows,
  cliJson,
  corpusDir,
  openCapture,
  pageEnv,
  settle,
  tsharkText,
} from './helpers.mjs';

const SERVERS = join(REPO, 'tests', 'data', 'servers');
const CORPUS = corpusDir();
const TLS = join(CORPUS, 'PcapPlusPlus', 'examples', 'tls.pcap');
const ALL = ['--top', '1000000'];


const env = pageEnv();

const opened = (file) => openCapture(env.browser.context, env.server.url, file);

const CASES = [
  ['http.pcap', 'http', [
    ['requests', ['http']],
    ['slowest', ['http', '--slowest', '1000000']],
    ['by_status', ['http', '--by-status']],
    ['errors', ['http', '--errors']],
  ]],
  ['memcached.pcap', 'memcache', [
    ['commands', ['memcache', ...ALL], 'commands'],
    ['hot_keys', ['memcache', ...ALL], 'hot_keys'],
    ['largest_values', ['memcache', ...ALL], 'largest_values'],
    ['misses', ['memcache', ...ALL], 'misses'],
    ['transactions', ['memcache', '--list']],
  ]],
  ['mariadb.pcap', 'mysql', [
    ['transactions', ['mysql', ...ALL], 'transactions'],
    ['slowest', ['mysql', ...ALL], 'slowest'],
    ['queries', ['mysql', ...ALL], 'queries'],
    ['errors', ['mysql', ...ALL], 'errors'],
  ]],
  ['redis.pcap', 'redis', [
    ['commands', ['redis', ...ALL], 'commands'],
    ['hot_keys', ['redis', ...ALL], 'hot_keys'],
    ['largest_values', ['redis', ...ALL], 'largest_values'],
    ['slowest', ['redis', ...ALL], 'slowest'],
    ['errors', ['redis', ...ALL], 'errors'],
    ['transactions', ['redis', '--list']],
  ]],
  ['dns.pcap', 'dns', [
    ['queries', ['dns']],
    ['slowest', ['dns', '--slowest', '1000000']],
    ['by_rcode', ['dns', '--by-rcode']],
  ]],
];

for (const [file, app, tables] of CASES) {
  test(`the ${app} view's tables equal \`wirelens ${app} --json\` on ${file}`, async () => {
    const path = join(SERVERS, file);
    const page = await opened(path);
    for (const [table, args, member] of tables) {
      const out = cliJson([...args, path]);
      const cli = member ? out[member] ?? [] : out;
      assertRows(await appTable(page, app, table), cli, `${file} ${table}`);
    }
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

test('the TLS view lists the server names as `wirelens tls --json` does', async (t) => {
  if (!existsSync(TLS)) {
    if (process.env.WIRELENS_NO_CORPUS === '1') return t.skip('WIRELENS_NO_CORPUS=1: no corpus in this run');
    assert.fail(`the corpus capture ${TLS} is missing (set WIRELENS_NO_CORPUS=1 to run without the corpus)`);
  }
  const page = await opened(TLS);
  assertRows(await appTable(page, 'tls', 'handshakes'), cliJson(['tls', TLS]), 'tls handshakes');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a row's filter gives tshark's packets, and its Follow opens its stream", async () => {
  const path = join(SERVERS, 'http.pcap');
  const page = await opened(path);
  const statuses = await appTable(page, 'http', 'by_status');
  assert.ok(statuses.length >= 2);
  for (const [k, row] of statuses.entries()) {
    if (!row.status) continue;
    const filter = `http.response.code == ${row.status}`;
    assert.equal(row._filter, filter);
    await page.locator('#app-table [data-testid="table-row"]').nth(k).locator('.row-filter').click();
    const want = tsharkText(['-r', path, '-Y', filter, '-T', 'fields', '-e', 'frame.number']).trim().split('\n').length;
    await page.locator(`#page-info[data-shown="${want}"]`).waitFor();
    assert.equal(Number(row.count), want, `${filter}: a response a packet`);
    await page.locator('#filter-clear').click();
    const all = await page.locator('#packet-count').getAttribute('data-value');
    await page.locator(`#page-info[data-shown="${all}"]`).waitFor();
  }
  const requests = await appTable(page, 'http', 'requests');
  await page.locator('#app-table [data-testid="table-row"]').first().locator('.row-follow').click();
  await page.locator('#follow-title', { hasText: `TCP stream ${requests[0].stream}` }).waitFor();
  assert.match(await page.locator('[data-testid="follow-line"]').first().textContent(), new RegExp(`^${requests[0].method} `));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('memcached values over 1 MB are marked, and a filter narrows the tables', async () => {
  const path = join(SERVERS, 'memcached.pcap');
  const page = await opened(path);
  const values = await appTable(page, 'memcache', 'largest_values');
  const big = values.filter((v) => v.over_1mb === 'yes');
  assert.ok(big.length >= 1, 'the capture has a value over 1 MB');
  await page.locator('#app-table .vt-body').evaluate((el) => { el.scrollTop = 0; });
  await settle(page);
  assert.equal(await page.locator('#app-table tr.mark-big').count(), big.filter((v) => v._index < 20).length);
  assert.match(await page.locator('#app-table .table-notes').textContent(), new RegExp(`${big.length} values? over 1 MB`));
  // Only the transactions of stream 1.
  await page.locator('#filter-input').fill('tcp.stream == 1');
  await page.locator('#filter-input').press('Enter');
  await page.locator('#filter-status', { hasText: 'packets match' }).waitFor();
  const narrowed = await appTable(page, 'memcache', 'transactions');
  const all = cliJson(['memcache', '--list', path]);
  assert.deepEqual(narrowed.map((r) => r.stream), all.filter((r) => r.stream === 1).map(() => '1'));
  assert.ok(narrowed.length > 0 && narrowed.length < all.length);
  assert.deepEqual(page.errors, []);
  await page.close();
});
