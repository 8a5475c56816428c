use leptos::prelude::*;

const THEME_KEY: &str = "wirelens.theme";

/// Light or dark: the system's preference until the user picks one (kept in the
/// browser's localStorage).
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let dark = RwSignal::new(initial_dark());
    Effect::new(move |_| {
        let theme = if dark.get() { "dark" } else { "light" };
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-theme", theme);
        }
    });
    let toggle = move |_| {
        dark.update(|d| *d = !*d);
        if let Ok(Some(s)) = window().local_storage() {
            let _ = s.set_item(
                THEME_KEY,
                if dark.get_untracked() {
                    "dark"
                } else {
                    "light"
                },
            );
        }
    };
    view! {
        <button
            id="theme-toggle"
            class="button"
            aria-pressed=move || dark.get().to_string()
            title="Switch between light and dark"
            on:click=toggle
        >
            {move || if dark.get() { "☀ Light" } else { "☾ Dark" }}
        </button>
    }
}

fn initial_dark() -> bool {
    let saved = window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(THEME_KEY).ok().flatten());
    match saved.as_deref() {
        Some("dark") => true,
        Some("light") => false,
        _ => window()
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches()),
    }
}
