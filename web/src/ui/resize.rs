//! Keeping a signal equal to an element's height as the layout changes (window, pane
//! divider, tabs).

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::ResizeObserver;

/// Sets `height` to the element's `clientHeight` now and whenever it changes.
pub fn observe_height(node: NodeRef<html::Div>, height: RwSignal<f64>) {
    observe(node, move |el| height.set(f64::from(el.client_height())));
}

/// Sets `width` to the element's `clientWidth` now and whenever it changes.
pub fn observe_width(node: NodeRef<html::Div>, width: RwSignal<f64>) {
    observe(node, move |el| width.set(f64::from(el.client_width())));
}

/// Calls `measure` with the element now and whenever its size changes.
fn observe(node: NodeRef<html::Div>, measure: impl Fn(&web_sys::HtmlDivElement) + Copy + 'static) {
    let observer = StoredValue::new_local(None::<(ResizeObserver, Closure<dyn FnMut()>)>);
    Effect::new(move |_| {
        let Some(el) = node.get() else { return };
        measure(&el);
        let target = el.clone();
        let on_resize = Closure::<dyn FnMut()>::new(move || measure(&target));
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
