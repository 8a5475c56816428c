//! Saving a file the worker made: a `blob:` URL in a download link, nothing sent anywhere.

use wasm_bindgen::JsCast;
use web_sys::{HtmlAnchorElement, Url};
use wirelens_web::protocol::FileData;

/// Offers `file` to the user as a download.
pub fn save(file: &FileData) -> Result<(), String> {
    let describe = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let url = Url::create_object_url_with_blob(&file.blob).map_err(describe)?;
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

/// Asks the worker for a file and saves it; `failed` gets why not.
pub fn ask_and_save(
    state: crate::ui::state::AppState,
    query: wirelens_web::protocol::Query,
    failed: impl Fn(String) + 'static,
) {
    use wirelens_web::protocol::Answer;
    state.ask(query, crate::ui::state::Scope::View, move |a| match a {
        Answer::File(f) => {
            if let Err(e) = save(&f) {
                failed(e);
            }
        }
        Answer::Error(e) => failed(e),
        _ => {}
    });
}
