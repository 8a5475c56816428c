//! Opening captures: drop, file picker, the bundled sample, and the progress bar.

mod drop_zone;
mod file_picker;
mod progress_bar;
mod sample;

pub use drop_zone::DropZone;
pub use file_picker::FilePicker;
pub use progress_bar::ProgressBar;
pub use sample::load_sample;

use web_sys::{File, FileList};

fn files_of(list: &FileList) -> Vec<File> {
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}
