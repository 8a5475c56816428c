// Trunk post-build hook (Trunk.toml): puts SQL in the tab into dist/sql/ — this
// directory's sql.js bundled with @duckdb/duckdb-wasm's client and apache-arrow
// (esbuild), and DuckDB's worker and wasm, copied from .tools/node_modules where
// `cargo xtask setup` installs them (npm; not in git: the wasm is 34 MB). The page
// imports sql/wirelens-sql.js only when the SQL view opens.

import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const modules = join(root, '.tools/node_modules');
const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error('web/sql/build.mjs runs as a Trunk hook (TRUNK_STAGING_DIR is not set)');
const duckdbDist = join(modules, '@duckdb/duckdb-wasm/dist');
const missing = [duckdbDist, join(modules, 'esbuild'), join(modules, 'hyparquet')].filter((p) => !existsSync(p));
if (missing.length) {
  // The rest of the page builds and works; its SQL view says DuckDB is missing. `cargo
  // xtask setup|serve|test|dist` install the packages before they build.
  console.warn(
    `WARNING: no SQL view in this build: ${missing.join(', ')} missing; ` +
      'run `cargo xtask setup --wasm-only` (npm packages into .tools/)',
  );
  process.exit(0);
}
const out = join(staging, 'sql');
mkdirSync(out, { recursive: true });
const esbuild = createRequire(join(modules, 'x.js'))('esbuild');
await esbuild.build({
  entryPoints: [join(root, 'web/sql/sql.js')],
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2022',
  nodePaths: [modules],
  outfile: join(out, 'wirelens-sql.js'),
  legalComments: 'none',
  logLevel: 'warning',
});
for (const f of ['duckdb-eh.wasm', 'duckdb-browser-eh.worker.js']) {
  copyFileSync(join(duckdbDist, f), join(out, f));
}
