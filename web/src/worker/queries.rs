//! The page's questions beyond the packet list ([`Query`]): tables built over the packets
//! the display filter shows, sorted and searched here so that the page only renders the
//! rows on screen; filter checks, the field registry, and where a frame is in the list.

use crate::post;
use crate::session::{self, Session};
use crate::tables::{self, Built, Key, Rows, Texts};
use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;
use wirelens_core::capture::Capture;
use wirelens_core::query::fields::FIELDS;
use wirelens_core::query::filter::Filter;
use wirelens_web::protocol::{
    Answer, Export, FieldName, FromWorker, Query, Sort, TableId, TableRow, TableSlice,
};

/// Rows one table request may ask for.
const MAX_ROWS: u32 = 5_000;
/// Tables kept built (per capture and view); the oldest goes first.
const KEEP_TABLES: usize = 16;
/// Rows of the tables kept built, all together: a large capture's tables of transactions
/// are let go (and built again when asked for) rather than kept side by side.
const KEEP_ROWS: usize = 1_000_000;

/// A table built for one view, with the order of its rows for the last sort and search.
struct Cached {
    generation: u32,
    view: u32,
    table: TableId,
    built: Rc<Built>,
    order: Option<(Option<Sort>, String, Rc<Vec<u32>>)>,
}

thread_local! {
    static CACHE: RefCell<Vec<Cached>> = const { RefCell::new(Vec::new()) };
}

/// Answers one query, asynchronously (tables may need packet bytes).
pub fn handle(generation: u32, request: u32, view: u32, query: Query) {
    spawn_local(async move {
        let answer = answer(generation, view, query).await;
        post(&FromWorker::Answer {
            generation,
            request,
            answer,
        });
    });
}

async fn answer(generation: u32, view: u32, query: Query) -> Answer {
    match query {
        Query::ExpertProgress => match session::current(generation) {
            Some(s) => Answer::ExpertProgress(crate::expert::progress(&s)),
            None => Answer::Error("no capture is open".into()),
        },
        Query::Check { text } => Answer::Check(
            Filter::compile(&text)
                .err()
                .map(|e| crate::filtering::error_view(&text, &e)),
        ),
        Query::Fields => Answer::Fields(
            FIELDS
                .iter()
                .map(|f| FieldName {
                    name: f.name.to_owned(),
                    ty: f.ty.wireshark_name().to_owned(),
                    description: f.description.to_owned(),
                })
                .collect(),
        ),
        Query::Locate { frame } => match session::current(generation) {
            Some(s) => Answer::Located(locate(&s, frame)),
            None => Answer::Error("no capture is open".into()),
        },
        Query::Packet { frame } => match session::current(generation) {
            Some(s) => match crate::tables::packet_facts(&s.capture, frame) {
                Some(facts) => Answer::Packet(facts),
                None => Answer::Error(format!("there is no frame {frame}")),
            },
            None => Answer::Error("no capture is open".into()),
        },
        Query::Detail { frame } => match session::current(generation) {
            Some(s) => match crate::detail::detail(&s, frame).await {
                Ok(d) => Answer::Detail(d),
                Err(e) => Answer::Error(e),
            },
            None => Answer::Error("no capture is open".into()),
        },
        Query::Follow {
            stream,
            mode,
            start,
            count,
        } => {
            with_session(generation, |s| async move {
                crate::follow::slice(&s, stream, mode, start, count)
                    .await
                    .map(Answer::Follow)
            })
            .await
        }
        Query::FollowSearch { stream, mode, text } => {
            with_session(generation, |s| async move {
                crate::follow::search(&s, stream, mode, &text)
                    .await
                    .map(Answer::Found)
            })
            .await
        }
        Query::FollowSave { stream, save } => {
            with_session(generation, |s| async move {
                crate::follow::save(&s, stream, save)
                    .await
                    .map(Answer::File)
            })
            .await
        }
        Query::Export(Export::Packets { stream, pcapng }) => {
            with_session(generation, |s| async move {
                crate::export::packets(&s, stream, pcapng)
                    .await
                    .map(Answer::File)
            })
            .await
        }
        Query::Export(Export::Sessions { sessions, file }) => {
            with_session(generation, |s| async move {
                crate::cuts::cut(&s, &sessions, &file)
                    .await
                    .map(Answer::File)
            })
            .await
        }
        Query::Export(Export::Table {
            table,
            sort,
            search,
            csv,
        }) => {
            with_session(generation, |s| async move {
                let name = table_name(&table);
                // The groups of every item, not of those read so far.
                if table == TableId::ExpertGroups {
                    crate::expert::items(&s).await?;
                }
                let (built, order) = arranged(&s, view, table, sort, search).await?;
                // Each row made as it is written, not the whole table first.
                let mut rows = order.iter().map(|&i| built.row(&s.capture, i as usize));
                crate::export::table(&s, &name, &built.columns, &mut rows, csv).map(Answer::File)
            })
            .await
        }
        Query::IoGraph {
            series,
            interval_us,
        } => {
            with_session(generation, |s| async move {
                crate::charts::io_graph(&s, series, interval_us)
                    .await
                    .map(Answer::IoGraph)
            })
            .await
        }
        Query::Timeline {
            start,
            count,
            longest_first,
        } => {
            with_session(generation, |s| async move {
                Ok(Answer::Timeline(crate::charts::timeline(
                    &s,
                    start,
                    count,
                    longest_first,
                )))
            })
            .await
        }
        Query::Latency => {
            with_session(generation, |s| async move {
                Ok(Answer::Latency(crate::charts::latency(&s)))
            })
            .await
        }
        Query::Lake { sensor } => {
            with_session(generation, |s| async move {
                crate::lake::parts(&s, &sensor).await.map(Answer::Lake)
            })
            .await
        }
        Query::Table {
            table,
            sort,
            search,
            start,
            count,
        } => match session::current(generation) {
            Some(s) => match table_slice(&s, view, table, sort, search, start, count).await {
                Ok(slice) => Answer::Table(slice),
                Err(e) => Answer::Error(e),
            },
            None => Answer::Error("no capture is open".into()),
        },
    }
}

/// Runs `f` on the open capture `generation`; its error, or that none is open, is the
/// answer otherwise.
async fn with_session<F, Fut>(generation: u32, f: F) -> Answer
where
    F: FnOnce(Rc<Session>) -> Fut,
    Fut: std::future::Future<Output = Result<Answer, String>>,
{
    match session::current(generation) {
        Some(s) => f(s).await.unwrap_or_else(Answer::Error),
        None => Answer::Error("no capture is open".into()),
    }
}

/// A table's name in file names: `conversations-tcp`, `memcache-hot_keys`.
fn table_name(t: &TableId) -> String {
    match t {
        TableId::Conversations(l) => format!("conversations-{}", l.name()),
        TableId::Endpoints(l) => format!("endpoints-{}", l.name()),
        TableId::Sessions => "sessions".into(),
        TableId::ExpertGroups => "expert".into(),
        TableId::ExpertItems(_) => "expert-items".into(),
        TableId::Hierarchy => "hierarchy".into(),
        TableId::App(p, t) => format!("{p}-{t}"),
    }
}

/// The row of frame `frame` (1-based) among the displayed packets.
fn locate(s: &Session, frame: u64) -> Option<u64> {
    let index = frame.checked_sub(1)?;
    if index >= s.capture.packets.len() as u64 {
        return None;
    }
    let view = s.view.borrow();
    match &view.indices {
        None => Some(index),
        Some(shown) => u32::try_from(index)
            .ok()
            .and_then(|i| shown.binary_search(&i).ok())
            .map(|row| row as u64),
    }
}

async fn table_slice(
    s: &Rc<Session>,
    view: u32,
    table: TableId,
    sort: Option<Sort>,
    search: String,
    start: u64,
    count: u32,
) -> Result<TableSlice, String> {
    let (built, order) = arranged(s, view, table, sort, search).await?;
    let first = start.min(order.len() as u64) as usize;
    let end = first
        .saturating_add(count.min(MAX_ROWS) as usize)
        .min(order.len());
    Ok(TableSlice {
        columns: built.columns.clone(),
        sortable: built.sortable,
        total: built.len() as u64,
        matching: order.len() as u64,
        start: first as u64,
        rows: order[first..end]
            .iter()
            .map(|&i| {
                let r = built.row(&s.capture, i as usize);
                TableRow {
                    cells: r.cells.iter().map(str::to_owned).collect(),
                    filter: r.filter.clone(),
                    frame: r.frame,
                    depth: r.depth,
                    mark: r.mark.to_owned(),
                    follow: r.follow,
                }
            })
            .collect(),
        notes: built.notes.clone(),
    })
}

/// A table built for the view (or kept from before) and the order of its rows for a
/// sort and search.
async fn arranged(
    s: &Rc<Session>,
    view: u32,
    table: TableId,
    sort: Option<Sort>,
    search: String,
) -> Result<(Rc<Built>, Rc<Vec<u32>>), String> {
    let built = match cached(s.generation, view, &table) {
        Some(b) => b,
        // The expert items' groups while their scan reads: those so far, kept by no one.
        None if table == TableId::ExpertGroups && !crate::expert::done(s) => {
            let b = Rc::new(tables::build(s, &table).await?);
            let sort = sort.filter(|_| b.sortable);
            let order = arrange(&s.capture, &b, sort, &search.trim().to_lowercase());
            return Ok((b, Rc::new(order)));
        }
        None => {
            let b = Rc::new(tables::build(s, &table).await?);
            CACHE.with_borrow_mut(|c| {
                c.retain(|e| e.generation == s.generation);
                let mut rows: usize = c.iter().map(|e| e.built.kept()).sum();
                while !c.is_empty() && (c.len() >= KEEP_TABLES || rows + b.kept() > KEEP_ROWS) {
                    rows -= c[0].built.kept();
                    c.remove(0);
                }
                c.push(Cached {
                    generation: s.generation,
                    view,
                    table: table.clone(),
                    built: b.clone(),
                    order: None,
                })
            });
            b
        }
    };
    let sort = sort.filter(|_| built.sortable);
    let search = search.trim().to_lowercase();
    let order = CACHE.with_borrow(|c| {
        c.iter()
            .find(|e| e.generation == s.generation && e.view == view && e.table == table)
            .and_then(|e| e.order.clone())
            .filter(|(so, se, _)| *so == sort && *se == search)
            .map(|(_, _, o)| o)
    });
    let order = match order {
        Some(o) => o,
        None => {
            let o = Rc::new(arrange(&s.capture, &built, sort, &search));
            CACHE.with_borrow_mut(|c| {
                if let Some(e) = c
                    .iter_mut()
                    .find(|e| e.generation == s.generation && e.view == view && e.table == table)
                {
                    e.order = Some((sort, search.clone(), o.clone()));
                }
            });
            o
        }
    };
    Ok((built, order))
}

fn cached(generation: u32, view: u32, table: &TableId) -> Option<Rc<Built>> {
    CACHE.with_borrow(|c| {
        c.iter()
            .find(|e| e.generation == generation && e.view == view && e.table == *table)
            .map(|e| e.built.clone())
    })
}

/// The rows that match `search` (lower case), in the order of `sort`; ties keep the
/// table's own order.
fn arrange(capture: &Capture, built: &Built, sort: Option<Sort>, search: &str) -> Vec<u32> {
    let all = 0..built.len() as u32;
    let (rows, made) = match &built.rows {
        Rows::Kept(rows) => (rows.as_slice(), None),
        Rows::Made(m) => (&[][..], Some(m.as_ref())),
    };
    let matches = |cells: &Texts| cells.iter().any(|c| c.to_lowercase().contains(search));
    let mut order: Vec<u32> = match made {
        _ if search.is_empty() => all.collect(),
        None => all.filter(|&i| matches(&rows[i as usize].cells)).collect(),
        Some(m) => all
            .filter(|&i| matches(&m.cells(capture, i as usize).0))
            .collect(),
    };
    let Some(sort) = sort else {
        return order;
    };
    let col = sort.column as usize;
    let directed = |o: Ordering| if sort.descending { o.reverse() } else { o };
    match made {
        None => order.sort_by(|&a, &b| {
            let (a, b) = (&rows[a as usize], &rows[b as usize]);
            directed(match (a.keys.get(col), b.keys.get(col)) {
                (Some(Key::Text), Some(Key::Text)) => {
                    tables::caseless(a.cells.get(col), b.cells.get(col))
                }
                (Some(x), Some(y)) => x.cmp(y),
                _ => Ordering::Equal,
            })
        }),
        Some(m) => {
            // The column's keys, made once (texts side by side in one string), not the
            // rows again at each comparison.
            let mut keys = Vec::with_capacity(order.len());
            let mut texts = String::new();
            let mut ends = Vec::new();
            for &i in &order {
                let (cells, k) = m.cells(capture, i as usize);
                keys.push(match k.get(col) {
                    Some(Key::Num(n)) => Gathered::Num(*n),
                    Some(Key::Text) => {
                        texts.push_str(cells.get(col));
                        ends.push(texts.len() as u32);
                        Gathered::Text(ends.len() as u32 - 1)
                    }
                    // Made rows have no addresses.
                    _ => Gathered::None,
                });
            }
            let text = |n: u32| {
                let start = n.checked_sub(1).map_or(0, |p| ends[p as usize] as usize);
                &texts[start..ends[n as usize] as usize]
            };
            let mut at: Vec<u32> = (0..order.len() as u32).collect();
            at.sort_by(|&a, &b| {
                directed(match (keys[a as usize], keys[b as usize]) {
                    (Gathered::Num(x), Gathered::Num(y)) => x.total_cmp(&y),
                    (Gathered::Text(x), Gathered::Text(y)) => tables::caseless(text(x), text(y)),
                    (x, y) => x.rank().cmp(&y.rank()),
                })
            });
            order = at.into_iter().map(|j| order[j as usize]).collect();
        }
    }
    order
}

/// A sort key of a made row, gathered for a sort: as [`Key`] orders them (empty cells,
/// then numbers, then texts), a text by where it is among the gathered texts.
#[derive(Clone, Copy)]
enum Gathered {
    None,
    Num(f64),
    Text(u32),
}

impl Gathered {
    fn rank(self) -> u8 {
        match self {
            Gathered::None => 0,
            Gathered::Num(_) => 1,
            Gathered::Text(_) => 3,
        }
    }
}
