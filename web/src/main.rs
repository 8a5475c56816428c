//! The Wirelens page. It only renders: every byte of a capture is read and analysed by
//! the worker (`src/worker/`).

mod ui;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ui::app::App);
}
