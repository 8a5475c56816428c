//! Small helpers: announcing steps and running commands.

use std::ffi::OsStr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// Prints a `==> message` line (the one line per step the brief asks for).
pub fn step(msg: impl AsRef<str>) {
    println!("==> {}", msg.as_ref());
}

/// Prints an indented detail line under the current step.
pub fn note(msg: impl AsRef<str>) {
    println!("    {}", msg.as_ref());
}

/// A new command for `program` with `args`.
pub fn cmd<I, S>(program: impl AsRef<OsStr>, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut c = Command::new(program);
    c.args(args);
    c
}

/// The command line as a user would type it (for messages), with `cd dir && ` if it has one.
pub fn display(c: &Command) -> String {
    let mut s = String::new();
    if let Some(dir) = c.get_current_dir() {
        s.push_str(&format!("cd {} && ", dir.display()));
    }
    for (k, v) in c.get_envs() {
        if let Some(v) = v {
            s.push_str(&format!("{}={} ", k.to_string_lossy(), v.to_string_lossy()));
        }
    }
    s.push_str(&c.get_program().to_string_lossy());
    for a in c.get_args() {
        let a = a.to_string_lossy();
        if a.is_empty() || a.contains(|ch: char| ch.is_whitespace() || ch == '\'') {
            s.push_str(&format!(" '{}'", a.replace('\'', r"'\''")));
        } else {
            s.push(' ');
            s.push_str(&a);
        }
    }
    s
}

/// Runs `c` with inherited stdio, printing `    $ command` first; fails unless it exits 0.
pub fn run(c: &mut Command) -> Result<()> {
    note(format!("$ {}", display(c)));
    let status = c
        .status()
        .with_context(|| format!("could not start `{}`", display(c)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", display(c));
    }
    Ok(())
}

/// Runs `program args` quietly and returns its trimmed stdout (+stderr) if it exited 0.
/// `None` means "not installed or not working".
pub fn probe<I, S>(program: impl AsRef<OsStr>, args: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = cmd(program, args).stdin(Stdio::null()).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Some(text.trim().to_owned())
}

/// Whether `name` is an executable on PATH (like `command -v`).
pub fn on_path(name: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        let p = dir.join(name);
        p.is_file()
            && std::fs::metadata(&p)
                .map(|m| {
                    use std::os::unix::fs::PermissionsExt;
                    m.permissions().mode() & 0o111 != 0
                })
                .unwrap_or(false)
    })
}

/// Runs `f` as a numbered, timed step, e.g. `==> [2/3] trunk build --release`.
pub fn timed_step<T>(
    label: &str,
    timings: &mut Vec<(String, Duration)>,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    step(label);
    let start = Instant::now();
    let result = f();
    let took = start.elapsed();
    match &result {
        Ok(_) => note(format!("ok: {label} ({})", secs(took))),
        Err(_) => note(format!("FAILED: {label} (after {})", secs(took))),
    }
    timings.push((label.to_owned(), took));
    result
}

pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 60.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!("{s:.1}s")
    }
}
