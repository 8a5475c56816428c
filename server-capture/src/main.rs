//! `wirelens-capture`: capture with libpcap into rotated pcapng files. See `--help`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1};
use signal_hook::iterator::Signals;
use std::sync::atomic::Ordering;
use wirelens_capture::{log, Capturer, Control, Options};

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wirelens-capture: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let opts = Options::parse();
    // Before anything is opened, so a ctrl+c during start-up still ends cleanly.
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP, SIGUSR1])
        .context("cannot install signal handlers")?;
    // Opens the capture and drops privileges: before any thread starts.
    let mut capturer = Capturer::open(&opts)?;
    log!("{}", capturer.describe());

    let control = Arc::new(Control::default());
    let waker = capturer.waker();
    let c = Arc::clone(&control);
    std::thread::spawn(move || {
        for sig in signals.forever() {
            let flag = match sig {
                SIGHUP => &c.rotate,
                SIGUSR1 => &c.report,
                _ => &c.stop,
            };
            flag.store(true, Ordering::Relaxed);
            waker.wake();
        }
    });

    let summary = capturer.run(&control)?;
    for line in summary.to_string().lines() {
        log!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}
