// A CPU profile of the analysis worker (or, with --page, of the page's thread) while the
// page does what the steps say, on a capture: where a slow table or filter spends its
// time, by function. The profile is written as a .cpuprofile (open it in Chromium's
// DevTools, Performance panel) and summed up here, self time and total time per function.
//
// Function names need a worker built with them (the release dist strips them): from the
// repo root (Trunk reads the paths in the HTML relative to it), with `.tools/node_modules/.bin`
// on PATH as `cargo xtask dist` puts it,
//   sed 's/data-wasm-opt="2"/data-wasm-opt="0" data-keep-debug/' index.html > names.html
//   trunk build names.html --release --dist /tmp/dist-names; rm names.html
// (wasm-opt 0: the code as LLVM left it, a little slower than the release's, same shape).
//
// Run: node --experimental-websocket tests/e2e/profile.mjs [--page] [--out FILE] CAPTURE STEP…
// (Node 22 has WebSocket without the flag.) A STEP is `table:APP/TABLE` (open a protocol
// view's table, e.g. table:http/requests) or `filter:EXPR` (apply a display filter).
// WIRELENS_DIST names the dist to serve.

import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTab, serve, waitLoaded } from './helpers.mjs';

const args = process.argv.slice(2);
let onPage = false;
let out = join(tmpdir(), 'wirelens-worker.cpuprofile');
for (;;) {
  if (args[0] === '--page') {
    onPage = true;
    args.shift();
  } else if (args[0] === '--out') {
    out = args[1];
    args.splice(0, 2);
  } else break;
}
const [file, ...steps] = args;
if (!file || !steps.length || typeof WebSocket === 'undefined') {
  console.error('usage: node --experimental-websocket tests/e2e/profile.mjs [--page] [--out FILE] CAPTURE table:APP/TABLE|filter:EXPR …');
  process.exit(2);
}

// A DevTools port besides Playwright's pipe: Playwright attaches to the worker itself and
// gives no session to it, so the profile is taken over a second connection.
const PORT = 9333;
const server = await serve();
const profileDir = mkdtempSync(join(tmpdir(), 'wirelens-profile-'));
const context = await chromium.launchPersistentContext(profileDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', `--remote-debugging-port=${PORT}`],
});
try {
  const page = await context.newPage();
  await page.goto(server.url + '?empty');
  await page.locator('#empty').waitFor();
  await page.locator('#file-input').setInputFiles([file]);
  await waitLoaded(page, 1_800_000);

  const { webSocketDebuggerUrl } = await (await fetch(`http://127.0.0.1:${PORT}/json/version`)).json();
  const ws = new WebSocket(webSocketDebuggerUrl);
  await new Promise((ok) => ws.addEventListener('open', ok));
  let lastId = 0;
  const waiting = new Map();
  const attached = [];
  ws.addEventListener('message', (e) => {
    const m = JSON.parse(e.data);
    if (m.id && waiting.has(m.id)) {
      waiting.get(m.id)(m);
      waiting.delete(m.id);
    } else if (m.method === 'Target.attachedToTarget') {
      attached.push(m.params);
    }
  });
  const send = (method, params = {}, sessionId = undefined) =>
    new Promise((ok, fail) => {
      const id = ++lastId;
      waiting.set(id, (m) => (m.error ? fail(new Error(`${method}: ${m.error.message}`)) : ok(m.result)));
      ws.send(JSON.stringify({ id, method, params, sessionId }));
    });
  const { targetInfos } = await send('Target.getTargets');
  const pageTarget = targetInfos.find((t) => t.type === 'page' && t.url.startsWith(server.url));
  const { sessionId: pageSession } = await send('Target.attachToTarget', { targetId: pageTarget.targetId, flatten: true });
  let session = pageSession;
  if (!onPage) {
    await send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true }, pageSession);
    for (let i = 0; i < 50 && !attached.some((a) => /wirelens-worker/.test(a.targetInfo.url)); i++) {
      await new Promise((ok) => setTimeout(ok, 100));
    }
    const worker = attached.find((a) => /wirelens-worker/.test(a.targetInfo.url));
    if (!worker) throw new Error('the analysis worker was not found');
    session = worker.sessionId;
  }
  await send('Profiler.enable', {}, session);
  await send('Profiler.setSamplingInterval', { interval: 200 }, session);
  await send('Profiler.start', {}, session);
  for (const step of steps) {
    const t = Date.now();
    if (step.startsWith('table:')) {
      const [app, table] = step.slice(6).split('/');
      await openTab(page, app);
      await page.locator(`#app-tables [data-table="${table}"]`).click();
      await page.locator(`#app-tables [data-table="${table}"][aria-selected="true"]`).waitFor();
      await page.locator('#app-table[aria-busy="false"] [data-testid="table-row"]').first().waitFor({ timeout: 600_000 });
    } else if (step.startsWith('filter:')) {
      await page.locator('#filter-input').fill(step.slice(7));
      await page.locator('#filter-input').press('Enter');
      await page.locator('#filter-status', { hasText: 'packets match' }).waitFor({ timeout: 600_000 });
    } else {
      throw new Error(`unknown step ${step}`);
    }
    console.log(`${step}: ${Date.now() - t} ms`);
  }
  const { profile } = await send('Profiler.stop', {}, session);
  ws.close();
  writeFileSync(out, JSON.stringify(profile));
  console.log(`profile: ${out}`);
  summarize(profile);
} finally {
  await context.close();
  rmSync(profileDir, { recursive: true, force: true });
  await server.close();
}

/** Prints the functions with the most self time and the most total time (a function's
 *  time counted once per sample however often it recurses). */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const name = (n) => n.callFrame.functionName || n.callFrame.url || '(anonymous)';
  const self = new Map();
  const total = new Map();
  let sampled = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    sampled += ms;
    const leaf = name(byId.get(id));
    self.set(leaf, (self.get(leaf) || 0) + ms);
    const seen = new Set();
    for (let n = id; n; n = parent.get(n)) {
      const f = name(byId.get(n));
      if (!seen.has(f)) {
        seen.add(f);
        total.set(f, (total.get(f) || 0) + ms);
      }
    }
  });
  const top = (m, k) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([f, ms]) => `${ms.toFixed(0).padStart(7)} ms  ${f.slice(0, 160)}`)
      .join('\n');
  console.log(`sampled ${sampled.toFixed(0)} ms\n-- self time\n${top(self, 25)}\n-- total time\n${top(total, 40)}`);
}
