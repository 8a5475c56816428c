//! Saving a file the worker made: a `blob:` URL in a download link, nothing sent anywhere.

use js_sys::Array;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};
use wirelens_web::protocol::FileData;

/// Offers `file` to the user as a download.
pub fn save(file: &FileData) -> Result<(), String> {
    let describe = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let options = BlobPropertyBag::new();
    options.set_type(&file.mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&Array::of1(&file.data), &options)
        .map_err(describe)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(describe)?;
    let document = leptos::prelude::document();
    let a: HtmlAnchorElement = document
        .create_element("a")
        .map_err(describe)?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(&file.name);
    a.click();
    // The download has its own reference to the blob once started.
    leptos::prelude::set_timeout(
        move || {
            let _ = Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(60),
    );
    Ok(())
}
