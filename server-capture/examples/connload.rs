//! Short TCP connections at a steady rate, for measuring how many of a known client
//! process's connections `wirelens-capture` names (`cargo xtask bench --daemon`).
//!
//! `connload server ADDR` accepts connections, reads one byte, answers one byte and
//! closes (so the server side keeps TIME_WAIT and the client's ports free at once).
//! `connload client ADDR RATE SECONDS` opens RATE connections a second for SECONDS
//! seconds from a few threads of this one process, each connection living from connect
//! to close well under a millisecond on a veth pair; prints how many it made, the rate
//! reached, and its pid.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("server") if args.len() == 2 => server(&args[1]),
        Some("client") if args.len() == 4 => client(&args[1], &args[2], &args[3]),
        _ => Err("usage: connload server ADDR | connload client ADDR RATE SECONDS".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("connload: {e}");
            ExitCode::FAILURE
        }
    }
}

fn server(addr: &str) -> Result<(), String> {
    let l = TcpListener::bind(addr).map_err(|e| format!("bind {addr}: {e}"))?;
    println!("ready");
    let l = Arc::new(l);
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let l = Arc::clone(&l);
            std::thread::spawn(move || loop {
                let Ok((mut s, _)) = l.accept() else {
                    continue;
                };
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let mut b = [0u8; 1];
                if s.read_exact(&mut b).is_ok() {
                    let _ = s.write_all(b"y");
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

fn client(addr: &str, rate: &str, seconds: &str) -> Result<(), String> {
    let addr: SocketAddr = addr.parse().map_err(|e| format!("{addr}: {e}"))?;
    let rate: f64 = rate.parse().map_err(|_| "RATE: a number")?;
    let seconds: f64 = seconds.parse().map_err(|_| "SECONDS: a number")?;
    let threads = if rate >= 1000.0 { 4 } else { 1 };
    let made = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let total = (rate * seconds).round() as u64;
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (made, failed) = (Arc::clone(&made), Arc::clone(&failed));
            std::thread::spawn(move || {
                // Connection i of this thread is due at start + (i * threads + t) / rate.
                let mut i = 0u64;
                loop {
                    let n = i * threads as u64 + t as u64;
                    if n >= total {
                        break;
                    }
                    let due = start + Duration::from_secs_f64(n as f64 / rate);
                    let now = Instant::now();
                    if due > now {
                        std::thread::sleep(due - now);
                    }
                    match once(addr) {
                        Ok(()) => made.fetch_add(1, Ordering::Relaxed),
                        Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                    };
                    i += 1;
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    let took = start.elapsed().as_secs_f64();
    let made = made.load(Ordering::Relaxed);
    println!(
        "made {made} failed {} rate {:.0} pid {}",
        failed.load(Ordering::Relaxed),
        made as f64 / took,
        std::process::id()
    );
    Ok(())
}

/// One connection: connect, a byte each way, the server's close, ours.
fn once(addr: SocketAddr) -> std::io::Result<()> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    s.set_nodelay(true)?;
    s.write_all(b"x")?;
    let mut b = [0u8; 8];
    let mut got = 0;
    loop {
        let n = s.read(&mut b)?;
        if n == 0 {
            break;
        }
        got += n;
    }
    if got != 1 {
        return Err(std::io::Error::other("no answer"));
    }
    Ok(())
}
