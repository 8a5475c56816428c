//! Keeping a signal equal to an element's height as the layout changes (window, pane
//! divider, tabs).

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::ResizeObserver;

/// Sets `height` to the element's `clientHeight` now and whenever it changes.
pub fn observe_height(node: NodeRef<html::Div>, height: RwSignal<f64>) {
    let observer = StoredValue::new_local(None::<(ResizeObserver, Closure<dyn FnMut()>)>);
    Effect::new(move |_| {
        let Some(el) = node.get() else { return };
        height.set(f64::from(el.client_height()));
        let target = el.clone();
        let on_resize = Closure::<dyn FnMut()>::new(move || {
            height.set(f64::from(target.client_height()));
        });
        match ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
            Ok(o) => {
                o.observe(&el);
                observer.update_value(|slot| {
                    if let Some((old, _)) = slot.take() {
                        old.disconnect();
                    }
                    *slot = Some((o, on_resize));
                });
            }
            Err(e) => leptos::logging::error!("wirelens: no ResizeObserver: {e:?}"),
        }
    });
    on_cleanup(move || {
        observer.update_value(|slot| {
            if let Some((o, _)) = slot.take() {
                o.disconnect();
            }
        })
    });
}
