// The analysis worker's reader (started by it: web/src/worker/blob.rs). It reads byte
// ranges of the user's Files and hands them over (transferred, not copied). The browser
// fills a pending File read only while the reading thread's event loop is free, so reads
// started by the analysis worker itself would wait while it analyses the last slice; this
// worker has nothing else to do, so the next slices arrive while the last is analysed.
onmessage = (e) => {
  const { id, blob, start, end } = e.data;
  blob.slice(start, end).arrayBuffer().then(
    (buf) => postMessage({ id, buf }, [buf]),
    (err) => postMessage({ id, error: String((err && err.message) || err) }),
  );
};
