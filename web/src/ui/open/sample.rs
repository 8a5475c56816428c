use crate::ui::state::AppState;
use js_sys::Array;
use leptos::prelude::window;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File, FilePropertyBag, Response};

/// The bundled sample, relative to the page (Trunk copies static/ into dist/).
const SAMPLE_URL: &str = "static/sample.pcapng";
const SAMPLE_NAME: &str = "sample.pcapng";

/// Fetches the bundled sample capture and opens it, unless the user opened something
/// in the meantime.
pub fn load_sample(state: AppState) {
    wasm_bindgen_futures::spawn_local(async move {
        match fetch_sample().await {
            Ok(file) if !state.opened_anything() => state.open(vec![file]),
            Ok(_) => {}
            Err(e) if !state.opened_anything() => {
                state.fail(format!("cannot load the sample capture: {e}"))
            }
            Err(_) => {}
        }
    });
}

async fn fetch_sample() -> Result<File, String> {
    let describe = |e: JsValue| e.as_string().unwrap_or_else(|| format!("{e:?}"));
    let response: Response = JsFuture::from(window().fetch_with_str(SAMPLE_URL))
        .await
        .map_err(describe)?
        .unchecked_into();
    if !response.ok() {
        return Err(format!("{SAMPLE_URL}: HTTP {}", response.status()));
    }
    let blob: Blob = JsFuture::from(response.blob().map_err(describe)?)
        .await
        .map_err(describe)?
        .unchecked_into();
    let options = FilePropertyBag::new();
    options.set_type("application/vnd.tcpdump.pcap");
    File::new_with_blob_sequence_and_options(&Array::of1(&blob), SAMPLE_NAME, &options)
        .map_err(describe)
}
