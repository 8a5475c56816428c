// The workspace in headless Chromium: the views (conversations, endpoints, sessions,
// expert info, protocol hierarchy) against the CLI's JSON and tshark on the same files,
// the virtualized packet list, time formats, colours, the filter bar, opening with
// progress and cancel, themes, the Content-Security-Policy, and a capture full of markup.
//
// Needs what app.test.mjs needs, plus the wirelens CLI (WIRELENS_BIN, or a debug build
// under $CARGO_TARGET_DIR or target/).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { HOSTILE, XSS_FLAG, hostileCapture, manyPackets, manySyns } from './captures.mjs';
import {
  REPO,
  SAMPLE,
  allRows,
  cliJson,
  cliPath,
  dropFiles,
  newPage,
  openCapture,
  openLayer,
  openTab,
  pageEnv,
  readTable,
  settle,
  shownConversations,
  tsharkAddressConversations,
  tsharkPacketCount,
  tsharkText,
  visibleRows,
  waitLoaded,
} from './helpers.mjs';

const SERVERS = join(REPO, 'tests', 'data', 'servers');
const MEMCACHED = join(SERVERS, 'memcached.pcap');
const IPV6 = join(REPO, 'tests', 'data', 'four_ipv6_http_streams.pcap');


const env = pageEnv('wirelens-e2e-ws-');

/** A page with `file` open (through the file picker). */
const opened = (file) => openCapture(env.browser.context, env.server.url, file, 120_000);

/** Applies a display filter through the filter bar and waits for the list to show it. */
async function applyFilter(page, filter) {
  await page.locator('#filter-input').fill(filter);
  await page.locator('#filter-input').press('Escape');
  await page.locator('#filter-apply').click();
  await page.waitForFunction(
    (f) => document.querySelector('#filter-status')?.textContent.includes('packets match') || f === '',
    filter,
  );
}

/** tshark's frame numbers for a filter. */
function tsharkFrames(file, filter) {
  return tsharkText(['-n', '-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number'])
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

const fixed = (x, d) => Number(x).toFixed(d);

test('conversations of every layer equal the CLI and tshark', async () => {
  for (const file of [SAMPLE, MEMCACHED, IPV6]) {
    const page = await opened(file);
    for (const layer of ['eth', 'ip', 'ipv6', 'tcp', 'udp']) {
      await openLayer(page, 'conversations', layer);
      const shown = await readTable(page, 'conversations');
      const cli = cliJson(['conv', '-t', layer, file]);
      assert.equal(shown.length, cli.length, `${file} ${layer}: rows`);
      cli.forEach((c, i) => {
        const r = shown[i];
        const what = `${file} ${layer} row ${i}`;
        assert.equal(r.a, c.a, what);
        assert.equal(r.b, c.b, what);
        if (layer === 'tcp' || layer === 'udp') {
          assert.deepEqual([r.stream, r['port-a'], r['port-b']].map(Number), [c.stream, c.port_a, c.port_b], what);
          assert.equal(r._filter, `${layer}.stream == ${c.stream}`);
        }
        assert.deepEqual(
          [r['frames-ab'], r['bytes-ab'], r['frames-ba'], r['bytes-ba']].map(Number),
          [c.frames_ab, c.bytes_ab, c.frames_ba, c.bytes_ba],
          what,
        );
        assert.equal(r['rel-start'], fixed(c.rel_start, 6), what);
        assert.equal(r.duration, fixed(c.duration, 4), what);
      });
      // tshark's own table, for the frame counts (and the bytes it prints exactly).
      if (layer !== 'tcp' && layer !== 'udp') {
        const ref = tsharkAddressConversations(file, layer);
        assert.equal(shown.length, ref.length, `${file} ${layer}: tshark rows`);
        for (const t of ref) {
          const r = shown.find((s) => s.a === t.a && s.b === t.b);
          assert.ok(r, `${file} ${layer}: tshark's ${t.a} <-> ${t.b} is shown`);
          assert.equal(Number(r['frames-ab']), t.framesAB);
          assert.equal(Number(r['frames-ba']), t.framesBA);
          if (t.bytesAB !== null) assert.equal(Number(r['bytes-ab']), t.bytesAB);
          if (t.bytesBA !== null) assert.equal(Number(r['bytes-ba']), t.bytesBA);
        }
      }
    }
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('endpoints of every layer equal the CLI', async () => {
  for (const file of [SAMPLE, MEMCACHED, IPV6]) {
    const page = await opened(file);
    for (const layer of ['eth', 'ip', 'ipv6', 'tcp', 'udp']) {
      await openLayer(page, 'endpoints', layer);
      const shown = await readTable(page, 'endpoints');
      const cli = cliJson(['endpoints', '-t', layer, file]);
      assert.equal(shown.length, cli.length, `${file} ${layer}: rows`);
      cli.forEach((e, i) => {
        const r = shown[i];
        assert.equal(r.address, e.address);
        if (e.port !== undefined) assert.equal(Number(r.port), e.port);
        assert.deepEqual(
          ['packets', 'bytes', 'tx-packets', 'tx-bytes', 'rx-packets', 'rx-bytes'].map((k) => Number(r[k])),
          [e.packets, e.bytes, e.tx_packets, e.tx_bytes, e.rx_packets, e.rx_bytes],
          `${file} ${layer} ${e.address}`,
        );
      });
    }
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('sessions equal `wirelens sessions --json`, the process where the capture names it', async () => {
  const hostile = join(env.scratch, 'hostile.pcapng');
  writeFileSync(hostile, hostileCapture());
  for (const file of [SAMPLE, MEMCACHED, hostile]) {
    const page = await opened(file);
    await openTab(page, 'sessions');
    const shown = await readTable(page, 'sessions');
    const cli = cliJson(['sessions', file]);
    assert.equal(shown.length, cli.length);
    cli.forEach((s, i) => {
      const r = shown[i];
      const what = `${file} stream ${s.stream}`;
      assert.equal(Number(r.stream), s.stream, what);
      assert.deepEqual([r.time, r['time-s']], [s.time, fixed(s.time_s, 6)], what);
      assert.equal(r.pid, s.pid === null ? '' : String(s.pid), what);
      assert.equal(r.comm, s.comm ?? '', what);
      assert.deepEqual([r.laddr, Number(r.lport), r.raddr, Number(r.rport)], [s.laddr, s.lport, s.raddr, s.rport], what);
      assert.deepEqual(
        ['tx-kb', 'rx-kb', 'tx-bytes', 'rx-bytes'].map((k) => Number(r[k])),
        [s.tx_kb, s.rx_kb, s.tx_bytes, s.rx_bytes],
        what,
      );
      assert.equal(r.ms, fixed(s.ms, 2), what);
      assert.ok(r.end.startsWith(s.end), `${what}: ${r.end} / ${s.end}`);
      assert.equal(r._filter, `tcp.stream == ${s.stream}`);
    });
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

/** tshark's `-q -z expert` lines: [severity, summary, group, protocol, count], in its order. */
function tsharkExpert(file, options) {
  const titles = { Errors: 'error', Warns: 'warning', Notes: 'note', Chats: 'chat' };
  const lines = [];
  let severity = null;
  for (const l of tsharkText(['-n', ...options, '-r', file, '-q', '-z', 'expert']).split('\n')) {
    const section = l.match(/^(\w+) \(\d+\)$/);
    if (section) {
      severity = titles[section[1]] ?? null;
      continue;
    }
    const m = l.match(/^ *(\d+) +(\S+) +(\S+) {2}(.*)$/);
    if (m && severity) lines.push([severity, m[4], m[2], m[3], Number(m[1])]);
  }
  return lines;
}

test('expert info: lines and counts by severity equal tshark -z expert and the CLI; an item goes to its packet', async () => {
  const page = await opened(MEMCACHED);
  await openTab(page, 'expert');
  const cli = cliJson(['expert', MEMCACHED]);
  const groups = await readTable(page, 'expert-groups');
  const lines = groups.map((g) => [g.severity.toLowerCase(), g.summary, g.group, g.protocol, Number(g.count)]);
  assert.deepEqual(lines, cli.summary.map((s) => [s.severity, s.message, s.group, s.protocol, s.count]));
  // tests/golden/expert holds this capture with the same options.
  assert.deepEqual(lines, tsharkExpert(MEMCACHED, ['-d', 'tcp.port==21211,memcache']));
  assert.ok(lines.some((l) => l[3] === 'TCP' && l[1].startsWith('Connection establish request (SYN)')));
  for (const sev of ['error', 'warning', 'note', 'chat']) {
    const want = cli.summary.filter((s) => s.severity === sev).reduce((n, s) => n + s.count, 0);
    const chip = await page.locator(`#expert-counts [data-severity="${sev}"] strong`).textContent();
    assert.equal(Number(chip), want, sev);
  }
  const items = await readTable(page, 'expert-items');
  assert.deepEqual(
    items.map((i) => [Number(i.frame), Number(i.stream), i.severity.toLowerCase(), i.protocol, i.summary]),
    cli.items.map((i) => [i.frame, i.stream, i.severity, i.protocol, i.message]),
  );
  // Selecting a line lists its items only (reading the lines scrolled the table to its end).
  await page.locator('#expert-groups .vt-body').evaluate((el) => { el.scrollTop = 0; });
  await page.locator('#expert-groups [data-testid="table-row"]', { hasText: 'Zero Window segment' }).click();
  const zero = await readTable(page, 'expert-items');
  assert.deepEqual(
    zero.map((i) => Number(i.frame)),
    cli.items.filter((i) => i.field === 'tcp.analysis.zero_window').map((i) => i.frame),
  );
  // "Go to" selects the packet in the list and scrolls to it.
  const frame = zero[zero.length - 1].frame;
  await page.locator('#expert-items [data-testid="table-row"]').last().locator('.row-go').click();
  await page.locator(`[data-testid="packet-row"][aria-selected="true"] td:first-child:text-is("${frame}")`).waitFor();
  await openTab(page, 'detail');
  await page.locator('#packet-facts [data-testid="fact"]', { hasText: 'TCP Zero Window segment' }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('expert info: the lines fill in with their counts while the packets are read, then equal tshark -z expert', async () => {
  // 300,000 SYNs: the worker reads them for their items for seconds; their lines come one
  // by one (port 80's, then 443's, then 8080's; the retransmissions' from the start).
  const n = 300_000;
  const file = join(env.scratch, 'syns.pcap');
  writeFileSync(file, manySyns(n));
  const want = tsharkExpert(file, []);
  const page = await opened(file);
  await openTab(page, 'expert');
  // Lines drawn while the progress shows, and the table says it is still filling in.
  const early = await page.waitForFunction(
    () => {
      const progress = document.querySelector('#expert-progress');
      const rows = [...document.querySelectorAll('#expert-groups [data-testid="table-row"]')];
      if (!progress || !rows.length) return null;
      return {
        busy: document.querySelector('#expert-groups').getAttribute('aria-busy'),
        lines: rows.map((r) => [r.querySelector('.c-summary').textContent, Number(r.querySelector('.c-count').textContent)]),
        progress: progress.textContent,
      };
    },
    null,
    { polling: 'raf', timeout: 120_000 },
  );
  const seen = await early.jsonValue();
  assert.equal(seen.busy, 'true');
  assert.match(seen.progress, /^Reading the packets for their expert items: \d+%/);
  const final = new Map(want.map((l) => [l[1], l[4]]));
  for (const [summary, count] of seen.lines) {
    assert.ok(final.has(summary), summary);
    assert.ok(count >= 1 && count <= final.get(summary), `${summary}: ${count}`);
  }
  // At the end: tshark's lines and counts, every item listed, the progress gone.
  const groups = await readTable(page, 'expert-groups');
  assert.deepEqual(
    groups.map((g) => [g.severity.toLowerCase(), g.summary, g.group, g.protocol, Number(g.count)]),
    want,
  );
  assert.equal(await page.locator('#expert-progress').count(), 0);
  await page.locator('#expert-items[aria-busy="false"]').waitFor();
  const items = want.reduce((sum, l) => sum + l[4], 0);
  assert.equal(await page.locator('#expert-items [data-testid="table-count"]').textContent(), `${items.toLocaleString('en-US')} rows`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the protocol hierarchy equals the CLI and tshark', async () => {
  for (const file of [SAMPLE, MEMCACHED, IPV6]) {
    const page = await opened(file);
    await openTab(page, 'hierarchy');
    const shown = await readTable(page, 'hierarchy');
    const flat = [];
    const walk = (nodes, path) => {
      for (const n of nodes) {
        flat.push({ path: [...path, n.protocol], frames: n.frames, bytes: n.bytes });
        walk(n.children, [...path, n.protocol]);
      }
    };
    walk(cliJson(['phs', file]), []);
    assert.deepEqual(
      shown.map((r) => [r.protocol, Number(r.frames), Number(r.bytes)]),
      flat.map((n) => [n.path[n.path.length - 1], n.frames, n.bytes]),
    );
    // tshark prints the same counts for every node the page shows.
    const phs = tsharkText(['-q', '-z', 'io,phs', '-r', file]);
    for (const n of flat) {
      const indent = ' '.repeat(2 * (n.path.length - 1));
      const line = phs.split('\n').find((l) => l.startsWith(indent + n.path[n.path.length - 1] + ' '));
      assert.ok(line, `tshark has ${n.path.join(':')}`);
      assert.match(line, new RegExp(`frames:${n.frames} bytes:${n.bytes}$`));
    }
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('a row applies its filter, and the filter narrows the list, the counts and every view', async () => {
  const page = await opened(MEMCACHED);
  const total = tsharkPacketCount(MEMCACHED);
  const convs = await shownConversations(page);
  assert.ok(convs.length >= 2);
  const pick = convs[1];
  await page.locator('#conversations [data-testid="table-row"]').nth(1).locator('.row-filter').click();
  const filter = `tcp.stream == ${pick.stream}`;
  assert.equal(await page.locator('#filter-input').inputValue(), filter);
  const frames = tsharkFrames(MEMCACHED, filter);
  await page.locator(`#page-info[data-shown="${frames.length}"]`).waitFor();
  assert.match(await page.locator('#page-info').textContent(), new RegExp(`of ${total.toLocaleString('en-US')} packets displayed`));
  assert.deepEqual((await allRows(page)).map((r) => Number(r[0])), frames);
  // Conversations: only that one, counted as tshark counts it under the filter.
  const narrowed = await shownConversations(page);
  assert.equal(narrowed.length, 1);
  assert.deepEqual(
    [narrowed[0].framesAB, narrowed[0].bytesAB, narrowed[0].framesBA, narrowed[0].bytesBA],
    [pick.framesAB, pick.bytesAB, pick.framesBA, pick.bytesBA],
  );
  await openLayer(page, 'conversations', 'ip');
  const ip = await readTable(page, 'conversations');
  const tsharkIp = tsharkAddressConversations(MEMCACHED, 'ip', filter);
  assert.equal(ip.length, tsharkIp.length);
  assert.equal(Number(ip[0]['frames-ab']) + Number(ip[0]['frames-ba']), tsharkIp[0].framesAB + tsharkIp[0].framesBA);
  assert.equal(Number(ip[0].frames), frames.length);
  // The hierarchy and the sessions of the displayed packets.
  await openTab(page, 'hierarchy');
  const phs = await readTable(page, 'hierarchy');
  assert.equal(Number(phs[0].frames), frames.length);
  const phsRef = tsharkText(['-q', '-z', `io,phs,${filter}`, '-r', MEMCACHED]);
  assert.match(phsRef, new RegExp(`^eth\\s+frames:${frames.length} bytes:${phs[0].bytes}$`, 'm'));
  await openTab(page, 'sessions');
  const sessions = await readTable(page, 'sessions');
  assert.deepEqual(sessions.map((s) => Number(s.stream)), [pick.stream]);
  // Expert items of the displayed packets only.
  await openTab(page, 'expert');
  const items = await readTable(page, 'expert-items');
  const want = cliJson(['expert', MEMCACHED]).items.filter((i) => i.stream === pick.stream);
  assert.deepEqual(items.map((i) => Number(i.frame)), want.map((i) => i.frame));
  // Clearing shows everything again.
  await page.locator('#filter-clear').click();
  await page.locator(`#page-info[data-shown="${total}"]`).waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('time as relative, delta between displayed packets, or absolute, as tshark prints them', async () => {
  const page = await opened(SAMPLE);
  const filter = 'tcp.len > 0';
  await applyFilter(page, filter);
  const ref = (format) =>
    tsharkText(['-n', '-r', SAMPLE, '-Y', filter, '-t', format, '-T', 'fields', '-e', 'frame.number', '-e', '_ws.col.Time'])
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
  for (const [key, format] of [['relative', 'r'], ['delta', 'dd'], ['absolute', 'ud']]) {
    await page.locator('#time-format').selectOption(key);
    const want = new Map(ref(format).map(([n, t]) => [n, t]));
    const rows = await allRows(page);
    assert.equal(rows.length, want.size);
    for (const [n, time] of rows) {
      // tshark prints µs files with 6 decimals; -t ud with the date.
      assert.equal(time, want.get(n), `${key} time of ${n}`);
    }
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("rows are coloured after Wireshark's rules, with a legend and a switch", async () => {
  const page = await opened(SAMPLE);
  const rows = await page.$$eval('[data-testid="packet-row"]', (trs) =>
    trs.map((tr) => [Number(tr.children[0].textContent), tr.dataset.colour]),
  );
  await page.locator('#legend-toggle').click();
  const legend = await page.$$eval('#colour-legend li', (lis) => lis.map((li) => [li.textContent.trim(), li.dataset.rule]));
  // Wireshark's default rules in its order, but for the two no capture file can match
  // by default (checksums are not validated; system events are not packets).
  const names = readFileSync('/usr/share/wireshark/colorfilters', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('@'))
    .map((l) => l.split('@')[1])
    .filter((n) => n !== 'Checksum Errors' && n !== 'System Event');
  assert.deepEqual(legend.map(([name]) => name), names);
  const key = new Map(legend);
  // tshark --color names the rule each frame matches (frame.coloring_rule.name).
  const want = new Map(
    tsharkText(['-r', SAMPLE, '--color', '-T', 'fields', '-e', 'frame.number', '-e', 'frame.coloring_rule.name'])
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
      .map(([n, rule]) => [Number(n), rule ? key.get(rule) : '']),
  );
  assert.ok(rows.length > 10);
  for (const [n, colour] of rows) {
    assert.equal(colour, want.get(n), `packet ${n}`);
  }
  const bg = () => page.locator('[data-testid="packet-row"] td').first().evaluate((td) => getComputedStyle(td).backgroundColor);
  assert.equal(await bg(), 'rgb(160, 160, 160)', 'a SYN row is grey, as in Wireshark');
  await page.locator('#colours-toggle').uncheck();
  assert.notEqual(await bg(), 'rgb(160, 160, 160)');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a million packets scroll without paging; the keyboard reaches both ends', async () => {
  const n = 1_000_000;
  const file = join(env.scratch, 'million.pcap');
  writeFileSync(file, manyPackets(n));
  const page = await opened(file);
  assert.equal(Number(await page.locator('#packet-count').getAttribute('data-value')), n);
  const count = await page.locator('[data-testid="packet-row"]').count();
  assert.ok(count > 5 && count < 100, `${count} rows in the page`);
  const time = (no) => ((no - 1) / 1000).toFixed(6);
  const list = page.locator('#packet-scroll');
  await list.focus();
  await list.press('End');
  await page.locator(`[data-testid="packet-row"][aria-selected="true"] td:first-child:text-is("${n}")`).waitFor();
  const last = await visibleRows(page);
  assert.equal(last[last.length - 1][0], String(n));
  assert.equal(last[last.length - 1][1], time(n));
  // The middle of the scroll area is the middle of the capture.
  const started = Date.now();
  await list.evaluate((el) => { el.scrollTop = (el.scrollHeight - el.clientHeight) / 2; });
  const middle = await visibleRows(page);
  const jumpMs = Date.now() - started;
  const first = Number(middle[0][0]);
  assert.ok(Math.abs(first - n / 2) < 100, `row ${first} at the middle`);
  middle.forEach(([no, t, src, dst, proto, len]) => {
    assert.equal(t, time(Number(no)));
    assert.deepEqual([src, dst, proto, len], ['10.1.0.1', '10.1.0.2', 'UDP', '60']);
  });
  // Page Down moves a screen and the rows are there (fetched ahead).
  await page.locator('[data-testid="packet-row"]').first().click();
  const before = Number(await page.locator('[data-testid="packet-row"][aria-selected="true"] td:first-child').textContent());
  await list.press('PageDown');
  const after = Number(await page.locator('[data-testid="packet-row"][aria-selected="true"] td:first-child').textContent());
  assert.ok(after > before + 5, `${before} → ${after}`);
  assert.equal(await page.locator('#packet-list tr.pending').count(), 0, 'rows ahead were fetched before they were needed');
  await list.press('Home');
  await page.locator('[data-testid="packet-row"][aria-selected="true"] td:first-child:text-is("1")').waitFor();
  console.log(`# million: jump to the middle shown in ${jumpMs} ms`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a million packets: small scrolls move by rows wherever the list stands, the thumb jumps', async () => {
  // 20 px rows: 1,000,000 rows are 20 M px, so the 8 M px scroll area is scaled (a px of
  // scroll bar is 2.5 rows). A wheel notch, a screen and Page Down must still move by
  // rows exactly, as on a short list.
  const n = 1_000_000;
  const file = join(env.scratch, 'million-scroll.pcap');
  writeFileSync(file, manyPackets(n));
  const page = await opened(file);
  const list = page.locator('#packet-scroll');
  const numbers = async () => (await visibleRows(page)).map((r) => Number(r[0]));
  /** Rows on screen, once the scrolling has stopped (and the scroll bar is anchored). */
  const still = async () => {
    let last = null;
    for (;;) {
      const top = await list.evaluate((el) => el.scrollTop);
      const rows = await numbers();
      if (last && top === last.top && rows[0] === last.rows[0]) return rows;
      last = { top, rows };
      await page.waitForTimeout(150);
    }
  };
  const contiguous = (rows, what) =>
    rows.forEach((no, i) => assert.equal(no, rows[0] + i, `${what}: ${rows.join(',')}`));
  const rowPx = 20;

  // A jump to the middle of the scroll bar is the middle of the capture.
  await list.evaluate((el) => { el.scrollTop = (el.scrollHeight - el.clientHeight) / 2; });
  let rows = await still();
  assert.ok(Math.abs(rows[0] - n / 2) < 100, `row ${rows[0]} at the middle`);
  // A screen of scroll (in whole rows) is a screen of rows, ten times over.
  const screen = await list.evaluate((el, h) => Math.floor(el.clientHeight / h), rowPx);
  for (let i = 0; i < 10; i++) {
    const from = rows[0];
    await list.evaluate((el, px) => { el.scrollTop += px; }, screen * rowPx);
    rows = await numbers();
    assert.equal(rows[0], from + screen, `screen ${i}: ${from} → ${rows[0]}`);
    contiguous(rows, `screen ${i}`);
  }
  // The wheel: every notch moves its pixels' worth of rows, down then up, and the rows
  // on screen stay consecutive numbers.
  const box = await list.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  rows = await still();
  const start = rows[0];
  for (const [dy, times] of [[100, 6], [-100, 6], [-60, 3], [60, 3]]) {
    for (let i = 0; i < times; i++) {
      const from = (await still())[0];
      await page.mouse.wheel(0, dy);
      rows = await still();
      assert.equal(rows[0], from + dy / rowPx, `wheel ${dy}: ${from} → ${rows[0]}`);
      contiguous(rows, `wheel ${dy}`);
    }
  }
  assert.equal(rows[0], start, 'back where the wheel started');
  // Stopped, the scroll bar stands where the rows are: a jump away and back to the same
  // scrollTop shows the same rows (to the 2.5 rows a px of scroll bar is).
  const top = await list.evaluate((el) => el.scrollTop);
  await list.evaluate((el) => { el.scrollTop = el.scrollHeight / 4; });
  const quarter = await still();
  assert.ok(quarter[0] < n / 3, `row ${quarter[0]} a quarter down`);
  await list.evaluate((el, t) => { el.scrollTop = t; }, top);
  const back = (await still())[0];
  assert.ok(Math.abs(back - start) <= 2, `the thumb is where the rows are: ${start}, ${back}`);
  // Page Down moves the selection a screen of rows; the list follows it.
  await page.locator('[data-testid="packet-row"]').nth(1).click();
  const sel = async () => Number(await page.locator('[data-testid="packet-row"][aria-selected="true"] td:first-child').textContent());
  for (let i = 0; i < 3; i++) {
    const before = await sel();
    await list.press('PageDown');
    await settle(page);
    assert.equal(await sel(), before + screen);
  }
  // Both ends are reached by rows: up from the end, down from the top.
  await list.press('End');
  rows = await still();
  assert.equal(rows[rows.length - 1], n);
  const end = rows[0];
  await page.mouse.wheel(0, -100);
  rows = await still();
  assert.equal(rows[0], end - 5, 'a wheel notch up from the end');
  await list.press('Home');
  await page.mouse.wheel(0, 100);
  rows = await still();
  assert.equal(rows[0], 6, 'a wheel notch down from the top');
  await page.mouse.wheel(0, -1000);
  rows = await still();
  assert.equal(rows[0], 1, 'back to the top');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('opening shows MB/s and the time left, and Cancel stops it', async () => {
  // About 380 MB, written in pieces: long enough to read that the page is mid-way.
  const file = join(env.scratch, 'big.pcap');
  const piece = manyPackets(500_000);
  const fd = openSync(file, 'w');
  writeSync(fd, piece);
  for (let i = 0; i < 9; i++) writeSync(fd, piece, 24);
  closeSync(fd);
  const page = await newPage(env.browser.context);
  await page.goto(env.server.url + '?empty');
  await page.locator('#empty').waitFor();
  await page.locator('#file-input').setInputFiles(file);
  await page.locator('#progress-detail', { hasText: /\/s · .* left/ }).waitFor({ timeout: 60_000 });
  const detail = await page.locator('#progress-detail').textContent();
  assert.match(detail, /^[\d.]+ [kMG]?B of 380\.\d MB · [\d,]+ packets · [\d.]+ [kMG]?B\/s · .+ left$/);
  await page.locator('#cancel-open').click();
  await page.locator('#cancelled').waitFor();
  assert.match(await page.locator('#cancelled').textContent(), /Stopped reading big\.pcap/);
  assert.equal(await page.locator('#progress').count(), 0);
  assert.equal(await page.locator('#packet-count').count(), 0);
  // The page opens the next capture as usual.
  await page.locator('#file-input').setInputFiles(SAMPLE);
  assert.equal(await waitLoaded(page), tsharkPacketCount(SAMPLE));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the filter bar: live validation, field-name autocomplete, history', async () => {
  const page = await opened(SAMPLE);
  const input = page.locator('#filter-input');
  await input.fill('tcp.prot == 80');
  await page.locator('#filter-input.invalid').waitFor();
  assert.equal(await page.locator('#filter-error-mark').textContent(), 'tcp.prot');
  assert.match(await page.locator('#filter-hint').textContent(), /did you mean tcp\.port\?/);
  // Nothing was applied: the list still shows every packet.
  assert.equal(await page.locator('#filter-status').textContent(), '');
  await input.fill('tcp.port == 80');
  await page.locator('#filter-input.valid').waitFor();
  assert.equal(await page.locator('#filter-error').count(), 0);

  // Autocomplete from the field registry (`wirelens fields`).
  await input.fill('');
  await input.pressSequentially('tcp.stre');
  const names = await page.locator('#filter-input-suggestions .s-name').allTextContents();
  const registry = execFileSync(cliPath(), ['fields', 'tcp'], { encoding: 'utf8' }).split('\n').map((l) => l.split(/\s+/)[0]).filter((f) => f.startsWith('tcp.stre'));
  assert.deepEqual(names, registry);
  await input.press('ArrowDown');
  await input.press('Enter');
  assert.equal(await input.inputValue(), 'tcp.stream');
  await input.pressSequentially(' == 1');
  await input.press('Enter');
  const frames = tsharkFrames(SAMPLE, 'tcp.stream == 1');
  await page.locator(`#page-info[data-shown="${frames.length}"]`).waitFor();
  // Mid-text: the word at the caret is completed.
  await input.fill('ip.addr == 127.0.0.1 && udp.sr');
  await input.press('End');
  await input.press('ArrowDown');
  await input.press('Tab');
  assert.equal(await input.inputValue(), 'ip.addr == 127.0.0.1 && udp.srcport');

  // History: applied filters come back, newest first, after a reload too.
  await applyFilter(page, 'udp');
  // A new visit (the URL without the view it now carries).
  await page.goto(env.server.url + '?empty');
  await page.locator('#empty').waitFor();
  await page.locator('#filter-input').focus();
  const history = await page.locator('#filter-input-suggestions .s-name').allTextContents();
  assert.deepEqual(history.slice(0, 2), ['udp', 'tcp.stream == 1']);
  await page.locator('#filter-input-suggestions .suggestion').nth(1).dispatchEvent('mousedown');
  assert.equal(await page.locator('#filter-input').inputValue(), 'tcp.stream == 1');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a filter applied while another still runs wins: the list keeps the later one', async () => {
  // 300,000 SYNs to port 80, then 443, then 8080 (a third each). The first filter
  // builds every packet's detail (`_ws.malformed`) and keeps port 80's; the second, applied
  // at once, the index answers alone. The first must not replace the second's view when
  // it ends (it stops at its next read).
  const n = 300_000;
  const file = join(env.scratch, 'syns-race.pcap');
  writeFileSync(file, manySyns(n));
  const page = await opened(file);
  const slow = '_ws.malformed || tcp.dstport == 80';
  const fast = 'tcp.dstport == 8080';
  const third = n / 3;
  await applyFilter(page, slow);
  assert.match(await page.locator('#filter-status').textContent(), new RegExp(`^${third.toLocaleString('en-US')} of `));
  const slowMs = Number((await page.locator('#filter-status').textContent()).match(/\((\d+) ms\)/)[1]);
  await applyFilter(page, '');
  for (const f of [slow, fast]) {
    await page.locator('#filter-input').fill(f);
    await page.locator('#filter-input').press('Escape');
    await page.locator('#filter-apply').click();
  }
  await page.locator(`#page-info[data-shown="${third}"]`).waitFor();
  await page.waitForFunction(() => document.querySelector('#filter-status')?.textContent.includes('packets match'));
  // Long enough for the first filter to have ended, had it gone on.
  await page.waitForTimeout(2 * slowMs + 1000);
  const list = page.locator('#packet-scroll');
  await list.focus();
  await list.press('End');
  await page.locator(`[data-testid="packet-row"][aria-selected="true"] td:first-child:text-is("${n}")`).waitFor();
  await list.press('Home');
  await page.locator(`[data-testid="packet-row"][aria-selected="true"] td:first-child:text-is("${2 * third + 1}")`).waitFor();
  const rows = await visibleRows(page);
  assert.ok(rows.every((r) => r[6].includes('→ 8080')), rows.map((r) => r[6]).join('\n'));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('light and dark themes', async () => {
  const page = await opened(SAMPLE);
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
  assert.equal(await theme(), 'light');
  assert.equal(await bg(), 'rgb(255, 255, 255)');
  await page.locator('#theme-toggle').click();
  assert.equal(await theme(), 'dark');
  assert.equal(await bg(), 'rgb(21, 24, 29)');
  // Kept across visits.
  await page.reload();
  await page.locator('#empty').waitFor();
  assert.equal(await theme(), 'dark');
  await page.locator('#theme-toggle').click();
  assert.equal(await theme(), 'light');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('no request leaves the page after load, and the policy forbids any', async () => {
  const page = await newPage(env.browser.context);
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(env.server.url);
  await waitLoaded(page);
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /connect-src 'self'/);
  assert.doesNotMatch(policy, /'unsafe-inline'|'unsafe-eval'|\*/);
  assert.equal(await page.locator('script:not([src])').count(), 0, 'no inline script');
  const loaded = requests.length;
  assert.ok(requests.every((u) => u.startsWith(env.server.url)), `only the page's own files: ${requests}`);
  // Use every part of the page.
  await page.locator('#filter-input').fill('tcp.len > 0');
  await page.locator('#filter-input').press('Enter');
  await page.locator('#filter-status', { hasText: 'packets match' }).waitFor();
  for (const tab of ['conversations', 'endpoints', 'sessions', 'expert', 'hierarchy', 'detail']) await openTab(page, tab);
  await page.locator('[data-testid="packet-row"]').nth(2).click();
  await page.locator('#packet-facts [data-testid="fact"]').first().waitFor();
  await page.locator('#theme-toggle').click();
  await dropFiles(page, [{ name: 'again.pcapng', bytes: readFileSync(SAMPLE) }]);
  await page.locator('[data-testid="file"]', { hasText: 'again.pcapng' }).waitFor();
  assert.deepEqual(requests.slice(loaded), [], 'no request after load');
  // A request to another host is refused by the policy.
  const blocked = await page.evaluate(async () => {
    const seen = new Promise((ok) => document.addEventListener('securitypolicyviolation', (e) => ok(e.violatedDirective), { once: true }));
    const failed = await fetch('https://example.invalid/x').then(() => false, () => true);
    return { failed, directive: await seen };
  });
  assert.deepEqual(blocked, { failed: true, directive: 'connect-src' });
  assert.ok(requests.slice(loaded).every((u) => !u.includes('example.invalid')), 'nothing left the page');
  assert.deepEqual(page.errors.filter((e) => !e.includes('example.invalid') && !e.includes('Content Security Policy')), []);
  await page.close();
});

test('payloads full of <script> and <img onerror> render as text and run nothing', async () => {
  const page = await newPage(env.browser.context);
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss();
  });
  await page.goto(env.server.url + '?empty');
  await page.locator('#empty').waitFor();
  const name = `<img src=x onerror=window.${XSS_FLAG}=10>.pcapng`;
  await dropFiles(page, [{ name, bytes: hostileCapture() }]);
  await waitLoaded(page);
  assert.equal(await page.locator('[data-testid="file"] .file-name').textContent(), name);
  // The keys and queries in custom columns.
  await page.locator('#columns-input').fill('memcache.key, mysql.query, http.request.uri, http.user_agent');
  await page.locator('#filter-input').fill('memcache.key || mysql.query');
  await page.locator('#filter-input').press('Enter');
  await page.locator('#filter-status', { hasText: 'packets match' }).waitFor();
  const cells = (await allRows(page)).map((r) => r.slice(7));
  const flat = cells.flat();
  for (const v of [HOSTILE.setKey, HOSTILE.getKey, HOSTILE.query]) assert.ok(flat.includes(v), `${v} shown as text: ${JSON.stringify(cells)}`);
  // The HTTP request's fields, where the worker extracts them.
  await page.locator('#filter-input').fill('tcp.port == 80');
  await page.locator('#filter-input').press('Enter');
  await page.locator('#filter-status', { hasText: 'packets match' }).waitFor();
  for (const r of await allRows(page)) {
    if (r[9]) assert.equal(r[9], HOSTILE.uri);
    if (r[10]) assert.equal(r[10], HOSTILE.userAgent);
  }
  // The process comment, in the sessions and in the packet's facts.
  await openTab(page, 'sessions');
  const sessions = await readTable(page, 'sessions');
  assert.equal(sessions[0].comm, HOSTILE.comm);
  await page.locator('[data-testid="packet-row"]').first().click();
  await openTab(page, 'detail');
  await page.locator('#packet-facts [data-testid="fact"]', { hasText: HOSTILE.comm }).first().waitFor();
  // A filter made of markup is echoed as text too.
  await page.locator('#filter-input').fill(`frame contains "<script>${XSS_FLAG}</script>" && <img src=x onerror=1>`);
  await page.locator('#filter-error').waitFor();
  assert.ok((await page.locator('.filter-echo').textContent()).includes('<img src=x onerror=1>'));
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate((f) => window[f], XSS_FLAG), undefined, 'no script ran');
  assert.equal(await page.locator('#app img, #app script, #app b').count(), 0, 'no element made of payload');
  assert.deepEqual(dialogs, []);
  assert.deepEqual(page.errors, []);
  await page.close();
});
