// Today's traffic in the page (issue 16): the HTTP/2 (and gRPC) and PostgreSQL tables
// equal the CLI's `--json` on the real-server captures; a TLS key log dropped beside its
// capture decrypts it as `-o tls.keylog_file:` does for the CLI; a tunnel capture's inner
// flows are conversations of their own, as tshark counts them.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  REPO,
  appTable,
  assertRows,
  cliJson,
  dropFiles,
  launch,
  newPage,
  openCapture,
  serve,
  shownConversations,
  tsharkConversations,
  waitLoaded,
} from './helpers.mjs';

const SERVERS = join(REPO, 'tests', 'data', 'servers');
const TUNNELS = join(REPO, 'tests', 'data', 'tunnels');
const ALL = ['--top', '1000000'];

let server;
let browser;

before(async () => {
  server = await serve();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** The page with `files` (a capture and its key log) opened through the file input. */
const opened = (files) => openCapture(browser.context, server.url, files);

/** The page with `files` dropped on it, as a user drags a capture and its key log. */
async function dropped(files) {
  const page = await newPage(browser.context);
  await page.goto(server.url + '?empty');
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
