//! Installers. Every check is skip-if-present, so re-running setup is fast.
//!
//! Each tool has a check (is it there, in the right version?) and the commands that install it.
//! With `install == false` (the `--no-install` flag) a missing tool is an error that names the
//! command to run by hand; a failed install gives the same message.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{anyhow, bail, Context, Result};

use crate::util::{cmd, display, note, on_path, probe, run, step};

/// Trunk 0.22 needs a newer rustc than this machine has (see /work/shared/TOOLCHAIN.md).
pub const TRUNK_VERSION: &str = "0.21.14";
/// npm `binaryen` major version (its wasm-opt prints `wasm-opt version 132 (version_132)`).
/// Debian's binaryen 108 produces wasm that Chromium rejects at start-up.
pub const BINARYEN_VERSION: &str = "132";
/// npm `@duckdb/duckdb-wasm`: SQL in the page's tab (web/sql/, copied into dist/sql/ by
/// the Trunk hook web/sql/build.mjs; 34 MB of wasm, so installed here, not kept in git).
pub const DUCKDB_WASM_VERSION: &str = "1.32.0";
/// npm `esbuild`: bundles web/sql/sql.js with duckdb-wasm's client and apache-arrow.
pub const ESBUILD_VERSION: &str = "0.28.2";
/// npm `hyparquet` (MIT, pure JavaScript): reads the lake's Parquet for DuckDB-wasm,
/// whose own Parquet reader is an extension it would fetch from another origin.
pub const HYPARQUET_VERSION: &str = "1.33.0";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The browser the e2e tests drive (Debian package `chromium`).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Debian packages, with a fallback probe (a file or a command on PATH) for machines without dpkg.
/// `libpcap-dev` is needed to build `server-capture`; tshark/tcpdump are reference tools,
/// tcpreplay replays the captures `wirelens intensify` writes.
const SYSTEM_PACKAGES: &[(&str, Probe)] = &[
    (
        "libpcap-dev",
        Probe::AnyFile(&["/usr/include/pcap.h", "/usr/include/pcap/pcap.h"]),
    ),
    ("tshark", Probe::Command("tshark")),
    ("tcpdump", Probe::Command("tcpdump")),
    // Replays intensified captures across a veth pair (tests/it/cuts.rs).
    ("tcpreplay", Probe::Command("tcpreplay")),
];
/// Python's DuckDB, which the lake's tests read the exported Parquet back with (PyPI
/// `duckdb`: a wheel with the engine inside, no compiler).
pub const DUCKDB_VERSION: &str = "2.0.1";
/// Python's chDB (ClickHouse in-process), which the lake's tests read the same files with.
pub const CHDB_VERSION: &str = "4.4.0";
/// Only needed for the browser (e2e) tests.
const BROWSER_PACKAGES: &[(&str, Probe)] = &[
    ("chromium", Probe::AnyFile(&[CHROMIUM])),
    ("chromium-driver", Probe::Command("chromedriver")),
];

enum Probe {
    AnyFile(&'static [&'static str]),
    Command(&'static str),
}

/// What a task needs set up.
#[derive(Clone, Copy, Debug)]
pub struct Needs {
    /// wasm32 target, Trunk, wasm-bindgen-cli, wasm-opt (building the web app).
    pub wasm: bool,
    /// Debian packages for building and testing the native crates (libpcap-dev, tshark, tcpdump,
    /// tcpreplay).
    pub system: bool,
    /// Chromium + npm playwright-core for the e2e tests.
    pub browser: bool,
}

pub struct Setup {
    pub root: PathBuf,
    /// false with `--no-install`: report what is missing, never install.
    pub install: bool,
}

impl Setup {
    pub fn new(root: PathBuf, install: bool) -> Self {
        Setup { root, install }
    }

    /// `<repo>/.tools/node_modules/.bin`, where npm's binaryen puts `wasm-opt`.
    pub fn tools_bin(&self) -> PathBuf {
        self.root.join(".tools/node_modules/.bin")
    }

    /// Puts `.tools/node_modules/.bin` first on PATH (so Trunk finds the new wasm-opt, not
    /// Debian's) and makes sure cargo's bin directory (where `cargo install` puts trunk and
    /// wasm-bindgen) is on it. Every child process inherits this PATH.
    pub fn init_path(&self) {
        let cargo_bin = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .map(|p| p.join("bin"));
        let old: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        let mut new = vec![self.tools_bin()];
        if let Some(cb) = cargo_bin {
            if !old.contains(&cb) {
                new.push(cb);
            }
        }
        new.extend(old);
        // Single-threaded here, before any child process is spawned.
        std::env::set_var(
            "PATH",
            std::env::join_paths(new).expect("PATH entries are valid"),
        );
    }

    pub fn ensure(&self, needs: Needs) -> Result<()> {
        if needs.system || needs.browser {
            let mut pkgs: Vec<&(&'static str, Probe)> = Vec::new();
            if needs.system {
                pkgs.extend(SYSTEM_PACKAGES);
            }
            if needs.browser {
                pkgs.extend(BROWSER_PACKAGES);
            }
            self.debian_packages(&pkgs)?;
        }
        if needs.system {
            self.python_engines()?;
        }
        if needs.wasm {
            self.wasm_target()?;
            self.wasm_opt()?;
            self.sql_npm()?;
            self.wasm_bindgen()?;
            self.trunk()?;
        }
        if needs.browser {
            self.e2e_npm()?;
        }
        Ok(())
    }

    /// Generic skip-if-present installer. `check` returns `Ok(what was found)` or
    /// `Err(why it is not good enough)`.
    fn ensure_tool(
        &self,
        what: &str,
        check: impl Fn() -> Result<String, String>,
        install: Vec<Command>,
        slow: Option<&str>,
    ) -> Result<()> {
        step(format!("checking {what}"));
        let reason = match check() {
            Ok(found) => {
                note(format!("present: {found}"));
                return Ok(());
            }
            Err(reason) => reason,
        };
        let by_hand = install.iter().map(display).collect::<Vec<_>>().join(" && ");
        if !self.install {
            bail!("{what} is missing ({reason}) and --no-install was given.\n    Install it by hand with:\n        {by_hand}");
        }
        note(format!("{reason}; installing"));
        if let Some(slow) = slow {
            note(format!("this will take long: {slow}"));
        }
        for mut c in install {
            run(&mut c).map_err(|e| {
                anyhow!("could not install {what}: {e:#}\n    Install it by hand with:\n        {by_hand}")
            })?;
        }
        match check() {
            Ok(found) => {
                note(format!("installed: {found}"));
                Ok(())
            }
            Err(reason) => bail!(
                "installed {what}, but the check still fails ({reason}).\n    \
                 Is cargo's bin directory (~/.cargo/bin) on PATH? Install it by hand with:\n        {by_hand}"
            ),
        }
    }

    /// `pip install duckdb chdb`: the lake's tests (tests/it/lake.rs) read the Parquet back
    /// with DuckDB and ClickHouse (chDB), as a user's engines would.
    fn python_engines(&self) -> Result<()> {
        self.python_module("duckdb", DUCKDB_VERSION)?;
        self.python_module("chdb", CHDB_VERSION)
    }

    /// `pip install MODULE==VERSION` unless python3 imports that version already.
    fn python_module(&self, module: &str, version: &str) -> Result<()> {
        let spec = format!("{module}=={version}");
        let import = format!("import {module}; print({module}.__version__)");
        let missing = format!("python3 cannot import {module}");
        self.ensure_tool(
            &format!("Python's {module} {version}"),
            || {
                let out = probe("python3", ["-c", import.as_str()]).ok_or(missing.clone())?;
                match out.trim() {
                    "" => Err(missing.clone()),
                    v if v == version => Ok(format!("{module} {v}")),
                    v => Err(format!(
                        "{module} {v} is installed, the tests want {version}"
                    )),
                }
            },
            vec![cmd(
                "python3",
                ["-m", "pip", "install", "--disable-pip-version-check", &spec],
            )],
            None,
        )
    }

    fn wasm_target(&self) -> Result<()> {
        self.ensure_tool(
            &format!("Rust target {WASM_TARGET}"),
            || {
                let list = probe("rustup", ["target", "list", "--installed"])
                    .ok_or("`rustup target list --installed` failed (is rustup installed?)")?;
                if list.lines().any(|l| l.trim() == WASM_TARGET) {
                    Ok(format!("{WASM_TARGET} installed"))
                } else {
                    Err("not installed".into())
                }
            },
            vec![cmd("rustup", ["target", "add", WASM_TARGET])],
            None,
        )
    }

    fn trunk(&self) -> Result<()> {
        self.ensure_tool(
            &format!("Trunk {TRUNK_VERSION}"),
            || version_check("trunk", 1, TRUNK_VERSION),
            vec![cmd(
                "cargo",
                ["install", "trunk", "--version", TRUNK_VERSION, "--locked"],
            )],
            Some("`cargo install trunk` compiles for about 15 minutes on 2 cores"),
        )
    }

    fn wasm_bindgen(&self) -> Result<()> {
        let version = wasm_bindgen_version(&self.root)?;
        // Without --locked: its locked dependency set does not resolve (TOOLCHAIN.md).
        self.ensure_tool(
            &format!("wasm-bindgen-cli {version} (= the wasm-bindgen crate pinned in Cargo.toml)"),
            || version_check("wasm-bindgen", 1, &version),
            vec![cmd(
                "cargo",
                ["install", "wasm-bindgen-cli", "--version", &version],
            )],
            Some("`cargo install wasm-bindgen-cli` compiles for a few minutes"),
        )
    }

    fn wasm_opt(&self) -> Result<()> {
        let wasm_opt = self.tools_bin().join("wasm-opt");
        let spec = format!("binaryen@{BINARYEN_VERSION}");
        let mut npm = cmd(
            "npm",
            [
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                ".tools",
                &spec,
            ],
        );
        npm.current_dir(&self.root);
        self.ensure_tool(
            &format!("wasm-opt {BINARYEN_VERSION} (npm binaryen in .tools/)"),
            || {
                // Same parse as Trunk: third word of `wasm-opt version 132 (version_132)`.
                let out = probe(&wasm_opt, ["--version"])
                    .ok_or_else(|| format!("{} not found", wasm_opt.display()))?;
                match out.split(' ').nth(2) {
                    Some(v) if v == BINARYEN_VERSION => {
                        Ok(format!("{} ({out})", wasm_opt.display()))
                    }
                    _ => Err(format!("found `{out}`, need version {BINARYEN_VERSION}")),
                }
            },
            vec![npm],
            None,
        )
    }

    /// DuckDB-wasm and esbuild into .tools/ (npm), for the page's SQL view: the Trunk
    /// hook (web/sql/build.mjs) bundles and copies them into dist/sql/ at every build.
    fn sql_npm(&self) -> Result<()> {
        let wanted = [
            ("@duckdb/duckdb-wasm", DUCKDB_WASM_VERSION),
            ("esbuild", ESBUILD_VERSION),
            ("hyparquet", HYPARQUET_VERSION),
        ];
        let specs: Vec<String> = wanted.iter().map(|(p, v)| format!("{p}@{v}")).collect();
        let mut args = vec!["install", "--no-audit", "--no-fund", "--prefix", ".tools"];
        args.extend(specs.iter().map(String::as_str));
        let mut npm = cmd("npm", args);
        npm.current_dir(&self.root);
        let modules = self.root.join(".tools/node_modules");
        self.ensure_tool(
            &format!("npm {} (.tools/, the SQL view)", specs.join(" ")),
            || {
                let mut found = Vec::new();
                for (package, version) in wanted {
                    let manifest = modules.join(package).join("package.json");
                    let text = std::fs::read_to_string(&manifest)
                        .map_err(|_| format!("{} not found", manifest.display()))?;
                    let have = json_string_after(&text, "\"version\"").unwrap_or_default();
                    if have != version {
                        return Err(format!("found {package} {have}, need {version}"));
                    }
                    found.push(format!("{package} {have}"));
                }
                Ok(found.join(", "))
            },
            vec![npm],
            None,
        )
    }

    /// `npm ci` in tests/e2e (playwright-core, driving /usr/bin/chromium; no browser download).
    fn e2e_npm(&self) -> Result<()> {
        let dir = self.root.join("tests/e2e");
        let manifest = dir.join("package.json");
        if !manifest.is_file() {
            step("checking npm packages for e2e tests");
            note("tests/e2e/package.json not found; skipping");
            return Ok(());
        }
        let wanted = std::fs::read_to_string(&manifest)
            .ok()
            .and_then(|t| json_string_after(&t, "\"playwright-core\""));
        let installed_manifest = dir.join("node_modules/playwright-core/package.json");
        let sub = if dir.join("package-lock.json").is_file() {
            "ci"
        } else {
            "install"
        };
        let mut npm = cmd("npm", [sub, "--no-audit", "--no-fund"]);
        npm.current_dir(&dir);
        self.ensure_tool(
            "npm playwright-core (tests/e2e/node_modules)",
            || {
                let text = std::fs::read_to_string(&installed_manifest)
                    .map_err(|_| "tests/e2e/node_modules/playwright-core not found".to_string())?;
                let have = json_string_after(&text, "\"version\"").unwrap_or_default();
                match &wanted {
                    Some(w) if w.trim_start_matches(['=', '^', '~']) != have => Err(format!(
                        "found playwright-core {have}, package.json wants {w}"
                    )),
                    _ => Ok(format!("playwright-core {have}")),
                }
            },
            vec![npm],
            None,
        )
    }

    fn debian_packages(&self, pkgs: &[&(&'static str, Probe)]) -> Result<()> {
        let names: Vec<&str> = pkgs.iter().map(|(n, _)| *n).collect();
        step(format!("checking Debian packages: {}", names.join(" ")));
        let missing = |pkgs: &[&(&'static str, Probe)]| -> Vec<&'static str> {
            pkgs.iter()
                .filter(|p| !package_present(p.0, &p.1))
                .map(|p| p.0)
                .collect()
        };
        let todo = missing(pkgs);
        if todo.is_empty() {
            note("all present");
            return Ok(());
        }
        let root = is_root();
        let by_hand = format!(
            "{sudo}apt-get update && {sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y {}",
            todo.join(" "),
            sudo = if root { "" } else { "sudo " }
        );
        if !self.install || !root {
            let why = if !self.install {
                "--no-install was given"
            } else {
                "not running as root"
            };
            bail!(
                "missing Debian packages: {} ({why}).\n    Install them by hand with:\n        {by_hand}",
                todo.join(" ")
            );
        }
        note(format!(
            "missing: {}; installing with apt-get",
            todo.join(" ")
        ));
        let result = (|| -> Result<()> {
            if todo.contains(&"tshark") {
                // Don't let tshark's install ask whether non-root users may capture.
                preseed("wireshark-common wireshark-common/install-setuid boolean false\n")?;
            }
            let mut update = cmd("apt-get", ["update"]);
            update.env("DEBIAN_FRONTEND", "noninteractive");
            run(&mut update)?;
            let mut install = cmd("apt-get", ["install", "-y"]);
            install.args(&todo).env("DEBIAN_FRONTEND", "noninteractive");
            run(&mut install)
        })();
        if let Err(e) = result {
            bail!(
                "could not install Debian packages {}: {e:#}\n    Install them by hand with:\n        {by_hand}",
                todo.join(" ")
            );
        }
        let still = missing(pkgs);
        if !still.is_empty() {
            bail!(
                "apt-get finished but these packages are still missing: {}\n    Install them by hand with:\n        {by_hand}",
                still.join(" ")
            );
        }
        note("installed");
        Ok(())
    }
}

/// Checks that `program --version` prints `want` as its `word`-th word (0-based).
fn version_check(program: &str, word: usize, want: &str) -> Result<String, String> {
    let out =
        probe(program, ["--version"]).ok_or_else(|| format!("`{program}` not found on PATH"))?;
    let first = out.lines().next().unwrap_or("");
    match first.split_whitespace().nth(word) {
        Some(v) if v.trim_start_matches('v') == want => Ok(first.to_owned()),
        _ => Err(format!("found `{first}`, need version {want}")),
    }
}

/// The version of `wasm-bindgen` in the workspace Cargo.toml's `[workspace.dependencies]`,
/// e.g. `wasm-bindgen = "=0.2.130"` or `wasm-bindgen = { version = "=0.2.130", ... }`.
pub fn wasm_bindgen_version(root: &Path) -> Result<String> {
    let path = root.join("Cargo.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut section = String::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.starts_with('[') {
            section = line.to_owned();
            continue;
        }
        if section != "[workspace.dependencies]" {
            continue;
        }
        let Some(rest) = line.strip_prefix("wasm-bindgen") else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.trim();
        let quoted = if value.starts_with('{') {
            value
                .find("version")
                .and_then(|i| first_quoted(&value[i..]))
        } else {
            first_quoted(value)
        };
        let version = quoted.map(|v| v.trim_start_matches(['=', ' ']).to_owned());
        return match version {
            Some(v) if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.') => Ok(v),
            _ => bail!(
                "{}: wasm-bindgen must be pinned exactly (e.g. `wasm-bindgen = \"=0.2.130\"`) \
                 so the wasm-bindgen CLI can match it; found `{line}`",
                path.display()
            ),
        };
    }
    bail!(
        "{}: no `wasm-bindgen = \"=0.2.x\"` in [workspace.dependencies]",
        path.display()
    )
}

fn first_quoted(s: &str) -> Option<&str> {
    let start = s.find('"')? + 1;
    let len = s[start..].find('"')?;
    Some(&s[start..start + len])
}

/// The string value following `key` in (simple, npm-written) JSON text.
fn json_string_after(text: &str, key: &str) -> Option<String> {
    let after = &text[text.find(key)? + key.len()..];
    let after = after.trim_start().strip_prefix(':')?;
    first_quoted(after).map(str::to_owned)
}

fn package_present(name: &str, probe: &Probe) -> bool {
    let dpkg = crate::util::probe("dpkg-query", ["-W", "-f=${Status}", name]);
    if dpkg.is_some_and(|s| s.contains("install ok installed")) {
        return true;
    }
    match probe {
        Probe::AnyFile(files) => files.iter().any(|f| Path::new(f).exists()),
        Probe::Command(c) => on_path(c),
    }
}

fn is_root() -> bool {
    probe("id", ["-u"]).is_some_and(|s| s == "0")
}

fn preseed(selection: &str) -> Result<()> {
    note(format!(
        "$ debconf-set-selections <<< '{}'",
        selection.trim()
    ));
    let mut child = Command::new("debconf-set-selections")
        .stdin(Stdio::piped())
        .spawn()
        .context("could not start debconf-set-selections")?;
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(selection.as_bytes())?;
    let status = child.wait()?;
    if !status.success() {
        bail!("debconf-set-selections failed ({status})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lookup() {
        let pkg = r#"{ "devDependencies": { "playwright-core": "1.65.1" } }"#;
        assert_eq!(
            json_string_after(pkg, "\"playwright-core\"").as_deref(),
            Some("1.65.1")
        );
    }

    #[test]
    fn reads_pinned_wasm_bindgen() {
        let dir = std::env::temp_dir().join(format!("xtask-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (toml, want) in [
            ("[workspace.dependencies]\nwasm-bindgen = \"=0.2.130\"\n", Some("0.2.130")),
            (
                "[workspace.dependencies]\nwasm-bindgen-futures = \"0.4\"\nwasm-bindgen = { version = \"=0.2.99\", default-features = false }\n",
                Some("0.2.99"),
            ),
            ("[dependencies]\nwasm-bindgen = \"=0.2.130\"\n", None),
        ] {
            std::fs::write(dir.join("Cargo.toml"), toml).unwrap();
            assert_eq!(wasm_bindgen_version(&dir).ok().as_deref(), want, "{toml}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
