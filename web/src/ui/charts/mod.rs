//! Charts, drawn from numbers the worker computed and binned: the IO graph, the session
//! timeline, latency histograms. SVG, so they stay crisp at any size.

mod axis;
mod charts_view;
mod io_graph;
mod latency;
mod timeline;

pub use charts_view::Charts;
