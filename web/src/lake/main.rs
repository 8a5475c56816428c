//! The lake worker: writes the lake's files as Parquet (snappy) and a ZIP of them. The
//! analysis worker computes the rows and packs their columns (`Query::Lake`); the page
//! starts this worker on the first export or SQL query and hands it those, so the
//! Parquet writer (about 230 KB gzipped) is not in what the page loads at start.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Blob, BlobPropertyBag, DedicatedWorkerGlobalScope, MessageEvent};
use wirelens_lake::packed::Packed;
use wirelens_lake::{zip::zip, Codec, Meta};
use wirelens_web::protocol::{self, FileData, FromLake, LakeFile, LakeParts, ToLake};

fn main() {
    console_error_panic_hook::set_once();
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(|ev: MessageEvent| {
        match protocol::decode::<ToLake>(ev.data()) {
            Ok(ToLake::Write {
                request,
                parts,
                zip,
            }) => spawn_local(async move {
                let started = js_sys::Date::now();
                post(&match write(&parts, zip).await {
                    Ok((files, zip)) => FromLake::Written {
                        request,
                        files,
                        zip,
                        elapsed_ms: js_sys::Date::now() - started,
                    },
                    Err(message) => FromLake::Failed { request, message },
                });
            }),
            Err(e) => web_sys::console::error_1(&format!("wirelens lake: bad message: {e}").into()),
        }
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    post(&FromLake::Ready);
}

/// The Parquet files of `parts`, and their ZIP if asked.
async fn write(
    parts: &LakeParts,
    want_zip: bool,
) -> Result<(Vec<LakeFile>, Option<FileData>), String> {
    let meta = Meta {
        sensor: &parts.sensor,
        capture_id: &parts.capture_id,
        seed: parts.seed,
    };
    let mut files = Vec::new();
    let mut written = Vec::new();
    for part in &parts.parts {
        let buffer = JsFuture::from(part.packed.array_buffer())
            .await
            .map_err(describe)?;
        let packed = Uint8Array::new(&buffer).to_vec();
        let bytes = Packed::new(&packed)
            .and_then(|p| p.write(&meta, Codec::Snappy))
            .map_err(|e| format!("{}: {e}", part.path))?;
        files.push(LakeFile {
            path: part.path.clone(),
            rows: part.rows,
            bytes: Uint8Array::from(&bytes[..]),
        });
        if want_zip {
            written.push((part.path.clone(), bytes));
        }
    }
    let zip = if want_zip {
        let archive = zip(&written)?;
        drop(written);
        let options = BlobPropertyBag::new();
        options.set_type("application/zip");
        let blob = Blob::new_with_u8_array_sequence_and_options(
            &Array::of1(&Uint8Array::from(&archive[..])),
            &options,
        )
        .map_err(describe)?;
        Some(FileData {
            name: format!("{}-lake.zip", parts.stem),
            blob,
        })
    } else {
        None
    };
    Ok((files, zip))
}

fn describe(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| format!("{e:?}"))
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(msg: &FromLake) {
    match protocol::encode(msg) {
        Ok(value) => {
            if let Err(e) = scope().post_message(&value) {
                web_sys::console::error_2(&"wirelens lake: postMessage failed".into(), &e);
            }
        }
        Err(e) => web_sys::console::error_1(&format!("wirelens lake: cannot encode: {e}").into()),
    }
}
