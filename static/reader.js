// The analysis worker's reader (started by it: web/src/worker/blob.rs). It reads byte
// ranges of the user's Files and hands them over (transferred, not copied). The browser
// fills a pending File read only while the reading thread's event loop is free, so reads
// started by the analysis worker itself would wait while it analyses the last slice; this
// worker has nothing else to do, so the next slices arrive while the last is analysed.
//
// A read that asks for a buffer given back (`pool`: the ingest's slices) is read from the
// slice's byte stream into a buffer the analysis worker gave back once it had copied the
// bytes out (`give`): `Blob.slice().arrayBuffer()` makes a new buffer each time, whose
// pages the kernel must map and zero, then unmap once it is collected. On a 1 GB capture
// that churn cost this thread more CPU than the copy itself.

/** Buffers given back, to be filled again. */
const spare = [];
/** The slice, stream and reader of each read under way. Chromium does not keep a Blob
 *  stream alive while a read of it is pending: a garbage collection meanwhile left the
 *  read unanswered for ever, and the open stalled (2 opens in 3 of a 5 GB capture here;
 *  tests/e2e/reader.test.mjs forces collections to show it). */
const reading = new Set();

const fail = (id, err) => postMessage({ id, error: String((err && err.message) || err) });

/** Reads `[start, end)` of `blob` into a new buffer. */
function plain(id, blob, start, end) {
  blob.slice(start, end).arrayBuffer().then(
    (buf) => postMessage({ id, buf }, [buf]),
    (err) => fail(id, err),
  );
}

/** Reads `[start, end)` of `blob` into a spare buffer (or a new one); replies with its length. */
async function pooled(id, blob, start, end) {
  let held;
  try {
    const part = blob.slice(start, end);
    const stream = part.stream();
    held = { part, stream, reader: stream.getReader({ mode: 'byob' }) };
  } catch {
    // A browser whose Blob streams are not byte streams.
    plain(id, blob, start, end);
    return;
  }
  const { reader } = held;
  reading.add(held);
  const want = end - start;
  const i = spare.findIndex((b) => b.byteLength >= want);
  let buf = i < 0 ? new ArrayBuffer(want) : spare.splice(i, 1)[0];
  let filled = 0;
  try {
    while (filled < want) {
      const { value, done } = await reader.read(new Uint8Array(buf, filled, want - filled));
      // The view's buffer comes back moved: the same memory.
      if (value) {
        buf = value.buffer;
        filled += value.byteLength;
      }
      if (done) break;
    }
    // The slice is read: let the browser close its end now rather than when collected
    // (this worker allocates little, so that may be late).
    reader.cancel().catch(() => {});
  } catch (err) {
    fail(id, err);
    return;
  } finally {
    reading.delete(held);
  }
  postMessage({ id, buf, len: filled }, [buf]);
}

onmessage = (e) => {
  const { id, blob, start, end, pool, give, drop } = e.data;
  if (give) {
    // As many as the slices read ahead at once, at most.
    if (spare.length < 8) spare.push(give);
  } else if (drop) {
    // The ingest ended: let the buffers go.
    spare.length = 0;
  } else if (pool) {
    pooled(id, blob, start, end);
  } else {
    plain(id, blob, start, end);
  }
};
