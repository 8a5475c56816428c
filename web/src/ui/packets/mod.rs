//! The packet list, its row cache, and what sits under it.

mod colour_legend;
mod export_menu;
mod list_status;
mod packet_list;
mod row_cache;
mod time_format;

pub use colour_legend::ColourLegend;
pub use export_menu::ExportMenu;
pub use list_status::ListStatus;
pub use packet_list::PacketList;
pub use row_cache::RowCache;
pub use time_format::TimeFormatSelect;
