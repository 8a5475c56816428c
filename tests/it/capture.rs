//! The capture daemon for real: `wirelens-capture` on loopback, filtered to a port this
//! test owns, while the test pushes TCP traffic through it; then SIGINT, and every file
//! it wrote must read cleanly in tshark and in our core, with the same packet counts.
//!
//! Needs root (capturing) and, for the comparison, tshark; skips with a message otherwise.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use wirelens_tests::{bin, have};

/// Per-connection bytes each way; with `-C 1` three connections make six or more files.
const BYTES_EACH_WAY: usize = 1_000_000;
const CONNECTIONS: usize = 3;
/// No single step may take longer than this.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Why this machine cannot run the test, if it cannot.
fn cannot_capture() -> Option<&'static str> {
    if !cfg!(target_os = "linux") {
        Some("the capture daemon is Linux-only")
    } else if !is_root() {
        Some("not root: capturing needs CAP_NET_RAW")
    } else {
        None
    }
}

/// A fresh directory for one test's files.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wirelens-capture-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The running daemon. Dropping it (a failed assertion, say) kills it.
struct Daemon {
    child: Option<Child>,
    stderr: Option<JoinHandle<String>>,
    first_file: PathBuf,
}

impl Daemon {
    /// Starts `wirelens-capture -i lo -w PREFIX -f 'tcp port PORT' ARGS` and waits until
    /// its first file exists: by then the capture and its filter are live.
    fn start(prefix: &Path, port: u16, args: &[&str]) -> Daemon {
        let mut child = Command::new(bin("wirelens-capture"))
            .args(["-i", "lo", "-w"])
            .arg(prefix)
            .args(["-f", &format!("tcp port {port}")])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start wirelens-capture");
        // Read stderr as it comes so the daemon can never block on a full pipe.
        let mut pipe = child.stderr.take().expect("piped stderr");
        let stderr = thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        });
        let mut daemon = Daemon {
            child: Some(child),
            stderr: Some(stderr),
            first_file: PathBuf::from(format!("{}-00001.pcap", prefix.display())),
        };
        let deadline = Instant::now() + STEP_TIMEOUT;
        while !daemon.first_file.exists() {
            if let Ok(Some(status)) = daemon.child.as_mut().expect("running").try_wait() {
                daemon.child = None;
                panic!("wirelens-capture exited at start with {status}:\n{}", daemon.take_stderr());
            }
            assert!(Instant::now() < deadline, "wirelens-capture wrote no file within {STEP_TIMEOUT:?}");
            thread::sleep(Duration::from_millis(20));
        }
        daemon
    }

    /// Sends SIGINT and waits for the exit; returns the status and everything on stderr.
    fn interrupt(mut self) -> (ExitStatus, String) {
        let child = self.child.as_mut().expect("running");
        let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("run kill");
        assert!(kill.success(), "kill -INT failed");
        let deadline = Instant::now() + STEP_TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for wirelens-capture") {
                break status;
            }
            assert!(Instant::now() < deadline, "wirelens-capture did not stop within {STEP_TIMEOUT:?} of SIGINT");
            thread::sleep(Duration::from_millis(20));
        };
        self.child = None;
        (status, self.take_stderr())
    }

    fn take_stderr(&mut self) -> String {
        self.stderr.take().map(|h| h.join().unwrap_or_default()).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Pushes `CONNECTIONS` connections through `listener`, each sending `BYTES_EACH_WAY`
/// to the server and then receiving as much back. Every socket has a timeout, so a
/// stuck peer fails the test instead of hanging it.
fn push_traffic(listener: TcpListener) {
    let addr = listener.local_addr().expect("listener address");
    let server = thread::spawn(move || {
        for _ in 0..CONNECTIONS {
            let (mut s, _) = listener.accept().expect("accept");
            s.set_read_timeout(Some(STEP_TIMEOUT)).unwrap();
            s.set_write_timeout(Some(STEP_TIMEOUT)).unwrap();
            let mut got = Vec::new();
            s.read_to_end(&mut got).expect("server read");
            assert_eq!(got.len(), BYTES_EACH_WAY);
            s.write_all(&payload()).expect("server write");
        }
    });
    for _ in 0..CONNECTIONS {
        let mut c = TcpStream::connect(addr).expect("connect");
        c.set_read_timeout(Some(STEP_TIMEOUT)).unwrap();
        c.set_write_timeout(Some(STEP_TIMEOUT)).unwrap();
        c.write_all(&payload()).expect("client write");
        c.shutdown(Shutdown::Write).expect("client shutdown");
        let mut got = Vec::new();
        c.read_to_end(&mut got).expect("client read");
        assert_eq!(got.len(), BYTES_EACH_WAY);
    }
    server.join().expect("server thread");
}

fn payload() -> Vec<u8> {
    (0..BYTES_EACH_WAY).map(|i| (i % 251) as u8).collect()
}

/// The files the daemon named on stderr ("writing PATH"), in order.
fn files_announced(stderr: &str) -> Vec<PathBuf> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("wirelens-capture: writing "))
        .map(PathBuf::from)
        .collect()
}

/// The files with this prefix on disk, in name order.
fn files_on_disk(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read scratch dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
        .collect();
    files.sort();
    files
}

/// Packets in a file according to our core, which must read it without an error.
fn core_packets(path: &Path) -> usize {
    let bytes = std::fs::read(path).expect("read capture file");
    let cap = wirelens_core::ingest_bytes(&path.display().to_string(), &bytes);
    assert!(cap.errors.is_empty(), "core: {}: {:?}", path.display(), cap.errors);
    let file_len = bytes.len() as u64;
    if cap.packets.len() > 1 {
        assert!(file_len <= 1_000_000, "{} is {file_len} bytes, over -C 1", path.display());
    }
    cap.packets.len()
}

/// Packets in a file according to tshark, which must read it without a complaint.
fn tshark_packets(path: &Path) -> usize {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-T", "fields", "-e", "frame.number"])
        .output()
        .expect("run tshark");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // tshark run as root says so on stderr; anything else ("cut short", ...) is a fault.
    let complaints: Vec<&str> =
        stderr.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("Running as user")).collect();
    assert!(out.status.success() && complaints.is_empty(), "tshark -r {}: {stderr}", path.display());
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.trim().is_empty()).count()
}

/// "N packets captured" from the daemon's summary.
fn summary_packets(stderr: &str) -> usize {
    stderr
        .lines()
        .find_map(|l| l.strip_suffix(" bytes)").and_then(|l| l.split(" packets captured").next()))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no packet count in the summary:\n{stderr}"))
}

#[test]
fn capture_rotates_by_size_and_every_file_reads_like_in_tshark() {
    if let Some(why) = cannot_capture() {
        eprintln!("SKIP capture_rotates_by_size...: {why}");
        return;
    }
    if !have("tshark") {
        eprintln!("SKIP capture_rotates_by_size...: tshark is not installed");
        return;
    }
    let started = Instant::now();
    let dir = scratch_dir("size");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    let port = listener.local_addr().unwrap().port();
    let daemon = Daemon::start(&dir.join("cap"), port, &["-C", "1"]);
    push_traffic(listener);
    let (status, stderr) = daemon.interrupt();
    assert!(status.success(), "wirelens-capture exited with {status}:\n{stderr}");

    let files = files_on_disk(&dir);
    assert_eq!(files, files_announced(&stderr), "files on disk vs announced:\n{stderr}");
    assert!(files.len() >= 3, "expected at least two rotations, got {} file(s):\n{stderr}", files.len());
    let mut total = 0;
    for f in &files {
        let ours = core_packets(f);
        let theirs = tshark_packets(f);
        assert_eq!(ours, theirs, "{}: core and tshark disagree", f.display());
        total += ours;
    }
    assert!(total > 0, "no packets captured:\n{stderr}");
    assert_eq!(total, summary_packets(&stderr), "summary vs files:\n{stderr}");
    assert!(stderr.contains(&format!("{} files written", files.len())), "{stderr}");
    eprintln!(
        "capture: {} files, {total} packets (core = tshark), {:.1}s",
        files.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn capture_ring_keeps_at_most_w_files() {
    if let Some(why) = cannot_capture() {
        eprintln!("SKIP capture_ring_keeps_at_most_w_files: {why}");
        return;
    }
    let dir = scratch_dir("ring");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    let port = listener.local_addr().unwrap().port();
    let daemon = Daemon::start(&dir.join("ring"), port, &["-C", "1", "-W", "2"]);
    push_traffic(listener);
    let (status, stderr) = daemon.interrupt();
    assert!(status.success(), "wirelens-capture exited with {status}:\n{stderr}");

    let announced = files_announced(&stderr);
    assert!(announced.len() > 2, "the ring never wrapped: {} file(s):\n{stderr}", announced.len());
    let files = files_on_disk(&dir);
    assert_eq!(files, announced[announced.len() - 2..], "the two newest files remain:\n{stderr}");
    for f in &files {
        core_packets(f);
    }
    assert!(stderr.contains(&format!("{} files written (2 kept", announced.len())), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
