//! Field values against tshark: for every set of tests/golden/fields/SETS (made by
//! tests/scripts/make-fields-golden.py), `wirelens list -T fields -E occurrence=a -e …`
//! must print what `tshark -T fields` printed, frame by frame.
//!
//! Frames whose difference has a known cause are listed in
//! tests/golden/fields/KNOWN_DIFFERENCES (the harness's format, the set in the field
//! column); a listed frame that no longer differs fails the test.

use std::process::Command;
use wirelens_tests::{bin, repo_root, Golden};

struct Set {
    name: String,
    capture: String,
    options: Vec<String>,
    fields: Vec<String>,
}

/// The options wirelens is given: tshark's own `-o 'uat:…'` preferences are left out (its
/// RSA key association that hands decrypted TLS on a port to memcache; Wirelens finds the
/// protocol inside TLS by its bytes).
fn ours(options: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in options.split_whitespace() {
        if w.trim_matches('\'').starts_with("uat:") {
            if out.last().is_some_and(|o| o == "-o") {
                out.pop();
            }
            continue;
        }
        out.push(w.to_owned());
    }
    out
}

fn sets() -> Vec<Set> {
    let text = std::fs::read_to_string(repo_root().join("tests/golden/fields/SETS"))
        .expect("tests/golden/fields/SETS");
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 4, "SETS line {l:?}");
            Set {
                name: cols[0].to_owned(),
                capture: cols[1].to_owned(),
                options: ours(cols[2]),
                fields: cols[3].split_whitespace().map(str::to_owned).collect(),
            }
        })
        .collect()
}

#[test]
fn field_values_match_tshark() {
    let mut g = Golden::new("fields");
    for set in sets() {
        let Some(path) = g.capture(&set.capture) else {
            continue;
        };
        // The name make-fields-golden.py gives: the capture's path, `/` as `_`.
        let base = set.capture.trim_start_matches("corpus:");
        let base = base.trim_start_matches("tests/data/").replace('/', "_");
        let golden = std::fs::read_to_string(g.dir().join(format!("{base}.{}.tsv", set.name)))
            .expect("golden file (run tests/scripts/make-fields-golden.py)");
        let mut cmd = Command::new(bin("wirelens"));
        // From the repository's root, as make-fields-golden.py runs tshark: options name
        // files relative to it (key logs).
        cmd.current_dir(repo_root());
        cmd.arg("list").arg(&path).args(&set.options);
        cmd.args(["-T", "fields", "-E", "occurrence=a", "-e", "frame.number"]);
        for f in &set.fields {
            cmd.args(["-e", f]);
        }
        let out = cmd.output().expect("run wirelens list");
        let ours = String::from_utf8_lossy(&out.stdout).into_owned();
        let want: Vec<&str> = golden.lines().collect();
        let got: Vec<&str> = ours.lines().collect();
        if got.len() != want.len() {
            g.fail(format!(
                "{} ({}): tshark printed {} frames, wirelens {}; stderr: {}",
                set.capture,
                set.name,
                want.len(),
                got.len(),
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        g.count("frames", want.len() as u64);
        g.count("values", (want.len() * (set.fields.len() + 1)) as u64);
        for (w, got) in want.iter().zip(&got) {
            if w != got {
                let frame = w.split('\t').next().unwrap_or("");
                g.differs(
                    &set.capture,
                    frame,
                    &set.name,
                    format!("\n  tshark:   {w}\n  wirelens: {got}"),
                );
            }
        }
    }
    g.finish();
}
