//! The capture daemon for real. Each test makes a second host (a network namespace joined
//! to this one by a veth pair), runs a real HTTP server there (python3) and a known client
//! process on this host, and runs `wirelens-capture` on the veth while they talk. Then it
//! stops the daemon (a signal) and checks what is on disk: every closed file reads in
//! tshark and in our core with the same packets and ends with interface statistics; the
//! rotation by size, time and count, the ring by total size, the free-space floor on a
//! small tmpfs, SIGTERM, SIGKILL (the file being written keeps every complete packet),
//! SIGHUP, the files' owner after the privilege drop, compression and --post-rotate, and
//! the PID and command of the client process in `wirelens sessions`, by socket events
//! and by /proc.
//!
//! Needs root (capturing, namespaces, tmpfs), tshark, python3 and ip; fails without them
//! unless the run says it cannot capture (`WIRELENS_NO_CAPTURE=1`) or has no tshark
//! (`WIRELENS_NO_TSHARK=1`).

use std::io::{BufRead, BufReader, Read};
use std::net::{Shutdown, TcpListener};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use wirelens_tests::harness::{can_capture, report, tshark};
use wirelens_tests::{bin, have};

/// No single step may take longer than this.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// Tools the tests run besides the binaries: a failure, not a skip, when missing.
fn require(cmd: &str) {
    assert!(
        have(cmd),
        "{cmd} is not installed (`cargo xtask setup` installs the tools)"
    );
}

/// Whether the test may run: root, tshark (unless the run says it has none), python3, ip.
fn ready(name: &str) -> bool {
    if !can_capture(name) {
        return false;
    }
    require("python3");
    require("ip");
    true
}

/// A fresh directory for one test's files, writable by the user the daemon drops to.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wirelens-capture-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    dir
}

/// The HTTP server of the other host: GET /N answers N bytes; prints "ready".
const SERVER: &str = r#"
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        n = int(self.path.strip("/") or "0")
        self.send_response(200)
        self.send_header("Content-Length", str(n))
        self.end_headers()
        block = bytes(range(256)) * 256
        while n > 0:
            self.wfile.write(block[:min(n, len(block))])
            n -= len(block)
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), H)
print("ready", flush=True)
s.serve_forever()
"#;

/// The known client: COUNT requests of SIZE bytes each to http://IP:PORT/SIZE, PAUSE
/// seconds apart, each sent HOLD seconds after connecting; prints the local port of each
/// connection.
const CLIENT: &str = r#"
import socket, sys, time
ip, port, count, size, pause, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
for i in range(count):
    s = socket.create_connection((ip, port), timeout=20)
    print(s.getsockname()[1], flush=True)
    time.sleep(hold)
    s.sendall(b"GET /%d HTTP/1.0\r\n\r\n" % size)
    got = 0
    while True:
        b = s.recv(1 << 16)
        if not b: break
        got += len(b)
    s.close()
    assert got > size, (got, size)
    time.sleep(pause)
"#;

/// A second host: a network namespace joined to this one by a veth pair, with the HTTP
/// server running in it. Dropping it stops the server and deletes both.
struct Lab {
    name: String,
    host_if: String,
    host_ip: String,
    peer_ip: String,
    port: u16,
    server: Option<Child>,
}

/// A small number per test, so concurrent tests get distinct namespaces and subnets.
fn tag_index(tag: &str) -> u32 {
    tag.bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 50
}

impl Lab {
    fn new(tag: &str) -> Lab {
        let id = std::process::id();
        let t = tag_index(tag);
        // A /30 of 10.(200+t).x.y per test and test run.
        let base = (id % 16_000) * 4;
        let net = format!("10.{}.{}", 200 + t, base / 256);
        let lab = Lab {
            name: format!("wl-{tag}-{id}"),
            host_if: format!("wl{t}x{}", id % 1_000_000),
            host_ip: format!("{net}.{}", base % 256 + 1),
            peer_ip: format!("{net}.{}", base % 256 + 2),
            port: 18000 + (id % 1000) as u16,
            server: None,
        };
        let peer_if = format!("{}p", lab.host_if);
        let steps: Vec<Vec<&str>> = vec![
            vec!["netns", "add", &lab.name],
            vec![
                "link",
                "add",
                &lab.host_if,
                "type",
                "veth",
                "peer",
                "name",
                &peer_if,
            ],
            vec!["link", "set", &peer_if, "netns", &lab.name],
            vec!["link", "set", &lab.host_if, "up"],
            vec!["-n", &lab.name, "link", "set", &peer_if, "up"],
            vec!["-n", &lab.name, "link", "set", "lo", "up"],
        ];
        let host_cidr = format!("{}/30", lab.host_ip);
        let peer_cidr = format!("{}/30", lab.peer_ip);
        let addrs: Vec<Vec<&str>> = vec![
            vec!["addr", "add", &host_cidr, "dev", &lab.host_if],
            vec!["-n", &lab.name, "addr", "add", &peer_cidr, "dev", &peer_if],
        ];
        for args in steps.iter().chain(addrs.iter()) {
            let out = Command::new("ip").args(args).output().expect("run ip");
            assert!(
                out.status.success(),
                "cannot make the test host (root can): ip {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let mut lab = lab;
        let mut server = Command::new("ip")
            .args([
                "netns",
                "exec",
                &lab.name,
                "python3",
                "-c",
                SERVER,
                &lab.peer_ip,
            ])
            .arg(lab.port.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the python3 server");
        let mut line = String::new();
        BufReader::new(server.stdout.take().expect("server stdout"))
            .read_line(&mut line)
            .expect("server ready");
        assert_eq!(line.trim(), "ready", "the server did not start");
        lab.server = Some(server);
        lab
    }

    /// Runs the known client: `count` requests of `size` bytes, `pause` s apart. Returns
    /// its pid and the local ports of its connections.
    fn client(&self, count: u32, size: u32, pause: f64) -> (u32, Vec<u16>) {
        self.client_holding(count, size, pause, 0.0)
    }

    /// The same, each connection idle `hold` s before its request: open long enough for
    /// /proc to see it (a transfer across the veth takes milliseconds).
    fn client_holding(&self, count: u32, size: u32, pause: f64, hold: f64) -> (u32, Vec<u16>) {
        let child = Command::new("python3")
            .args(["-c", CLIENT, &self.peer_ip])
            .args([
                self.port.to_string(),
                count.to_string(),
                size.to_string(),
                pause.to_string(),
                hold.to_string(),
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the python3 client");
        let pid = child.id();
        let out = child.wait_with_output().expect("python3 client");
        assert!(out.status.success(), "the python3 client failed");
        let ports = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim().parse().expect("a port"))
            .collect();
        (pid, ports)
    }

    /// `tcp port PORT`: the filter every test captures with.
    fn filter(&self) -> String {
        format!("tcp port {}", self.port)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(mut s) = self.server.take() {
            let _ = s.kill();
            let _ = s.wait();
        }
        // The server's python3 is a child of `ip netns exec`, which exec'd it: killed above.
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
        let _ = Command::new("ip")
            .args(["link", "del", &self.host_if])
            .stderr(Stdio::null())
            .status();
    }
}

/// The running daemon. Dropping it (a failed assertion, say) kills it.
struct Daemon {
    child: Option<Child>,
    stderr: Option<JoinHandle<String>>,
}

impl Daemon {
    /// Starts `wirelens-capture -i IFACE -w PREFIX -f FILTER ARGS` and waits until its
    /// first file exists (`PREFIX-00001*.part`): by then the capture and its filter are
    /// live.
    fn start(iface: &str, prefix: &Path, filter: &str, args: &[&str]) -> Daemon {
        let mut child = Command::new(bin("wirelens-capture"))
            .args(["-i", iface, "-w"])
            .arg(prefix)
            .args(["-f", filter])
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
        };
        let dir = prefix.parent().expect("prefix in a directory");
        let stem = format!("{}-00001", prefix.file_name().unwrap().to_string_lossy());
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            let started = std::fs::read_dir(dir).expect("read dir").any(|e| {
                let n = e.expect("entry").file_name().to_string_lossy().into_owned();
                n.starts_with(&stem) && n.ends_with(".part")
            });
            if started {
                break;
            }
            if let Ok(Some(status)) = daemon.child.as_mut().expect("running").try_wait() {
                daemon.child = None;
                panic!(
                    "wirelens-capture exited at start with {status}:\n{}",
                    daemon.take_stderr()
                );
            }
            if Instant::now() >= deadline {
                // What it said (a file system short of --min-free, say) names the cause.
                if let Some(mut child) = daemon.child.take() {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                panic!(
                    "wirelens-capture wrote no file within {STEP_TIMEOUT:?}:\n{}",
                    daemon.take_stderr()
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
        daemon
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(ok.success(), "kill -{sig} failed");
    }

    /// Sends `sig` and waits for the exit; returns the status and everything on stderr.
    fn stop(mut self, sig: &str) -> (ExitStatus, String) {
        self.signal(sig);
        let child = self.child.as_mut().expect("running");
        let deadline = Instant::now() + STEP_TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for wirelens-capture") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "wirelens-capture did not stop within {STEP_TIMEOUT:?} of SIG{sig}"
            );
            thread::sleep(Duration::from_millis(20));
        };
        self.child = None;
        (status, self.take_stderr())
    }

    /// SIGTERM, and a clean exit.
    fn finish(self) -> String {
        let (status, stderr) = self.stop("TERM");
        assert!(
            status.success(),
            "wirelens-capture exited with {status}:\n{stderr}"
        );
        stderr
    }

    fn take_stderr(&mut self) -> String {
        self.stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default()
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

/// The files in `dir` whose names end with `suffix`, in name order.
fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read scratch dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

/// The paths the daemon logged with `what` ("writing ", "closed ", "deleted "), in order.
fn logged(stderr: &str, what: &str) -> Vec<PathBuf> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("wirelens-capture: ")?.strip_prefix(what))
        .map(|rest| PathBuf::from(rest.split(" (").next().unwrap_or(rest)))
        .collect()
}

/// A file as our core reads it.
fn core_read(path: &Path) -> wirelens_core::capture::Capture {
    let bytes = std::fs::read(path).expect("read capture file");
    wirelens_core::ingest::ingest_bytes(&path.display().to_string(), &bytes)
}

/// Packets in a closed file according to our core, which must read it without an error
/// or anomaly. A pcapng file must describe the interface (its name and this host's
/// address) and end with statistics; with `-C`, it holds the limit.
fn core_packets(path: &Path, iface: &str, host_ip: &str, max_bytes: Option<u64>) -> usize {
    let cap = core_read(path);
    assert!(
        cap.errors.is_empty(),
        "core: {}: {:?}",
        path.display(),
        cap.errors
    );
    assert!(
        cap.anomalies.is_empty(),
        "core: {}: {:?}",
        path.display(),
        cap.anomalies
    );
    if let Some(max) = max_bytes {
        let len = std::fs::metadata(path).expect("stat").len();
        if cap.packets.len() > 1 {
            assert!(len <= max, "{} is {len} bytes, over -C", path.display());
        }
    }
    let name = path.to_string_lossy();
    if name.contains(".pcapng") {
        let i = &cap.interfaces[0];
        assert_eq!(i.interface.name.as_deref(), Some(iface), "{name}");
        assert!(
            i.interface.addresses.contains(&host_ip.parse().unwrap()),
            "{name}: {:?}",
            i.interface
        );
        let stats = i
            .stats
            .unwrap_or_else(|| panic!("{name}: no interface statistics at the end"));
        assert!(
            stats.received.is_some() && stats.dropped.is_some(),
            "{name}: {stats:?}"
        );
        assert!(
            stats.delivered >= Some(cap.packets.len() as u64),
            "{name}: {stats:?}"
        );
    }
    cap.packets.len()
}

/// Packets in a file according to tshark, which must read it without a complaint (or,
/// with `cut`, with only the complaint about a packet cut short at the end).
fn tshark_packets(path: &Path, cut: bool) -> usize {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-T", "fields", "-e", "frame.number"])
        .output()
        .expect("run tshark");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // tshark run as root says so on stderr; anything else ("cut short", ...) is a fault.
    let complaints: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("Running as user"))
        .filter(|l| !(cut && l.contains("cut short in the middle of a packet")))
        .collect();
    assert!(
        (out.status.success() || cut) && complaints.is_empty(),
        "tshark -r {}: {stderr}",
        path.display()
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
}

/// Every closed file: core and tshark (when the run has it) read the same packets.
/// Returns the packets in all.
fn check_files(files: &[PathBuf], lab: &Lab, max_bytes: Option<u64>, with_tshark: bool) -> usize {
    let mut total = 0;
    for f in files {
        let ours = core_packets(f, &lab.host_if, &lab.host_ip, max_bytes);
        if with_tshark {
            assert_eq!(
                ours,
                tshark_packets(f, false),
                "{}: core and tshark disagree",
                f.display()
            );
        }
        total += ours;
    }
    total
}

/// "N packets captured" from the daemon's summary.
fn summary_number(stderr: &str, what: &str) -> u64 {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("wirelens-capture: "))
        .find_map(|l| {
            let (n, rest) = l.split_once(' ')?;
            rest.starts_with(what).then(|| n.parse().ok())?
        })
        .unwrap_or_else(|| panic!("no \"{what}\" in the summary:\n{stderr}"))
}

/// "(N bytes)" of the summary's "packets captured" line.
fn summary_bytes(stderr: &str) -> u64 {
    stderr
        .lines()
        .find_map(|l| {
            l.split(" packets captured (")
                .nth(1)?
                .strip_suffix(" bytes)")?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no byte count in the summary:\n{stderr}"))
}

/// `wirelens sessions --json FILES` as rows.
fn sessions_json(files: &[PathBuf]) -> Vec<serde_json::Value> {
    let out = Command::new(bin("wirelens"))
        .args(["sessions", "--json"])
        .args(files)
        .output()
        .expect("run wirelens");
    assert!(
        out.status.success(),
        "wirelens sessions: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("sessions JSON")
}

/// Size, time and count, with the default format and privilege drop: -C 1 makes several
/// files each under 1 MB; the log names each file opened (NAME.part) and closed (NAME).
#[test]
fn capture_rotates_by_size_and_every_file_reads_like_in_tshark() {
    let name = "capture_rotates_by_size_and_every_file_reads_like_in_tshark";
    if !ready(name) || !tshark(name) {
        return;
    }
    let lab = Lab::new("size");
    let dir = scratch_dir("size");
    let d = Daemon::start(&lab.host_if, &dir.join("cap"), &lab.filter(), &["-C", "1"]);
    lab.client(4, 1_000_000, 0.0);
    let stderr = d.finish();

    let files = files_ending(&dir, ".pcapng");
    assert!(
        files.len() >= 4,
        "expected rotations, got {} file(s):\n{stderr}",
        files.len()
    );
    assert_eq!(
        files,
        logged(&stderr, "closed "),
        "closed files vs log:\n{stderr}"
    );
    let parts: Vec<PathBuf> = files
        .iter()
        .map(|f| PathBuf::from(format!("{}.part", f.display())))
        .collect();
    assert_eq!(
        parts,
        logged(&stderr, "writing "),
        "opened files vs log:\n{stderr}"
    );
    assert!(
        files_ending(&dir, ".part").is_empty(),
        "a .part left behind:\n{stderr}"
    );
    let total = check_files(&files, &lab, Some(1_000_000), true);
    assert_eq!(
        total as u64,
        summary_number(&stderr, "packets captured"),
        "{stderr}"
    );
    let bytes = summary_bytes(&stderr);
    assert!(
        bytes > 4_000_000,
        "4 MB of payload, {bytes} bytes captured:\n{stderr}"
    );
    assert_eq!(
        summary_number(&stderr, "packets dropped by kernel"),
        0,
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{} files written", files.len())),
        "{stderr}"
    );
    report(&format!(
        "capture: -C 1: {} files, {total} packets (core = tshark)",
        files.len()
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn capture_rotates_by_time() {
    let name = "capture_rotates_by_time";
    if !ready(name) {
        return;
    }
    let with_tshark = tshark(name);
    let lab = Lab::new("time");
    let dir = scratch_dir("time");
    let d = Daemon::start(&lab.host_if, &dir.join("t"), &lab.filter(), &["-G", "1"]);
    lab.client(8, 100_000, 0.4);
    let stderr = d.finish();
    let files = files_ending(&dir, ".pcapng");
    assert!(
        files.len() >= 3,
        "3 s of traffic with -G 1: {} file(s):\n{stderr}",
        files.len()
    );
    for f in &files {
        let n = f.file_name().unwrap().to_string_lossy().into_owned();
        // t-00002-20240131T235959Z.pcapng
        let stamp = n.trim_start_matches("t-").split('-').nth(1).unwrap_or("");
        assert!(
            stamp.len() == 23 && stamp.as_bytes()[8] == b'T' && stamp.ends_with("Z.pcapng"),
            "{n}"
        );
        // Every packet within the file's second (and the next, for the first packet of
        // the next second that opened it).
        let cap = core_read(f);
        let (first, last) = (
            cap.packets.first().unwrap().ts_ns,
            cap.packets.last().unwrap().ts_ns,
        );
        assert!(
            last - first < 1_000_000_000,
            "{n} spans {} ns",
            last - first
        );
    }
    check_files(&files, &lab, None, with_tshark);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn capture_ring_keeps_at_most_w_files() {
    let name = "capture_ring_keeps_at_most_w_files";
    if !ready(name) {
        return;
    }
    let with_tshark = tshark(name);
    let lab = Lab::new("ring");
    let dir = scratch_dir("ring");
    // Classic pcap here, so both formats rotate under test.
    let d = Daemon::start(
        &lab.host_if,
        &dir.join("ring"),
        &lab.filter(),
        &["-C", "1", "-W", "2", "-F", "pcap"],
    );
    lab.client(4, 1_000_000, 0.0);
    let stderr = d.finish();
    let opened = logged(&stderr, "writing ");
    assert!(
        opened.len() > 2,
        "the ring never wrapped: {opened:?}\n{stderr}"
    );
    let files = files_ending(&dir, ".pcap");
    let newest: Vec<PathBuf> = opened[opened.len() - 2..]
        .iter()
        .map(|p| PathBuf::from(p.to_string_lossy().trim_end_matches(".part")))
        .collect();
    assert_eq!(files, newest, "the two newest files remain:\n{stderr}");
    assert_eq!(
        logged(&stderr, "deleted ").len(),
        opened.len() - 2,
        "{stderr}"
    );
    for f in &files {
        let cap = core_read(f);
        assert!(cap.errors.is_empty(), "{:?}", cap.errors);
        if with_tshark {
            assert_eq!(cap.packets.len(), tshark_packets(f, false));
        }
    }
    assert!(
        stderr.contains(&format!(
            "{} files written (2 kept, {} deleted",
            opened.len(),
            opened.len() - 2
        )),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// --max-total: this run's files stay within the total, the newest kept; a file of an
/// earlier run with the same prefix is neither counted nor deleted.
#[test]
fn capture_max_total_keeps_the_newest_files_within_the_limit() {
    let name = "capture_max_total_keeps_the_newest_files_within_the_limit";
    if !ready(name) {
        return;
    }
    let with_tshark = tshark(name);
    let lab = Lab::new("total");
    let dir = scratch_dir("total");
    let old = dir.join("m-00099.pcapng");
    std::fs::write(&old, vec![0u8; 2_000_000]).unwrap();
    let d = Daemon::start(
        &lab.host_if,
        &dir.join("m"),
        &lab.filter(),
        &["-C", "1", "--max-total", "3M"],
    );
    lab.client(6, 1_000_000, 0.0);
    let stderr = d.finish();
    let files: Vec<PathBuf> = files_ending(&dir, ".pcapng")
        .into_iter()
        .filter(|f| *f != old)
        .collect();
    let total: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    assert!(total <= 3_000_000, "{total} bytes in {files:?}\n{stderr}");
    assert!(files.len() >= 2, "{files:?}");
    let closed = logged(&stderr, "closed ");
    assert_eq!(
        files,
        closed[closed.len() - files.len()..],
        "the newest stay:\n{stderr}"
    );
    assert!(!logged(&stderr, "deleted ").is_empty(), "{stderr}");
    assert!(old.exists(), "a file of an earlier run was deleted");
    check_files(&files, &lab, Some(1_000_000), with_tshark);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A small tmpfs mounted for the test; unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn new(name: &str, size: &str) -> Tmpfs {
        let dir = scratch_dir(name);
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=1777"),
                "tmpfs",
            ])
            .arg(&dir)
            .status()
            .expect("run mount");
        assert!(
            ok.success(),
            "cannot mount a tmpfs on {} (root can)",
            dir.display()
        );
        Tmpfs(dir)
    }

    fn available(&self) -> u64 {
        let out = Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(&self.0)
            .output()
            .expect("df");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .and_then(|l| l.trim().parse().ok())
            .expect("df output")
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// --min-free on a 12 MB tmpfs with 6 MB to keep free and 12 MB of traffic: with
/// --when-full delete the oldest files go and the capture goes on; with stop it stops
/// writing (and says so); either way the disk never fills and every file is whole.
#[test]
fn capture_min_free_on_a_small_tmpfs_deletes_or_stops() {
    let name = "capture_min_free_on_a_small_tmpfs_deletes_or_stops";
    if !ready(name) {
        return;
    }
    let with_tshark = tshark(name);
    let lab = Lab::new("free");
    for action in ["delete", "stop"] {
        let fs = Tmpfs::new(&format!("free-{action}"), "12m");
        let d = Daemon::start(
            &lab.host_if,
            &fs.0.join("f"),
            &lab.filter(),
            &["-C", "1", "--min-free", "6M", "--when-full", action],
        );
        // Watch the free space while the traffic runs.
        let watch_dir = fs.0.clone();
        let stop_watch = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sw = std::sync::Arc::clone(&stop_watch);
        let watcher = thread::spawn(move || {
            let t = Tmpfs(watch_dir);
            let mut least = u64::MAX;
            while !sw.load(std::sync::atomic::Ordering::Relaxed) {
                least = least.min(t.available());
                thread::sleep(Duration::from_millis(20));
            }
            std::mem::forget(t);
            least
        });
        lab.client(12, 1_000_000, 0.05);
        let stderr = d.finish();
        stop_watch.store(true, std::sync::atomic::Ordering::Relaxed);
        let least = watcher.join().unwrap();
        assert!(
            !stderr.contains("DISK FULL"),
            "{action}: the disk filled:\n{stderr}"
        );
        // Checked every MB written and each second: it may dip by a file's worth at most.
        assert!(
            least >= 4_500_000,
            "{action}: {least} bytes free at the least:\n{stderr}"
        );
        let files = files_ending(&fs.0, ".pcapng");
        assert!(!files.is_empty(), "{action}: no file:\n{stderr}");
        check_files(&files, &lab, Some(1_000_000), with_tshark);
        match action {
            "delete" => {
                assert!(!logged(&stderr, "deleted ").is_empty(), "{stderr}");
                assert!(!stderr.contains("STOPPED WRITING"), "{stderr}");
                assert_eq!(summary_number(&stderr, "packets dropped by kernel"), 0);
            }
            _ => {
                assert!(stderr.contains("STOPPED WRITING"), "{stderr}");
                assert!(logged(&stderr, "deleted ").is_empty(), "{stderr}");
                assert!(
                    summary_number(&stderr, "packets not written") > 0,
                    "{stderr}"
                );
            }
        }
        report(&format!(
            "capture: --min-free 6M --when-full {action} on a 12 MB tmpfs: {} files, least free {least}",
            files.len()
        ));
    }
}

/// With no floor (--min-free 0%) a 4 MB tmpfs fills: the write that fails ends the file
/// at its last flush (every packet whole), writing stops, the capture goes on and exits
/// cleanly.
#[test]
fn capture_on_a_full_disk_keeps_whole_files_and_goes_on() {
    let name = "capture_on_a_full_disk_keeps_whole_files_and_goes_on";
    if !ready(name) {
        return;
    }
    let with_tshark = tshark(name);
    let lab = Lab::new("full");
    let fs = Tmpfs::new("full", "4m");
    let d = Daemon::start(
        &lab.host_if,
        &fs.0.join("f"),
        &lab.filter(),
        &["--min-free", "0%"],
    );
    lab.client(8, 1_000_000, 0.05);
    let stderr = d.finish();
    assert!(stderr.contains("DISK FULL"), "{stderr}");
    assert!(
        summary_number(&stderr, "packets not written") > 0,
        "{stderr}"
    );
    let files = files_ending(&fs.0, ".pcapng");
    assert_eq!(files.len(), 1, "{files:?}\n{stderr}");
    // No statistics block (there was no room), but every packet whole.
    let cap = core_read(&files[0]);
    assert!(
        cap.errors.is_empty() && !cap.packets.is_empty(),
        "{:?}",
        cap.errors
    );
    if with_tshark {
        assert_eq!(cap.packets.len(), tshark_packets(&files[0], false));
    }
}

/// SIGTERM closes a whole last file with its statistics; SIGKILL leaves the file being
/// written as NAME.part with every packet up to the last flush, readable as it is, and
/// every file closed before it whole.
#[test]
fn capture_sigterm_and_sigkill_leave_readable_files() {
    let name = "capture_sigterm_and_sigkill_leave_readable_files";
    if !ready(name) {
        return;
    }
    let with_tshark = tshark(name);
    let lab = Lab::new("kill");
    let dir = scratch_dir("kill");
    let d = Daemon::start(&lab.host_if, &dir.join("k"), &lab.filter(), &["-C", "2"]);
    lab.client(5, 1_000_000, 0.0);
    // Past the flush of the last packets (once a second, and when the traffic pauses).
    thread::sleep(Duration::from_millis(2000));
    let (status, stderr) = d.stop("KILL");
    assert!(!status.success());
    let closed = files_ending(&dir, ".pcapng");
    let parts = files_ending(&dir, ".part");
    assert!(!closed.is_empty(), "no closed file:\n{stderr}");
    assert_eq!(parts.len(), 1, "the file being written: {parts:?}");
    check_files(&closed, &lab, Some(2_000_000), with_tshark);
    let part = &parts[0];
    let cap = core_read(part);
    assert!(!cap.packets.is_empty(), "the killed file kept no packet");
    // No statistics block (never written), at most the last record cut short.
    assert!(cap.errors.len() <= 1, "{:?}", cap.errors);
    if with_tshark {
        assert_eq!(
            cap.packets.len(),
            tshark_packets(part, true),
            "{}",
            part.display()
        );
    }
    // All 5 MB are in the files: nothing lost but unflushed bytes.
    let bytes: u64 = closed
        .iter()
        .map(|f| core_read(f))
        .chain(std::iter::once(cap))
        .map(|c| c.packets.iter().map(|p| u64::from(p.caplen)).sum::<u64>())
        .sum();
    assert!(bytes > 5_000_000, "{bytes} bytes for 5 MB of payload");

    // SIGTERM: the last file closed with its statistics, no .part left.
    let dir = scratch_dir("term");
    let d = Daemon::start(&lab.host_if, &dir.join("t"), &lab.filter(), &[]);
    lab.client(2, 300_000, 0.0);
    let stderr = d.finish();
    assert!(files_ending(&dir, ".part").is_empty());
    let files = files_ending(&dir, ".pcapng");
    assert_eq!(files.len(), 1);
    let n = check_files(&files, &lab, None, with_tshark);
    assert_eq!(n as u64, summary_number(&stderr, "packets captured"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// SIGHUP closes the current file at once (renamed, usable) and the next packets go to a
/// new one; SIGUSR1 logs the counters.
#[test]
fn capture_sighup_rotates_now_and_sigusr1_reports() {
    let name = "capture_sighup_rotates_now_and_sigusr1_reports";
    if !ready(name) {
        return;
    }
    let with_tshark = tshark(name);
    let lab = Lab::new("hup");
    let dir = scratch_dir("hup");
    let d = Daemon::start(&lab.host_if, &dir.join("h"), &lab.filter(), &[]);
    lab.client(1, 200_000, 0.0);
    d.signal("HUP");
    let first = dir.join("h-00001.pcapng");
    let deadline = Instant::now() + STEP_TIMEOUT;
    while !first.exists() {
        assert!(
            Instant::now() < deadline,
            "SIGHUP did not close the first file"
        );
        thread::sleep(Duration::from_millis(20));
    }
    // Closed while the capture goes on: whole, with its statistics.
    check_files(std::slice::from_ref(&first), &lab, None, with_tshark);
    lab.client(1, 200_000, 0.0);
    d.signal("USR1");
    thread::sleep(Duration::from_millis(300));
    let stderr = d.finish();
    let files = files_ending(&dir, ".pcapng");
    assert_eq!(
        files,
        [first.clone(), dir.join("h-00002.pcapng")],
        "{stderr}"
    );
    check_files(&files, &lab, None, with_tshark);
    assert!(stderr.contains("SIGHUP: file closed"), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("packets captured, ") && l.contains("received by filter")),
        "SIGUSR1 line:\n{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Run as root without -Z, the files belong to tcpdump (else nobody), as Debian's
/// tcpdump does; -Z nobody gives nobody's. The /proc lookups still name a root process
/// (they kept CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE); -Z root keeps root.
#[test]
fn capture_drops_privileges_and_still_names_processes() {
    let name = "capture_drops_privileges_and_still_names_processes";
    if !ready(name) {
        return;
    }
    let lab = Lab::new("priv");
    let uid_of = |user: &str| -> Option<u32> {
        let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
        passwd.lines().find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.first() == Some(&user)).then(|| f.get(2)?.parse().ok())?
        })
    };
    let default_user = if uid_of("tcpdump").is_some() {
        "tcpdump"
    } else {
        "nobody"
    };
    for (args, user) in [
        (vec![], default_user),
        (vec!["-Z", "nobody"], "nobody"),
        (vec!["-Z", "root"], "root"),
    ] {
        let dir = scratch_dir(&format!("priv-{user}-{}", args.len()));
        let mut a = args.clone();
        a.extend(["--process-lookup", "proc"]);
        let d = Daemon::start(&lab.host_if, &dir.join("p"), &lab.filter(), &a);
        // A connection that stays open a while: /proc can see it.
        let (pid, ports) = lab.client_holding(1, 1_000_000, 0.0, 0.3);
        let stderr = d.finish();
        let files = files_ending(&dir, ".pcapng");
        let want = uid_of(user).expect("the user exists");
        for f in &files {
            assert_eq!(
                std::fs::metadata(f).unwrap().uid(),
                want,
                "{} {args:?}",
                f.display()
            );
        }
        assert!(
            stderr.contains(&format!(
                "running as {}",
                if user == "root" {
                    "root".to_owned()
                } else {
                    format!("user {user}")
                }
            )),
            "{stderr}"
        );
        let rows = sessions_json(&files);
        let row = rows
            .iter()
            .find(|r| r["lport"] == ports[0])
            .unwrap_or_else(|| panic!("no session from {}: {rows:#?}", ports[0]));
        assert_eq!(
            (row["pid"].as_u64(), row["comm"].as_str()),
            (Some(pid as u64), Some("python3")),
            "{args:?}: {row:#}\n{stderr}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// --compress gzip and zstd: each closed file compressed (the last one too), read as it
/// is by our core (and by tshark for gzip); --post-rotate runs once on each final name.
#[test]
fn capture_compresses_closed_files_and_runs_post_rotate() {
    let name = "capture_compresses_closed_files_and_runs_post_rotate";
    if !ready(name) {
        return;
    }
    let with_tshark = tshark(name);
    let lab = Lab::new("zip");
    for (format, ext) in [("gzip", ".gz"), ("zstd", ".zst")] {
        let dir = scratch_dir(&format!("zip-{format}"));
        let list = dir.join("post-rotate.list");
        let post = format!("echo >>{}", list.display());
        let d = Daemon::start(
            &lab.host_if,
            &dir.join("z"),
            &lab.filter(),
            &["-C", "1", "--compress", format, "--post-rotate", &post],
        );
        lab.client(3, 1_000_000, 0.0);
        let stderr = d.finish();
        let files = files_ending(&dir, &format!(".pcapng{ext}"));
        assert!(files.len() >= 3, "{format}: {files:?}\n{stderr}");
        assert!(
            files_ending(&dir, ".pcapng").is_empty(),
            "uncompressed files left:\n{stderr}"
        );
        assert!(files_ending(&dir, ".part").is_empty(), "{stderr}");
        let listed: Vec<PathBuf> = std::fs::read_to_string(&list)
            .expect("post-rotate ran")
            .lines()
            .map(PathBuf::from)
            .collect();
        assert_eq!(
            listed, files,
            "post-rotate once per file, in order, the last included"
        );
        let mut total = 0;
        for f in &files {
            // -C counts the uncompressed file: not checked here.
            let n = core_packets(f, &lab.host_if, &lab.host_ip, None);
            if with_tshark && ext == ".gz" {
                assert_eq!(n, tshark_packets(f, false), "{}", f.display());
            }
            total += n;
        }
        assert_eq!(
            total as u64,
            summary_number(&stderr, "packets captured"),
            "{stderr}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The known client process on this host names its connections, by socket events and by
/// /proc: `wirelens sessions` shows its PID and COMM (python3) on every connection the
/// mechanism names, never another process. Socket events name every one of them, each a
/// few milliseconds long.
#[test]
fn capture_names_the_known_client_process() {
    let name = "capture_names_the_known_client_process";
    if !ready(name) {
        return;
    }
    let lab = Lab::new("procs");
    for how in ["events", "proc"] {
        let dir = scratch_dir(&format!("procs-{how}"));
        let d = Daemon::start(
            &lab.host_if,
            &dir.join("c"),
            &lab.filter(),
            &["-C", "1", "--process-lookup", how],
        );
        // Short connections, then a long one spanning several files.
        let (pid, mut ports) = lab.client(20, 20_000, 0.0);
        let (pid2, ports2) = lab.client_holding(1, 3_000_000, 0.0, 0.3);
        ports.extend(&ports2);
        let stderr = d.finish();
        let files = files_ending(&dir, ".pcapng");
        let rows = sessions_json(&files);
        let mut named = 0;
        for (i, port) in ports.iter().enumerate() {
            let want = if i < 20 { pid } else { pid2 };
            // A port may come again (the server closes first, so the client's port is
            // free at once): the k-th connection from it is its k-th session.
            let k = ports[..i].iter().filter(|p| *p == port).count();
            let row = rows
                .iter()
                .filter(|r| r["lport"] == *port)
                .nth(k)
                .unwrap_or_else(|| panic!("{how}: no session from port {port}:\n{stderr}"));
            if row["pid"].is_null() {
                continue;
            }
            assert_eq!(
                (row["pid"].as_u64(), row["comm"].as_str()),
                (Some(want as u64), Some("python3")),
                "{how}: {row:#}\n{stderr}"
            );
            named += 1;
        }
        // The long connection is named in each file it spans (each file alone tells).
        for f in &files {
            for r in sessions_json(std::slice::from_ref(f))
                .iter()
                .filter(|r| r["lport"] == ports2[0])
            {
                assert_eq!(r["pid"], pid2, "{how}: {} alone: {r:#}", f.display());
            }
        }
        if how == "events" {
            assert_eq!(
                named,
                ports.len(),
                "socket events name every connection:\n{stderr}"
            );
        } else {
            assert!(
                named >= 1,
                "/proc names the long connection at least:\n{stderr}"
            );
        }
        report(&format!(
            "capture: {how}: {named} of {} connections of the client named (pid {pid}, python3)",
            ports.len()
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A connection coming in from the other host is named by the process of this host that
/// serves it (the local side is the server, though the client initiated).
#[test]
fn capture_names_the_server_of_an_incoming_connection() {
    let name = "capture_names_the_server_of_an_incoming_connection";
    if !ready(name) {
        return;
    }
    let lab = Lab::new("srv");
    let dir = scratch_dir("server");
    let port = lab.port + 1;
    // The server: a python3 process of this host, accepting one connection and reading it.
    let listener = TcpListener::bind((lab.host_ip.as_str(), port)).expect("bind");
    let server = thread::spawn(move || {
        let (mut c, _) = listener.accept().expect("accept");
        c.set_read_timeout(Some(STEP_TIMEOUT)).unwrap();
        let mut got = Vec::new();
        let _ = c.read_to_end(&mut got);
        let _ = c.shutdown(Shutdown::Both);
        got.len()
    });
    let d = Daemon::start(
        &lab.host_if,
        &dir.join("srv"),
        &format!("tcp port {port}"),
        &[],
    );
    let client_script = "import socket,sys,time\n\
                         s=socket.create_connection((sys.argv[1],int(sys.argv[2])))\n\
                         for i in range(20):\n    s.sendall(b'y'*1000); time.sleep(0.05)\n\
                         s.close()\n";
    let client = Command::new("ip")
        .args([
            "netns",
            "exec",
            &lab.name,
            "python3",
            "-c",
            client_script,
            &lab.host_ip,
        ])
        .arg(port.to_string())
        .status()
        .expect("run the client in the namespace");
    assert!(client.success(), "client in {} failed", lab.name);
    assert_eq!(server.join().expect("server"), 20_000);
    let stderr = d.finish();
    let files = files_ending(&dir, ".pcapng");
    let rows = sessions_json(&files);
    assert_eq!(rows.len(), 1, "{rows:#?}\n{stderr}");
    let r = &rows[0];
    assert_eq!(
        (
            r["laddr"].as_str(),
            r["lport"].as_u64(),
            r["raddr"].as_str(),
            r["local_by"].as_str()
        ),
        (
            Some(lab.host_ip.as_str()),
            Some(port as u64),
            Some(lab.peer_ip.as_str()),
            Some("host")
        ),
        "{r:#}"
    );
    let comm = std::fs::read_to_string("/proc/self/comm").unwrap();
    assert_eq!(
        (r["pid"].as_u64(), r["comm"].as_str()),
        (Some(u64::from(std::process::id())), Some(comm.trim_end())),
        "{r:#}\n{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
