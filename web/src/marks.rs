//! When each step of an open happened, on the page and in the analysis worker, for the
//! benchmark (tests/e2e/bench.mjs): each thread's `self.wirelensOpenMarks`, step name →
//! milliseconds since 1970 ([`stamp`]), which compare across threads.

use js_sys::{global, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// Now in milliseconds since 1970: `performance.timeOrigin + performance.now()` (each
/// thread's `performance.now()` counts from its own start), else `Date.now()`.
pub fn stamp() -> f64 {
    let perf = Reflect::get(&global(), &"performance".into()).ok();
    let at = perf.and_then(|p| {
        let origin = Reflect::get(&p, &"timeOrigin".into()).ok()?.as_f64()?;
        let now = Reflect::get(&p, &"now".into()).ok()?;
        let now = now.dyn_into::<Function>().ok()?.call0(&p).ok()?.as_f64()?;
        Some(origin + now)
    });
    at.unwrap_or_else(js_sys::Date::now)
}

/// Notes step `what` at `at` ([`stamp`]); `fresh`: the first step of an open, which
/// starts the marks anew.
pub fn mark_at(what: &str, at: f64, fresh: bool) {
    let key: JsValue = "wirelensOpenMarks".into();
    let marks = match Reflect::get(&global(), &key) {
        Ok(m) if !fresh && m.is_object() => m,
        _ => {
            let m: JsValue = Object::new().into();
            let _ = Reflect::set(&global(), &key, &m);
            m
        }
    };
    let _ = Reflect::set(&marks, &what.into(), &at.into());
}

/// Notes step `what` now.
pub fn mark(what: &str, fresh: bool) {
    mark_at(what, stamp(), fresh);
}
