// The page end to end in headless Chromium, checked against tshark.
//
// Needs a built dist/ (`trunk build --release`, or WIRELENS_DIST=...), Chromium
// (CHROMIUM=..., default /usr/bin/chromium), tshark, editcap and mergecap.
// Run: node --test tests/e2e/

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DIST,
  SAMPLE,
  allRows,
  cliPath,
  dropFiles,
  launch,
  newPage,
  openLayer,
  pageEnv,
  shownConversations,
  tsharkConversations,
  tsharkPacketCount,
  visibleRows,
  waitLoaded,
} from './helpers.mjs';


/** Protocol and Info of every frame, as `wirelens list` shows them. */
function cliColumns(file) {
  return execFileSync(
    cliPath(),
    ['list', file, '-T', 'fields', '-e', '_ws.col.Protocol', '-e', '_ws.col.Info'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 },
  ).replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
}

const env = pageEnv('wirelens-e2e-');

/** Opens the page with nothing loaded. */
async function emptyPage() {
  const page = await newPage(env.browser.context);
  await page.goto(env.server.url + '?empty');
  await page.locator('#empty').waitFor();
  return page;
}

/** Every tshark conversation whose byte counts tshark prints exactly is shown, equal. */
function assertConversationsMatch(shown, file, proto) {
  const reference = tsharkConversations(file, proto.toLowerCase());
  const mine = shown.filter((c) => c.proto === proto);
  assert.equal(mine.length, reference.length, `${proto} conversations: ${JSON.stringify(mine)}`);
  let exact = 0;
  for (const r of reference) {
    const m = mine.find((c) => c.a === r.a && c.portA === r.portA && c.b === r.b && c.portB === r.portB);
    assert.ok(m, `tshark's ${r.a}:${r.portA} <-> ${r.b}:${r.portB} is shown`);
    assert.equal(m.framesAB, r.framesAB, `frames A→B of ${r.portA}`);
    assert.equal(m.framesBA, r.framesBA, `frames B→A of ${r.portA}`);
    if (r.bytesAB !== null) assert.equal(m.bytesAB, r.bytesAB, `bytes A→B of ${r.portA}`);
    if (r.bytesBA !== null) assert.equal(m.bytesBA, r.bytesBA, `bytes B→A of ${r.portA}`);
    if (r.bytesAB !== null && r.bytesBA !== null) exact++;
  }
  assert.ok(exact > 0 || reference.length === 0, 'at least one row compared byte for byte');
}

/** Offset of the pcapng block that `cut` falls inside (little-endian file). */
function pcapngBlockAt(bytes, cut) {
  let at = 0;
  while (at + 8 <= bytes.length) {
    const len = bytes.readUInt32LE(at + 4);
    if (at + len > cut) return at;
    at += len;
  }
  throw new Error('cut is past the last block');
}

test('the worker does the analysis; the page bundle has no capture code', () => {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const main = /['"]\.\/([\w-]+_bg\.wasm)['"]/.exec(html)[1];
  const marker = 'not a pcap or pcapng file'; // a wirelens-core error message
  assert.ok(readFileSync(join(DIST, 'wirelens-worker_bg.wasm')).includes(marker), 'core is in the worker');
  assert.ok(!readFileSync(join(DIST, main)).includes(marker), `core is not in ${main}`);
  assert.ok(readdirSync(DIST).includes('wirelens-worker_loader.js'));
});

test('first visit opens the bundled sample', async () => {
  const page = await newPage(env.browser.context);
  await page.goto(env.server.url);
  const count = await waitLoaded(page);
  assert.equal(count, tsharkPacketCount(SAMPLE));
  const first = page.locator('[data-testid="packet-row"]').first().locator('td');
  assert.deepEqual(await first.allTextContents().then((t) => t.slice(0, 2)), ['1', '0.000000']);
  assert.match(await page.locator('#capture-summary').textContent(), /sample\.pcapng/);
  assertConversationsMatch(await shownConversations(page), SAMPLE, 'TCP');
  assertConversationsMatch(await shownConversations(page, 'udp'), SAMPLE, 'UDP');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a capture dropped on the page: packet count and conversations equal tshark', async () => {
  const page = await emptyPage();
  // Record whether the progress bar was ever on screen.
  await page.evaluate(() => {
    window.sawProgress = false;
    new MutationObserver(() => {
      if (document.querySelector('#progress')) window.sawProgress = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
  await dropFiles(page, [{ name: 'dropped.pcapng', bytes: readFileSync(SAMPLE) }], '#app');
  const count = await waitLoaded(page);
  assert.equal(count, tsharkPacketCount(SAMPLE));
  assert.ok(await page.evaluate(() => window.sawProgress), 'a progress bar was shown');
  assert.match(await page.locator('#capture-summary').textContent(), /dropped\.pcapng/);
  assertConversationsMatch(await shownConversations(page), SAMPLE, 'TCP');
  assert.equal(await page.locator('#errors').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('rotated files dropped together are one capture', async () => {
  const prefix = join(env.scratch, 'part.pcapng');
  execFileSync('editcap', ['-c', '40', SAMPLE, prefix]);
  const parts = readdirSync(env.scratch).filter((f) => f.startsWith('part_')).sort();
  assert.ok(parts.length >= 2, `editcap split the sample: ${parts}`);
  const page = await emptyPage();
  await dropFiles(
    page,
    parts.map((name) => ({ name, bytes: readFileSync(join(env.scratch, name)) })),
  );
  assert.equal(await waitLoaded(page), tsharkPacketCount(SAMPLE));
  assert.equal(await page.locator('[data-testid="file"]').count(), parts.length);
  assertConversationsMatch(await shownConversations(page), SAMPLE, 'TCP');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('files whose packets interleave are merged into one timeline', async () => {
  const total = tsharkPacketCount(SAMPLE);
  const numbers = (parity) => Array.from({ length: total }, (_, i) => i + 1).filter((n) => n % 2 === parity);
  const odd = join(env.scratch, 'odd.pcapng');
  const even = join(env.scratch, 'even.pcapng');
  execFileSync('editcap', ['-r', SAMPLE, odd, ...numbers(1).map(String)]);
  execFileSync('editcap', ['-r', SAMPLE, even, ...numbers(0).map(String)]);
  const times = execFileSync('tshark', ['-r', SAMPLE, '-T', 'fields', '-e', 'frame.time_relative'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .trim()
    .split('\n')
    .map((t) => Number(t).toFixed(6));

  const page = await emptyPage();
  // The later file first: the order of the drop must not matter.
  await dropFiles(page, [
    { name: 'even.pcapng', bytes: readFileSync(even) },
    { name: 'odd.pcapng', bytes: readFileSync(odd) },
  ]);
  assert.equal(await waitLoaded(page), total);
  const shownTimes = (await visibleRows(page)).map((cells) => cells[1]);
  assert.deepEqual(shownTimes, times.slice(0, shownTimes.length));
  assertConversationsMatch(await shownConversations(page), SAMPLE, 'TCP');
  assertConversationsMatch(await shownConversations(page, 'udp'), SAMPLE, 'UDP');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the file picker opens a capture', async () => {
  const page = await emptyPage();
  await page.locator('#file-input').setInputFiles(SAMPLE);
  assert.equal(await waitLoaded(page), tsharkPacketCount(SAMPLE));
  assertConversationsMatch(await shownConversations(page), SAMPLE, 'TCP');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a gzip-compressed capture opens and its rows are re-read through the decompressor', async () => {
  const gz = join(env.scratch, 'sample.pcapng.gz');
  writeFileSync(gz, execFileSync('gzip', ['-c', SAMPLE]));
  const reference = execFileSync(
    'tshark',
    ['-r', gz, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.time_relative', '-e', 'frame.len',
      '-e', 'tcp.srcport', '-e', 'udp.srcport', '-e', 'tcp.dstport', '-e', 'udp.dstport'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  ).trim().split('\n').map((l) => l.split('|'));

  const page = await emptyPage();
  await page.locator('#file-input').setInputFiles(gz);
  assert.equal(await waitLoaded(page), reference.length);
  assert.match(await page.locator('[data-testid="file"]').textContent(), /pcapng \(gzip\)/);
  const rows = await allRows(page);
  assert.equal(rows.length, reference.length);
  const columns = cliColumns(gz);
  rows.forEach(([, time, , , protocol, length, info], i) => {
    const [t, len, tsp, usp, tdp, udp] = reference[i];
    assert.equal(time, Number(t).toFixed(6), `time of ${i + 1}`);
    assert.equal(length, len, `length of ${i + 1}`);
    // Protocol and Info at the highest layer, as `wirelens list` shows them.
    assert.deepEqual([protocol, info], columns[i], `protocol and info of ${i + 1}`);
    if (protocol === 'TCP' || protocol === 'UDP') {
      assert.ok(info.startsWith(`${tsp || usp} → ${tdp || udp} `), `info of ${i + 1}: ${info}`);
    }
  });
  assert.equal(await page.locator('.page-error').count(), 0);
  assertConversationsMatch(await shownConversations(page), SAMPLE, 'TCP');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a damaged file shows the packets before the damage and where it is', async () => {
  const bytes = readFileSync(SAMPLE);
  const cut = Math.floor(bytes.length * 0.6);
  const damagedAt = pcapngBlockAt(bytes, cut);
  assert.ok(damagedAt < cut, 'the cut falls inside a block');
  // A file name with markup: it must come out as text.
  const name = '<b>cut</b>.pcapng';
  const file = join(env.scratch, 'cut.pcapng');
  writeFileSync(file, bytes.subarray(0, cut));
  const before = tsharkPacketCount(file);
  assert.ok(before > 0 && before < tsharkPacketCount(SAMPLE));

  const page = await emptyPage();
  await dropFiles(page, [{ name, bytes: bytes.subarray(0, cut) }]);
  assert.equal(await waitLoaded(page), before);
  assert.equal((await allRows(page)).length, before);
  const error = page.locator('[data-testid="ingest-error"]');
  assert.equal(await error.count(), 1);
  const text = await error.textContent();
  assert.ok(text.includes(name), text);
  assert.ok(text.includes(`byte offset ${damagedAt}`), text);
  assert.ok(text.includes(`packet ${before + 1}`), text);
  assert.equal(await page.locator('#errors b').count(), 0, 'no markup from the file name');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('anomalies that do not stop reading are listed beside the results', async () => {
  const pcap = join(env.scratch, 'odd-lengths.pcap');
  execFileSync('editcap', ['-F', 'pcap', SAMPLE, pcap]);
  const bytes = readFileSync(pcap);
  assert.equal(bytes.readUInt32LE(0), 0xa1b2c3d4, 'a little-endian µs pcap');
  const caplen = bytes.readUInt32LE(24 + 8);
  bytes.writeUInt32LE(10, 24 + 12); // the first packet's original length, now < caplen
  const page = await emptyPage();
  await dropFiles(page, [{ name: 'odd-lengths.pcap', bytes }]);
  assert.equal(await waitLoaded(page), tsharkPacketCount(SAMPLE));
  assert.equal(await page.locator('#errors').count(), 0);
  const anomalies = page.locator('#anomalies');
  assert.match(await anomalies.locator('summary').textContent(), /^1 anomaly/);
  await anomalies.locator('summary').click();
  const text = await anomalies.locator('[data-testid="ingest-anomaly"]').textContent();
  assert.ok(text.startsWith('odd-lengths.pcap: at byte offset 24, packet 1: '), text);
  assert.ok(text.includes(`${caplen}`), text);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a file that is not a capture says so and the page keeps working', async () => {
  const page = await emptyPage();
  await dropFiles(page, [{ name: 'index.html', bytes: readFileSync(join(DIST, 'index.html')) }]);
  const error = page.locator('[data-testid="ingest-error"]');
  await error.waitFor();
  assert.match(await error.textContent(), /^index\.html: at byte offset 0, packet 1: not a pcap or pcapng file/);
  assert.equal(await page.locator('#packet-count').getAttribute('data-value'), '0');
  // The next capture opens normally.
  await dropFiles(page, [{ name: 'sample.pcapng', bytes: readFileSync(SAMPLE) }]);
  assert.equal(await waitLoaded(page), tsharkPacketCount(SAMPLE));
  assert.equal(await error.count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('rows are re-read from the file as the list scrolls and the keyboard moves', async () => {
  const file = join(env.scratch, 'three.pcapng');
  execFileSync('mergecap', ['-a', '-w', file, SAMPLE, SAMPLE, SAMPLE]);
  const total = tsharkPacketCount(file);
  assert.ok(total > 200);
  const reference = execFileSync(
    'tshark',
    ['-r', file, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.number', '-e', 'frame.time_relative',
      '-e', 'ip.src', '-e', 'ip.dst', '-e', 'frame.len', '-e', 'tcp.srcport', '-e', 'tcp.dstport'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  ).trim().split('\n').map((l) => l.split('|'));
  const columns = cliColumns(file);
  const check = ([n, time, src, dst, protocol, length, info]) => {
    const ref = reference[Number(n) - 1];
    assert.equal(n, ref[0]);
    assert.equal(time, Number(ref[1]).toFixed(6));
    assert.deepEqual([src, dst, length], [ref[2], ref[3], ref[4]]);
    assert.deepEqual([protocol, info], columns[Number(n) - 1], `protocol and info of ${n}`);
    // The TCP line, after the analysis items in brackets ([TCP Retransmission] …).
    const line = info.replace(/^(\[TCP [^\]]*\] )+/, '');
    if (ref[5] && protocol === 'TCP') assert.ok(line.startsWith(`${ref[5]} → ${ref[6]} `), info);
  };

  const page = await emptyPage();
  await page.locator('#file-input').setInputFiles(file);
  assert.equal(await waitLoaded(page), total);
  assert.equal(await page.locator('#page-next').count(), 0, 'no paging buttons');
  const shown = await visibleRows(page);
  assert.ok(shown.length > 5 && shown.length < 100, `only the rows on screen exist (${shown.length})`);
  shown.forEach(check);

  // Every row, scrolled through, is tshark's.
  const every = await allRows(page);
  assert.equal(every.length, total);
  every.forEach(check);

  // The keyboard: End, Home, Page Down, arrows move the selection and scroll to it.
  const list = page.locator('#packet-scroll');
  await list.focus();
  const selected = () => page.locator('[data-testid="packet-row"][aria-selected="true"] td:first-child').textContent();
  await list.press('End');
  await page.locator(`[data-testid="packet-row"][aria-selected="true"] td:first-child:text-is("${total}")`).waitFor();
  await list.press('Home');
  await page.locator('[data-testid="packet-row"][aria-selected="true"] td:first-child:text-is("1")').waitFor();
  await list.press('ArrowDown');
  await list.press('ArrowDown');
  assert.equal(await selected(), '3');
  const whole = await list.evaluate((el) => Math.floor(el.clientHeight / 20));
  await list.press('PageDown');
  assert.equal(Number(await selected()), 3 + whole);
  await list.press('ArrowUp');
  assert.equal(Number(await selected()), 2 + whole);
  (await visibleRows(page)).forEach(check);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('conversations sort by duration and bytes', async () => {
  const page = await newPage(env.browser.context);
  await page.goto(env.server.url);
  await waitLoaded(page);
  const header = (title) => page.locator('#conversations th', { hasText: title });
  const column = async (key) => (await shownConversations(page)).map((c) => c[key]);
  await openLayer(page, 'conversations', 'tcp');
  const sortedDesc = (xs) => [...xs].sort((a, b) => b - a);

  await header('Duration').click();
  assert.equal(await header('Duration').getAttribute('aria-sort'), 'descending');
  assert.deepEqual(await column('duration'), sortedDesc(await column('duration')));
  await header('Duration').click();
  assert.equal(await header('Duration').getAttribute('aria-sort'), 'ascending');
  assert.deepEqual(await column('duration'), sortedDesc(await column('duration')).reverse());

  await header('Bytes A→B').click();
  assert.equal(await header('Duration').getAttribute('aria-sort'), 'none');
  const bytes = await column('bytesAB');
  assert.deepEqual(bytes, sortedDesc(bytes));
  await header('Bytes B→A').click();
  const back = await column('bytesBA');
  assert.deepEqual(back, sortedDesc(back));
  assert.equal(back[0], Math.max(...back));

  await header('Port A').click();
  const ports = await column('portA');
  assert.deepEqual(ports, sortedDesc(ports));
  assert.deepEqual(page.errors, []);
  await page.close();
});

/** Frame numbers and the fields (by default tcp.stream and tcp.seq) of the packets tshark keeps. */
function tsharkFiltered(file, filter, fields = ['tcp.stream', 'tcp.seq'], extra = []) {
  const args = ['-n', '-r', file, ...extra, '-Y', filter, '-T', 'fields', '-E', 'occurrence=a', '-e', 'frame.number'];
  const out = execFileSync('tshark', [...args, ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, TZ: 'UTC' },
  });
  return out.split('\n').filter((l) => l.trim() !== '').map((l) => l.split('\t'));
}

test('a display filter and custom columns give the packets and values tshark gives', async () => {
  const page = await newPage(env.browser.context);
  await page.goto(env.server.url);
  const all = await waitLoaded(page);
  // Needs the packet bytes (tcp.len), the index (ip.addr of a conversation) and, for
  // the tcp.seq column, the first packets of each conversation.
  const filter = 'tcp.len > 0 && ip.addr == 0.0.0.0/0';
  const want = tsharkFiltered(SAMPLE, filter);
  assert.ok(want.length > 0 && want.length < all, `a filter that keeps some packets (${want.length} of ${all})`);
  await page.locator('#filter-input').fill(filter);
  await page.locator('#columns-input').fill('tcp.stream, tcp.seq');
  await page.locator('#filter-input').press('Enter');
  await page.locator('#filter-status', { hasText: `${want.length} of ${all} packets match` }).waitFor();
  await page.locator(`#page-info[data-shown="${want.length}"]`).waitFor();
  assert.deepEqual(await page.locator('[data-testid="custom-column"]').allTextContents(), ['tcp.stream', 'tcp.seq']);
  await page.locator(`[data-testid="packet-row"]:first-child td:first-child:text-is("${want[0][0]}")`).waitFor();
  const rows = await allRows(page);
  const shown = rows.map((cells) => [cells[0], cells[7], cells[8]]);
  assert.deepEqual(shown, want, 'No., tcp.stream and tcp.seq as tshark');

  // A mistake is underlined with a hint, and the list keeps what it shows.
  await page.locator('#filter-input').fill('tcp.len > 0 && tcp.prot == 80');
  await page.locator('#filter-apply').click();
  await page.locator('#filter-error').waitFor();
  assert.equal(await page.locator('#filter-error-mark').textContent(), 'tcp.prot');
  assert.match(await page.locator('#filter-hint').textContent(), /did you mean tcp\.port\?/);
  assert.equal(await page.locator('#page-info').getAttribute('data-shown'), String(want.length));
  await page.locator('#filter-input').fill('(tcp');
  await page.locator('#filter-input').press('Enter');
  await page.locator('#filter-error-mark', { hasText: '(' }).waitFor();
  assert.match(await page.locator('#filter-error').textContent(), /Unbalanced parenthesis/);

  // The worker's stack is 256 KiB: a filter nested 10,000 deep gets an error, not a
  // crash; one nested as deep as the parser takes (100 levels: tshark takes 97
  // parentheses), and an `or` of 3,000 terms, give tshark's packets.
  await page.locator('#filter-input').fill(`${'('.repeat(10000)}tcp${')'.repeat(10000)}`);
  await page.locator('#filter-input').press('Enter');
  await page.locator('#filter-error', { hasText: 'nests more than 100 levels' }).waitFor();
  const deep = `${'('.repeat(100)}tcp.len > 0${')'.repeat(100)} && ${'not '.repeat(99)}udp`;
  const deepWant = tsharkFiltered(SAMPLE, 'tcp.len > 0 && not udp');
  await page.locator('#filter-input').fill(deep);
  await page.locator('#filter-input').press('Enter');
  await page.locator('#filter-status', { hasText: `${deepWant.length} of ${all} packets match` }).waitFor();
  const frames = Array.from({ length: 3000 }, (_, i) => `frame.number == ${3 * i + 1}`).join(' or ');
  const chainWant = Math.min(3000, Math.ceil(all / 3));
  await page.locator('#filter-input').fill(frames);
  await page.locator('#filter-input').press('Enter');
  await page.locator('#filter-status', { hasText: `${chainWant} of ${all} packets match` }).waitFor();
  assert.equal(await page.locator('#filter-error').count(), 0);

  // The empty filter shows every packet again.
  await page.locator('#filter-input').fill('');
  await page.locator('#columns-input').fill('');
  await page.locator('#filter-apply').click();
  await page.locator(`#page-info[data-shown="${all}"]`).waitFor();
  assert.equal(await page.locator('#filter-error').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('filters nested as deep as the parser takes run in the worker once its code is optimised', async () => {
  // V8 first runs wasm from quick baseline code, then, once a function is hot, from
  // optimised code whose frames can be several times larger: a page that had shown 88
  // packets' details (each node's filter compiled) overflowed the worker's stack on 99
  // `not`s. `--no-liftoff` runs only optimised code from the start. Every shape of nesting
  // at the limit gives tshark's packets for the same filter written flat.
  const browser = await launch(['--js-flags=--no-liftoff']);
  try {
    const page = await newPage(browser.context);
    await page.goto(env.server.url);
    const all = await waitLoaded(page);
    const shapes = [
      [`${'not '.repeat(99)}udp`, 'not udp'],
      [`${'not (tcp and '.repeat(48)}tcp.len > 0${')'.repeat(48)}`, 'not tcp or tcp.len > 0'],
      [`${'('.repeat(100)}tcp.len > 0${')'.repeat(100)} && ${'!'.repeat(99)}udp`, 'tcp.len > 0 && !udp'],
      [`frame.len${' + 0'.repeat(99)} > 100`, 'frame.len > 100'],
      [`${'{'.repeat(99)}frame.len${'}'.repeat(99)} > 100 or tcp.len > ${'-'.repeat(98)}0`, 'frame.len > 100 or tcp.len > 0'],
    ];
    for (const [deep, flat] of shapes) {
      const want = tsharkFiltered(SAMPLE, flat).length;
      assert.ok(want > 0 && want < all, `${flat}: ${want} of ${all}`);
      await page.locator('#filter-input').fill(deep);
      await page.locator('#filter-input').press('Enter');
      await page.locator('#filter-status', { hasText: `${want} of ${all} packets match` }).waitFor({ timeout: 10_000 });
    }
    assert.deepEqual(page.errors, []);
  } finally {
    await browser.close();
  }
});

test('the memcache.key column and a filter on it, as in the Wireshark how-to', async () => {
  const page = await newPage(env.browser.context);
  await page.goto(env.server.url);
  const all = await waitLoaded(page);
  // The sample's memcached listens on 21211: tshark must be told; Wirelens sniffs it.
  const filter = 'memcache.key contains "user"';
  const want = tsharkFiltered(SAMPLE, filter, ['memcache.command', 'memcache.key'], ['-d', 'tcp.port==21211,memcache']);
  assert.ok(want.length > 0 && want.length < all, `a filter that keeps some packets (${want.length} of ${all})`);
  await page.locator('#filter-input').fill(filter);
  await page.locator('#columns-input').fill('memcache.command, memcache.key');
  await page.locator('#filter-input').press('Enter');
  await page.locator('#filter-status', { hasText: `${want.length} of ${all} packets match` }).waitFor();
  await page.locator(`[data-testid="packet-row"]:first-child td:first-child:text-is("${want[0][0]}")`).waitFor();
  const rows = await allRows(page);
  const shown = rows.map((cells) => [cells[0], cells[7], cells[8]]);
  assert.deepEqual(shown, want, 'No., memcache.command and memcache.key as tshark');
  assert.deepEqual(page.errors, []);
  await page.close();
});
