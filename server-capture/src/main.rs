//! `wirelens-capture`: capture with libpcap into rotated pcap files. See `--help`.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use wirelens_capture::{Capturer, Options};

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
    let mut signals = Signals::new([SIGINT, SIGTERM]).context("cannot install signal handlers")?;
    let mut capturer = Capturer::open(&opts)?;
    eprintln!("wirelens-capture: {}", capturer.describe());

    let stop = Arc::new(AtomicBool::new(false));
    let waker = capturer.waker();
    let flag = Arc::clone(&stop);
    std::thread::spawn(move || {
        for _ in signals.forever() {
            flag.store(true, Ordering::Relaxed);
            waker.wake();
        }
    });

    let summary = capturer.run(&stop, &mut std::io::stderr())?;
    eprintln!("wirelens-capture: {summary}");
    Ok(ExitCode::SUCCESS)
}
