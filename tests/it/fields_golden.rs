//! Field values against tshark: for every set of tests/golden/fields/SETS (made by
//! tests/scripts/make-fields-golden.py), `wirelens list -T fields -E occurrence=a -e …`
//! must print what `tshark -T fields` printed, frame by frame.
//!
//! Frames whose difference has a known cause are listed in
//! tests/golden/fields/KNOWN_DIFFERENCES (`capture<TAB>set<TAB>frame<TAB>reason`); a
//! listed frame that no longer differs is reported so the list stays honest.

use std::collections::BTreeMap;
use std::process::Command;
use wirelens_tests::{bin, capture_path, repo_root};

struct Set {
    name: String,
    capture: String,
    options: Vec<String>,
    fields: Vec<String>,
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
                options: cols[2].split_whitespace().map(str::to_owned).collect(),
                fields: cols[3].split_whitespace().map(str::to_owned).collect(),
            }
        })
        .collect()
}

fn known() -> BTreeMap<(String, String, String), String> {
    let text = std::fs::read_to_string(repo_root().join("tests/golden/fields/KNOWN_DIFFERENCES"))
        .unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut it = l.splitn(4, '\t');
            let key = (
                it.next()?.to_owned(),
                it.next()?.to_owned(),
                it.next()?.to_owned(),
            );
            Some((key, it.next().unwrap_or("").to_owned()))
        })
        .collect()
}

#[test]
fn field_values_match_tshark() {
    let known = known();
    let (mut frames, mut same, mut explained) = (0, 0, 0);
    let mut failures = Vec::new();
    let mut stale = Vec::new();
    for set in sets() {
        let path = capture_path(&set.capture);
        if !path.exists() {
            eprintln!("skipping {}: not present", set.capture);
            continue;
        }
        // The name make-fields-golden.py gives: the capture's path, `/` as `_`.
        let base = set.capture.trim_start_matches("corpus:");
        let base = base.trim_start_matches("tests/data/").replace('/', "_");
        let golden = std::fs::read_to_string(
            repo_root().join(format!("tests/golden/fields/{base}.{}.tsv", set.name)),
        )
        .expect("golden file (run tests/scripts/make-fields-golden.py)");
        let mut cmd = Command::new(bin("wirelens"));
        cmd.arg("list").arg(&path).args(&set.options);
        cmd.args(["-T", "fields", "-E", "occurrence=a", "-e", "frame.number"]);
        for f in &set.fields {
            cmd.args(["-e", f]);
        }
        let out = cmd.output().expect("run wirelens list");
        let ours = String::from_utf8_lossy(&out.stdout).into_owned();
        let want: Vec<&str> = golden.lines().collect();
        let got: Vec<&str> = ours.lines().collect();
        assert_eq!(
            got.len(),
            want.len(),
            "{} ({}): frame count",
            set.capture,
            set.name
        );
        for (w, g) in want.iter().zip(&got) {
            frames += 1;
            let frame = w.split('\t').next().unwrap_or("").to_owned();
            let key = (set.capture.clone(), set.name.clone(), frame);
            match (w == g, known.contains_key(&key)) {
                (true, false) => same += 1,
                (true, true) => stale.push(format!("{key:?} no longer differs")),
                (false, true) => explained += 1,
                (false, false) => failures.push(format!(
                    "{} ({}):\n  tshark:   {w}\n  wirelens: {g}",
                    set.capture, set.name
                )),
            }
        }
    }
    eprintln!("fields: {frames} frames, {same} identical, {explained} known differences");
    assert!(stale.is_empty(), "{}", stale.join("\n"));
    assert!(
        failures.is_empty(),
        "{} frames differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
