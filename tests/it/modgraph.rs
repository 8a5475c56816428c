//! The architecture of core, read from its source: `capture` (the finished record) uses
//! nothing else in the crate, `ingest` (the pipeline) never uses `query`, the capture
//! writer ([`LEAVES`]) uses nothing else either, and no two
//! modules (at depth 2: `ingest::wire`, `query::fields`, …) depend on each other, even
//! through others. Dependencies are the `crate::`, `super::` and `self::` paths outside
//! `#[cfg(test)]` items; a test module may use anything.
//!
//! `WIRELENS_MODGRAPH=1` prints every edge. A cycle being removed may be listed in [`KNOWN_CYCLES`] with its reason; a listed
//! cycle that is gone fails the test, so the list only shrinks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use wirelens_tests::repo_root;

/// Cycles that exist for a known reason, each as its sorted modules, with the reason.
const KNOWN_CYCLES: &[(&[&str], &str)] = &[];

/// Files that must use nothing else in the crate, and why.
const LEAVES: &[(&str, &str)] = &[(
    "query/export/writer.rs",
    "the capture writer: the daemon writes its files with it alone",
)];

/// Depth of the graph's nodes: `query::fields`, not `query::fields::dns`.
const DEPTH: usize = 2;

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file: `query/fields.rs` → `[query, fields]`, `query/mod.rs` and
/// `query.rs` → `[query]`, `lib.rs` → `[]`.
fn module_of(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).expect("under the source root");
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The source with comments gone and string and char literals blanked, so braces and
/// paths in them count for nothing.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'r' if matches!(b.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                // A raw string: r"…", r#"…"#.
                let mut j = i + 1;
                while b.get(j) == Some(&b'#') {
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    out.push('r');
                    i += 1;
                    continue;
                }
                let hashes = j - i - 1;
                let close: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                j += 1;
                while j < b.len() && !b[j..].starts_with(&close) {
                    j += 1;
                }
                out.push_str("\"\"");
                i = j + close.len();
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                out.push_str("\"\"");
                i += 1;
            }
            b'\'' => {
                // A char literal ('x', '\n', '\u{7f}') or a lifetime ('a).
                let end = if b.get(i + 1) == Some(&b'\\') {
                    b[i + 2..]
                        .iter()
                        .position(|&c| c == b'\'')
                        .map(|p| i + 2 + p)
                } else {
                    let len = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                    (b.get(i + 1 + len) == Some(&b'\'')).then_some(i + 1 + len)
                };
                match end {
                    Some(e) => {
                        out.push_str("' '");
                        i = e + 1;
                    }
                    None => {
                        out.push('\'');
                        i += 1;
                    }
                }
            }
            _ => {
                let len = src[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&src[i..i + len]);
                i += len;
            }
        }
    }
    out
}

/// The code without the items under `#[cfg(test)]` (a test module, a test-only function
/// or import).
fn without_tests(code: &str) -> String {
    const MARK: &str = "#[cfg(test)]";
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at]);
        let item = &rest[at + MARK.len()..];
        // The item ends at its first `;` outside braces, or where its braces close.
        let mut depth = 0usize;
        let mut end = item.len();
        for (i, c) in item.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    // `;` inside an attribute's brackets (none in practice) would end early.
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// Modules declared test-only in a file of `module`: `#[cfg(test)] mod NAME;` (their
/// files are test code too).
fn test_modules(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices("#[cfg(test)]") {
        let mut rest = code[at + "#[cfg(test)]".len()..].trim_start();
        // Other attributes, then a visibility.
        while rest.starts_with("#[") {
            rest = rest[rest.find(']').map_or(rest.len(), |e| e + 1)..].trim_start();
        }
        if let Some(r) = rest.strip_prefix("pub") {
            rest = r.trim_start();
            if rest.starts_with('(') {
                rest = rest[rest.find(')').map_or(rest.len(), |e| e + 1)..].trim_start();
            }
        }
        let Some(r) = rest.strip_prefix("mod ") else {
            continue;
        };
        let name: String = r
            .trim_start()
            .chars()
            .take_while(|&c| is_ident(c))
            .collect();
        if r.trim_start()[name.len()..].trim_start().starts_with(';') {
            let mut m = module.to_vec();
            m.push(name);
            out.push(m);
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Parses a use tree or a path at the start of `s` (after `crate::`): `a::b`,
/// `a::{b, c::d}`, `{a, b}`; pushes every full path into `out`.
fn paths(s: &str, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let s_trim = s.trim_start();
    let mut i = s.len() - s_trim.len();
    let rest = &s[i..];
    if let Some(inner) = rest.strip_prefix('{') {
        i += 1;
        let mut consumed = 0;
        loop {
            let n = paths(&inner[consumed..], prefix, out);
            consumed += n;
            let after = inner[consumed..].trim_start();
            consumed += inner[consumed..].len() - after.len();
            if let Some(r) = after.strip_prefix(',') {
                consumed += 1;
                if r.trim_start().starts_with('}') {
                    let t = r.trim_start();
                    consumed += r.len() - t.len() + 1;
                    break;
                }
            } else {
                if after.starts_with('}') {
                    consumed += 1;
                }
                break;
            }
        }
        return i + consumed;
    }
    let ident: String = rest.chars().take_while(|&c| is_ident(c)).collect();
    if ident.is_empty() {
        // `*`, or nothing a path can start with.
        if !prefix.is_empty() {
            out.push(prefix.to_vec());
        }
        return i + usize::from(rest.starts_with('*'));
    }
    i += ident.len();
    let mut path = prefix.to_vec();
    path.push(ident);
    match s[i..].strip_prefix("::") {
        Some(more) => i + 2 + paths(more, &path, out),
        None => {
            out.push(path);
            i
        }
    }
}

/// Every path a file names through `crate::`, `super::` or `self::`, made absolute.
fn references(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (prefix, base) in [
        ("crate::", Vec::new()),
        ("super::", module[..module.len().saturating_sub(1)].to_vec()),
        ("self::", module.to_vec()),
    ] {
        let mut from = 0;
        while let Some(at) = code[from..].find(prefix) {
            let start = from + at;
            from = start + prefix.len();
            // Only at the start of a path: not `my_crate::`, not `super::super::` twice.
            let before = code[..start].chars().next_back();
            if before.is_some_and(|c| is_ident(c) || c == ':') {
                continue;
            }
            let mut base = base.clone();
            let mut rest = &code[from..];
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
                from += "super::".len();
            }
            paths(rest, &base, &mut out);
        }
    }
    out
}

/// The graph: module (at [`DEPTH`]) → modules it uses.
fn graph(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    files.sort();
    // A path names a module as far as a file or directory exists for it.
    let module_len = |path: &[String]| {
        (1..=path.len().min(DEPTH))
            .rev()
            .find(|&n| {
                let p = root.join(path[..n].join("/"));
                p.with_extension("rs").is_file() || p.join("mod.rs").is_file()
            })
            .unwrap_or(0)
    };
    let sources: Vec<(Vec<String>, String)> = files
        .iter()
        .map(|f| {
            let src = std::fs::read_to_string(f).expect("read source");
            (module_of(root, f), code_only(&src))
        })
        .collect();
    let tests: Vec<Vec<String>> = sources
        .iter()
        .flat_map(|(m, code)| test_modules(code, m))
        .collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in &sources {
        if tests.iter().any(|t| module.starts_with(t)) {
            continue;
        }
        let node = module[..module.len().min(DEPTH)].join("::");
        let code = without_tests(code);
        let edges = g.entry(node.clone()).or_default();
        for path in references(&code, module) {
            let n = module_len(&path);
            if n == 0 {
                continue;
            }
            let to = path[..n].join("::");
            // Within one module, or between a module and its parent: not an edge.
            let related = to == node
                || node.starts_with(&format!("{to}::"))
                || to.starts_with(&format!("{node}::"))
                || node.is_empty();
            if !related {
                edges.insert(to);
            }
        }
    }
    g
}

/// Strongly connected groups of more than one module (Tarjan), each sorted.
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn strong<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on.insert(v);
        for w in s.g.get(v).into_iter().flatten() {
            if !s.index.contains_key(w.as_str()) {
                strong(s, w);
                let lw = s.low[w.as_str()];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on.contains(w.as_str()) {
                let iw = s.index[w.as_str()];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                group.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.out.push(group);
            }
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v.as_str()) {
            strong(&mut s, v);
        }
    }
    s.out.sort();
    s.out
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

#[test]
fn core_has_two_halves_and_no_module_cycles() {
    let root = repo_root().join("core/src");
    let g = graph(&root);
    let edges: usize = g.values().map(BTreeSet::len).sum();
    if std::env::var_os("WIRELENS_MODGRAPH").is_some() {
        for (from, tos) in &g {
            for to in tos {
                eprintln!("{from} -> {to}");
            }
        }
    }
    assert!(
        g.len() >= 20 && edges >= 50,
        "the graph is too small to be core's ({} modules, {edges} edges): is the parser broken?",
        g.len()
    );
    let mut problems = Vec::new();
    for (from, tos) in &g {
        for to in tos {
            let rule = match (top(from), top(to)) {
                ("capture", t) if t != "capture" => {
                    Some("capture is plain data and uses nothing else in the crate")
                }
                ("ingest", "query") => Some("ingest (the pipeline) never uses query"),
                _ => None,
            };
            if let Some(rule) = rule {
                problems.push(format!("{from} uses {to}: {rule}"));
            }
        }
    }
    for (file, why) in LEAVES {
        let path = root.join(file);
        let src = std::fs::read_to_string(&path).expect("read source");
        let module = module_of(&root, &path);
        let uses: Vec<String> = references(&without_tests(&code_only(&src)), &module)
            .into_iter()
            .filter(|p| !p.starts_with(&module))
            .map(|p| p.join("::"))
            .collect();
        if !uses.is_empty() {
            problems.push(format!("{file} uses {}: {why}", uses.join(", ")));
        }
    }
    let found = cycles(&g);
    for c in &found {
        let known = KNOWN_CYCLES
            .iter()
            .any(|(k, _)| k.iter().copied().eq(c.iter().map(String::as_str)));
        if !known {
            let inner: Vec<String> = c
                .iter()
                .map(|m| {
                    let uses: Vec<&str> = g[m]
                        .iter()
                        .filter(|t| c.contains(t))
                        .map(String::as_str)
                        .collect();
                    format!("{m} uses {}", uses.join(", "))
                })
                .collect();
            problems.push(format!(
                "a module cycle: {} ({})",
                c.join(" <-> "),
                inner.join("; ")
            ));
        }
    }
    for (k, why) in KNOWN_CYCLES {
        if !found
            .iter()
            .any(|c| k.iter().copied().eq(c.iter().map(String::as_str)))
        {
            problems.push(format!(
                "KNOWN_CYCLES lists {} ({why}), which is gone: remove it",
                k.join(" <-> ")
            ));
        }
    }
    eprintln!(
        "module graph of core: {} modules, {edges} edges, {} cycles ({} known)",
        g.len(),
        found.len(),
        KNOWN_CYCLES.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_source_reader_sees_what_the_compiler_sees() {
    let code = code_only(
        "use crate::{capture::Capture, ingest::wire::{self, Proto}}; // crate::query\n\
         let s = \"crate::query::fields\"; let c = '{';\n\
         /* crate::query */ fn f<'a>(x: &'a str) { super::super::flow::x(); }\n\
         #[cfg(test)]\nmod test { use crate::query::filter; }\n\
         #[cfg(test)]\nuse crate::query::pdu;\nfn g() { self::h(); crate::ingest::tcp::run(); }",
    );
    let code = without_tests(&code);
    let module = ["ingest".to_owned(), "app".to_owned(), "http".to_owned()];
    let refs: Vec<String> = references(&code, &module)
        .into_iter()
        .map(|p| p.join("::"))
        .collect();
    let kit = test_modules(
        "#[cfg(test)]\npub(crate) mod testkit;\n#[cfg(test)]\nmod test { }",
        &module[..2],
    );
    assert_eq!(kit, [["ingest", "app", "testkit"]]);
    assert_eq!(
        refs,
        [
            "capture::Capture",
            "ingest::wire::self",
            "ingest::wire::Proto",
            "ingest::tcp::run",
            "ingest::flow::x",
            "ingest::app::http::h",
        ]
    );
}
