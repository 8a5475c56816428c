// Starts the page's wasm. Trunk writes the <script> tag that loads this file
// (Trunk.toml `pattern_script`) with the hashed file names in data attributes, so the
// page needs no inline script and its Content-Security-Policy (index.html) forbids them.
const tag = document.querySelector('script[data-wirelens-js]');
const url = (path) => new URL(path, document.baseURI).href;
// Modules the page loads later, on demand (the SQL view's DuckDB, sql/wirelens-sql.js):
// a dynamic import() is only written in JavaScript.
globalThis.wirelensImport = (path) => import(url(path));
const { default: init } = await import(url(tag.dataset.wirelensJs));
await init({ module_or_path: url(tag.dataset.wirelensWasm) });
