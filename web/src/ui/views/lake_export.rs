use crate::ui::files;
use crate::ui::lake;
use crate::ui::state::use_state;
use leptos::prelude::*;

/// "Export as Parquet": the open capture's sessions, transactions and capture row as
/// the files `wirelens export --sensor NAME` adds to a lake, Hive-partitioned, in a ZIP
/// that `unzip -n FILE.zip -d LAKE` adds to one (snappy here, zstd from the CLI).
#[component]
pub fn LakeExport() -> impl IntoView {
    let state = use_state();
    let sensor = RwSignal::new(lake::sensor());
    let status = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let export = move |_| {
        let name = sensor.get_untracked().trim().to_owned();
        lake::keep_sensor(&name);
        busy.set(true);
        status.set("Writing Parquet…".into());
        lake::write(state, name, true, move |r| {
            busy.try_set(false);
            let text = match r {
                Ok(w) => {
                    let rows = |dir: &str| -> u64 {
                        w.files
                            .iter()
                            .filter(|f| f.path.starts_with(dir))
                            .map(|f| f.rows)
                            .sum()
                    };
                    match w.zip.as_ref().map(files::save) {
                        Some(Ok(())) => format!(
                            "Saved {} ({} sessions, {} transactions, {} files, {} bytes) in {:.0} ms; unzip -n into a lake",
                            w.zip.as_ref().map_or("", |z| z.name.as_str()),
                            rows("sessions/"),
                            rows("transactions/"),
                            w.files.len(),
                            w.zip.as_ref().map_or(0.0, |z| z.blob.size()),
                            w.elapsed_ms
                        ),
                        Some(Err(e)) => e,
                        None => "no ZIP was written".into(),
                    }
                }
                Err(e) => e,
            };
            status.try_set(text);
        });
    };
    view! {
        <div class="lake-export" id="lake-export">
            <label title="The sensor= partition: the host the capture was taken on">
                "Sensor "
                <input
                    id="lake-sensor"
                    type="text"
                    class="narrow-text"
                    spellcheck="false"
                    prop:value=move || sensor.get()
                    on:input=move |ev| sensor.set(event_target_value(&ev))
                />
            </label>
            <button
                id="lake-export-button"
                class="button small"
                prop:disabled=busy
                title="Sessions and transactions as Parquet, laid out as wirelens export writes a lake (a ZIP)"
                on:click=export
            >
                "Export as Parquet"
            </button>
            <span id="lake-status" class="muted" aria-live="polite">{move || status.get()}</span>
        </div>
    }
}
