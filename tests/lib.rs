//! Helpers shared by the cross-crate tests; the golden harness is [`harness`].

use std::path::{Path, PathBuf};

pub mod harness;

pub use harness::{capture_path, corpus, Golden, JsonGolden};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The golden JSON files of `dir`, sorted; panics when there are none.
pub fn golden_files(dir: &Path) -> Vec<PathBuf> {
    let mut goldens: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    goldens.sort();
    assert!(!goldens.is_empty(), "no golden files in {}", dir.display());
    goldens
}

/// Path of a workspace binary built beside this test binary (`target/<profile>/NAME`).
///
/// Cargo does not build other packages' binaries for an integration test, so
/// `cargo xtask test` runs `cargo build --workspace --bins` first. Panics with that
/// advice when the binary is missing.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/deps/it-<hash> → target/<profile>/NAME
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary lives in target/<profile>/deps");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo build --workspace --exclude wirelens-web --bins` first (`cargo xtask test` does)",
        path.display()
    );
    path
}

/// Runs `wirelens ARGS PATH` and parses what it prints as JSON; the error names the
/// command and holds its stderr.
pub fn wirelens_json(args: &[&str], path: &Path) -> Result<serde_json::Value, String> {
    let out = std::process::Command::new(bin("wirelens"))
        .args(args)
        .arg(path)
        .output()
        .expect("run wirelens");
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "wirelens {}: no JSON ({e}); stderr: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// True when a command is on PATH.
pub fn have(cmd: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {cmd} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}
