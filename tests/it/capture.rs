//! The capture daemon for real: `wirelens-capture` on loopback, filtered to a port this
//! test owns, while the test pushes TCP traffic through it; then SIGINT, and every file
//! it wrote must read cleanly in tshark and in our core, with the same packet counts.
//! In pcapng (the default) every file must also name the host's addresses, end with
//! interface statistics, and name the process of each TCP connection: `wirelens
//! sessions` on the files shows the PID and COMM of the processes that made them.
//!
//! Needs root (capturing), tshark, python3 and ip; fails without them unless the run says
//! it cannot capture (`WIRELENS_NO_CAPTURE=1`) or has no tshark (`WIRELENS_NO_TSHARK=1`).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use wirelens_tests::harness::{can_capture, tshark};
use wirelens_tests::{bin, have};

/// Per-connection bytes each way; with `-C 1` three connections make six or more files.
const BYTES_EACH_WAY: usize = 1_000_000;
const CONNECTIONS: usize = 3;
/// No single step may take longer than this.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// Tools the tests run besides the binaries: a failure, not a skip, when missing.
fn require(cmd: &str) {
    assert!(
        have(cmd),
        "{cmd} is not installed (`cargo xtask setup` installs the tools)"
    );
}

/// A fresh directory for one test's files.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wirelens-capture-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// File name extension of the default format (pcapng).
const NG: &str = "pcapng";

/// The running daemon. Dropping it (a failed assertion, say) kills it.
struct Daemon {
    child: Option<Child>,
    stderr: Option<JoinHandle<String>>,
    first_file: PathBuf,
}

impl Daemon {
    /// Starts `wirelens-capture -i lo -w PREFIX -f 'tcp port PORT' ARGS` (another `-i` in
    /// ARGS replaces `lo`) and waits until
    /// its first file (of extension `ext`) exists: by then the capture and its filter are
    /// live.
    fn start(prefix: &Path, port: u16, args: &[&str], ext: &str) -> Daemon {
        // `-i lo` unless ARGS name another interface.
        let iface = args
            .windows(2)
            .find(|w| w[0] == "-i")
            .map_or("lo", |w| w[1]);
        let args: Vec<&str> = args
            .iter()
            .enumerate()
            .filter(|(i, a)| **a != "-i" && (*i == 0 || args[i - 1] != "-i"))
            .map(|(_, a)| *a)
            .collect();
        let mut child = Command::new(bin("wirelens-capture"))
            .args(["-i", iface, "-w"])
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
            first_file: PathBuf::from(format!("{}-00001.{ext}", prefix.display())),
        };
        let deadline = Instant::now() + STEP_TIMEOUT;
        while !daemon.first_file.exists() {
            if let Ok(Some(status)) = daemon.child.as_mut().expect("running").try_wait() {
                daemon.child = None;
                panic!(
                    "wirelens-capture exited at start with {status}:\n{}",
                    daemon.take_stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "wirelens-capture wrote no file within {STEP_TIMEOUT:?}"
            );
            thread::sleep(Duration::from_millis(20));
        }
        daemon
    }

    /// Sends SIGINT and waits for the exit; returns the status and everything on stderr.
    fn interrupt(mut self) -> (ExitStatus, String) {
        let child = self.child.as_mut().expect("running");
        let kill = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(kill.success(), "kill -INT failed");
        let deadline = Instant::now() + STEP_TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for wirelens-capture") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "wirelens-capture did not stop within {STEP_TIMEOUT:?} of SIGINT"
            );
            thread::sleep(Duration::from_millis(20));
        };
        self.child = None;
        (status, self.take_stderr())
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

/// The capture files (of extension `ext`) on disk, in name order.
fn files_on_disk(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read scratch dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

/// Packets in a file according to our core, which must read it without an error. A
/// pcapng file must describe loopback (its name and 127.0.0.1) and end with statistics.
fn core_packets(path: &Path) -> usize {
    let bytes = std::fs::read(path).expect("read capture file");
    let cap = wirelens_core::ingest::ingest_bytes(&path.display().to_string(), &bytes);
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
    let file_len = bytes.len() as u64;
    if cap.packets.len() > 1 {
        assert!(
            file_len <= 1_000_000,
            "{} is {file_len} bytes, over -C 1",
            path.display()
        );
    }
    if path.extension().is_some_and(|e| e == NG) {
        let i = &cap.interfaces[0];
        assert_eq!(
            i.interface.name.as_deref(),
            Some("lo"),
            "{}",
            path.display()
        );
        assert!(
            i.interface
                .addresses
                .contains(&"127.0.0.1".parse().unwrap()),
            "{}: {:?}",
            path.display(),
            i.interface
        );
        let stats = i
            .stats
            .unwrap_or_else(|| panic!("{}: no interface statistics at the end", path.display()));
        assert!(
            stats.received.is_some() && stats.dropped.is_some(),
            "{}: {stats:?}",
            path.display()
        );
        assert!(
            stats.delivered >= Some(cap.packets.len() as u64),
            "{}: {stats:?}",
            path.display()
        );
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
    let complaints: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("Running as user"))
        .collect();
    assert!(
        out.status.success() && complaints.is_empty(),
        "tshark -r {}: {stderr}",
        path.display()
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
}

/// "N packets captured" from the daemon's summary.
fn summary_packets(stderr: &str) -> usize {
    stderr
        .lines()
        .find_map(|l| {
            l.strip_suffix(" bytes)")
                .and_then(|l| l.split(" packets captured").next())
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no packet count in the summary:\n{stderr}"))
}

#[test]
fn capture_rotates_by_size_and_every_file_reads_like_in_tshark() {
    let name = "capture_rotates_by_size_and_every_file_reads_like_in_tshark";
    if !can_capture(name) || !tshark(name) {
        return;
    }
    let started = Instant::now();
    let dir = scratch_dir("size");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    let port = listener.local_addr().unwrap().port();
    let daemon = Daemon::start(&dir.join("cap"), port, &["-C", "1"], NG);
    push_traffic(listener);
    let (status, stderr) = daemon.interrupt();
    assert!(
        status.success(),
        "wirelens-capture exited with {status}:\n{stderr}"
    );

    let files = files_on_disk(&dir, NG);
    assert_eq!(
        files,
        files_announced(&stderr),
        "files on disk vs announced:\n{stderr}"
    );
    assert!(
        files.len() >= 3,
        "expected at least two rotations, got {} file(s):\n{stderr}",
        files.len()
    );
    let mut total = 0;
    for f in &files {
        let ours = core_packets(f);
        let theirs = tshark_packets(f);
        assert_eq!(ours, theirs, "{}: core and tshark disagree", f.display());
        total += ours;
    }
    assert!(total > 0, "no packets captured:\n{stderr}");
    assert_eq!(
        total,
        summary_packets(&stderr),
        "summary vs files:\n{stderr}"
    );
    assert!(
        stderr.contains(&format!("{} files written", files.len())),
        "{stderr}"
    );
    eprintln!(
        "capture: {} files, {total} packets (core = tshark), {:.1}s",
        files.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn capture_ring_keeps_at_most_w_files() {
    if !can_capture("capture_ring_keeps_at_most_w_files") {
        return;
    }
    let dir = scratch_dir("ring");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    let port = listener.local_addr().unwrap().port();
    // Classic pcap here, so both formats rotate under test.
    let daemon = Daemon::start(
        &dir.join("ring"),
        port,
        &["-C", "1", "-W", "2", "-F", "pcap"],
        "pcap",
    );
    push_traffic(listener);
    let (status, stderr) = daemon.interrupt();
    assert!(
        status.success(),
        "wirelens-capture exited with {status}:\n{stderr}"
    );

    let announced = files_announced(&stderr);
    assert!(
        announced.len() > 2,
        "the ring never wrapped: {} file(s):\n{stderr}",
        announced.len()
    );
    let files = files_on_disk(&dir, "pcap");
    assert_eq!(
        files,
        announced[announced.len() - 2..],
        "the two newest files remain:\n{stderr}"
    );
    for f in &files {
        core_packets(f);
    }
    assert!(
        stderr.contains(&format!("{} files written (2 kept", announced.len())),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A client connection that stays open a while and sends in small steps, so the daemon
/// sees packets of it while it is open (each is a chance to look its process up, however
/// loaded the machine), then `total` bytes in all.
fn slow_client(port: u16, total: usize) -> u16 {
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.set_write_timeout(Some(STEP_TIMEOUT)).unwrap();
    let local = c.local_addr().unwrap().port();
    let step = total / 20;
    for _ in 0..20 {
        c.write_all(&payload()[..step]).expect("client write");
        thread::sleep(Duration::from_millis(60));
    }
    c.shutdown(Shutdown::Both).expect("client shutdown");
    local
}

/// A server that reads each connection to its end, for `connections` connections.
fn sink(listener: TcpListener, connections: usize) -> JoinHandle<()> {
    thread::spawn(move || {
        for _ in 0..connections {
            let (mut s, _) = listener.accept().expect("accept");
            s.set_read_timeout(Some(STEP_TIMEOUT)).unwrap();
            let mut got = Vec::new();
            let _ = s.read_to_end(&mut got);
        }
    })
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

#[test]
fn capture_names_the_process_of_each_tcp_connection() {
    let name = "capture_names_the_process_of_each_tcp_connection";
    if !can_capture(name) {
        return;
    }
    require("python3");
    let with_tshark = tshark(&format!("{name}: its files' packet counts against tshark"));
    let dir = scratch_dir("procs");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    let port = listener.local_addr().unwrap().port();
    let daemon = Daemon::start(&dir.join("procs"), port, &["-C", "1"], NG);
    let server = sink(listener, 2);

    // A connection of this very process: 2 MB in small steps, over several files (-C 1).
    let own_port = slow_client(port, 2_000_000);
    // And one of another process, a child the test starts.
    let child = {
        let script = "import socket,sys,time\n\
                      s=socket.create_connection(('127.0.0.1',int(sys.argv[1])))\n\
                      print(s.getsockname()[1],flush=True)\n\
                      for i in range(20):\n    s.sendall(b'x'*1000); time.sleep(0.06)\n\
                      s.close()\n";
        let out = Command::new("python3")
            .args(["-c", script, &port.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python3");
        let pid = out.id();
        let out = out.wait_with_output().expect("python3 client");
        assert!(out.status.success(), "python3 client failed");
        let local: u16 = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("python3 printed its port");
        (pid, local)
    };
    server.join().expect("server thread");
    let (status, stderr) = daemon.interrupt();
    assert!(
        status.success(),
        "wirelens-capture exited with {status}:\n{stderr}"
    );

    let files = files_on_disk(&dir, NG);
    assert!(
        files.len() >= 2,
        "expected a rotation, got {} file(s):\n{stderr}",
        files.len()
    );
    for f in &files {
        let ours = core_packets(f);
        if with_tshark {
            assert_eq!(
                ours,
                tshark_packets(f),
                "{}: core and tshark disagree",
                f.display()
            );
        }
    }
    let comm = std::fs::read_to_string("/proc/self/comm")
        .expect("own comm")
        .trim_end()
        .to_owned();
    let me = std::process::id();
    let rows = sessions_json(&files);
    let row = |lport: u16| {
        rows.iter()
            .find(|r| r["lport"] == lport && r["rport"] == port)
            .unwrap_or_else(|| panic!("no session from port {lport} in {rows:#?}\n{stderr}"))
    };
    let own = row(own_port);
    assert_eq!(
        (own["pid"].as_u64(), own["comm"].as_str()),
        (Some(me as u64), Some(comm.as_str())),
        "{own:#}\n{stderr}"
    );
    // TX counts TCP payload as tshark's tcp.len does: a retransmitted segment counts again.
    let tx = own["tx_bytes"].as_u64().expect("tx_bytes");
    assert!(tx >= 2_000_000 && own["rx_bytes"] == 0, "{own:#}");
    let r = row(child.1);
    assert_eq!(
        (r["pid"].as_u64(), r["comm"].as_str()),
        (Some(child.0 as u64), Some("python3")),
        "{r:#}\n{stderr}"
    );
    // Every file names the process of the connections in it: each file read alone
    // still shows this process for its part of the 2 MB connection.
    let mut alone = 0;
    for f in &files {
        for r in sessions_json(std::slice::from_ref(f))
            .iter()
            .filter(|r| r["lport"] == own_port)
        {
            assert_eq!(r["pid"], me, "{} alone: {r:#}", f.display());
            alone += 1;
        }
    }
    assert!(alone >= 2, "the 2 MB connection spans {alone} file(s)");
    // tcplife's CSV carries them too.
    let out = Command::new(bin("wirelens"))
        .args(["sessions", "-s"])
        .args(&files)
        .output()
        .expect("run wirelens");
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(
        csv.starts_with("PID,COMM,IP,LADDR,LPORT,RADDR,RPORT,TX_KB,RX_KB,MS\n"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!(
            "{me},{comm},4,127.0.0.1,{own_port},127.0.0.1,{port},{},0,",
            tx / 1024
        )),
        "{csv}"
    );
    assert!(stderr.contains("TCP connections of this host"), "{stderr}");
    eprintln!(
        "capture: sessions name pid {me} ({comm}) and {child:?} (python3) over {} files",
        files.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A network namespace joined to this one by a veth pair: a second host for tests.
/// Dropping it deletes both (the pair goes with the namespace).
struct Netns {
    name: String,
    host_if: String,
    host_ip: String,
    peer_ip: String,
}

impl Netns {
    fn create(tag: &str) -> Result<Netns, String> {
        let id = std::process::id();
        let n = Netns {
            name: format!("wl-{tag}-{id}"),
            host_if: format!("wl{}{}", &tag[..1], id % 1_000_000),
            host_ip: format!("10.231.{}.1", id % 250),
            peer_ip: format!("10.231.{}.2", id % 250),
        };
        let peer_if = format!("{}p", n.host_if);
        let steps: Vec<Vec<String>> = vec![
            vec!["netns".into(), "add".into(), n.name.clone()],
            vec![
                "link".into(),
                "add".into(),
                n.host_if.clone(),
                "type".into(),
                "veth".into(),
                "peer".into(),
                "name".into(),
                peer_if.clone(),
            ],
            vec![
                "link".into(),
                "set".into(),
                peer_if.clone(),
                "netns".into(),
                n.name.clone(),
            ],
            vec![
                "addr".into(),
                "add".into(),
                format!("{}/24", n.host_ip),
                "dev".into(),
                n.host_if.clone(),
            ],
            vec!["link".into(), "set".into(), n.host_if.clone(), "up".into()],
            vec![
                "-n".into(),
                n.name.clone(),
                "addr".into(),
                "add".into(),
                format!("{}/24", n.peer_ip),
                "dev".into(),
                peer_if.clone(),
            ],
            vec![
                "-n".into(),
                n.name.clone(),
                "link".into(),
                "set".into(),
                peer_if.clone(),
                "up".into(),
            ],
            vec![
                "-n".into(),
                n.name.clone(),
                "link".into(),
                "set".into(),
                "lo".into(),
                "up".into(),
            ],
        ];
        for args in steps {
            let out = Command::new("ip")
                .args(&args)
                .output()
                .map_err(|e| format!("ip: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "ip {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
        Ok(n)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
        let _ = Command::new("ip")
            .args(["link", "del", &self.host_if])
            .stderr(Stdio::null())
            .status();
    }
}

#[test]
fn capture_names_the_server_of_an_incoming_connection() {
    if !can_capture("capture_names_the_server_of_an_incoming_connection") {
        return;
    }
    require("python3");
    require("ip");
    let ns = Netns::create("srv")
        .unwrap_or_else(|e| panic!("cannot make a network namespace (root can): {e}"));
    let dir = scratch_dir("server");
    let port = 18000 + (std::process::id() % 1000) as u16;
    // The server: a python3 process of this host, accepting one connection and reading it.
    let server_script = "import socket,sys\n\
                         l=socket.socket(); l.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n\
                         l.bind((sys.argv[1],int(sys.argv[2]))); l.listen(1)\n\
                         print('ready',flush=True)\n\
                         c,_=l.accept()\n\
                         while c.recv(65536): pass\n";
    let mut server = Command::new("python3")
        .args(["-c", server_script, &ns.host_ip, &port.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the python3 server");
    let mut ready = [0u8; 6];
    server
        .stdout
        .as_mut()
        .expect("server stdout")
        .read_exact(&mut ready)
        .expect("server ready");
    let daemon = Daemon::start(&dir.join("srv"), port, &["-i", &ns.host_if], NG);
    // The client: in the other namespace, another host as far as this one can tell.
    let client_script = "import socket,sys,time\n\
                         s=socket.create_connection((sys.argv[1],int(sys.argv[2])))\n\
                         for i in range(20):\n    s.sendall(b'y'*1000); time.sleep(0.05)\n\
                         s.close()\n";
    let client = Command::new("ip")
        .args([
            "netns",
            "exec",
            &ns.name,
            "python3",
            "-c",
            client_script,
            &ns.host_ip,
            &port.to_string(),
        ])
        .status()
        .expect("run the client in the namespace");
    assert!(client.success(), "client in {} failed", ns.name);
    let server_pid = server.id();
    assert!(
        server.wait().expect("server").success(),
        "python3 server failed"
    );
    let (status, stderr) = daemon.interrupt();
    assert!(
        status.success(),
        "wirelens-capture exited with {status}:\n{stderr}"
    );

    let files = files_on_disk(&dir, NG);
    let rows = sessions_json(&files);
    assert_eq!(rows.len(), 1, "{rows:#?}\n{stderr}");
    let r = &rows[0];
    // Local is this host's side, the server, though the client initiated.
    assert_eq!(
        (r["laddr"].as_str(), r["lport"].as_u64()),
        (Some(ns.host_ip.as_str()), Some(port as u64)),
        "{r:#}"
    );
    assert_eq!(
        (r["raddr"].as_str(), r["local_by"].as_str()),
        (Some(ns.peer_ip.as_str()), Some("host")),
        "{r:#}"
    );
    assert_eq!(
        (r["tx_bytes"].as_u64(), r["rx_bytes"].as_u64()),
        (Some(0), Some(20_000)),
        "{r:#}"
    );
    assert_eq!(
        (r["pid"].as_u64(), r["comm"].as_str()),
        (Some(server_pid as u64), Some("python3")),
        "{r:#}\n{stderr}"
    );
    eprintln!("capture: incoming connection named by its server, pid {server_pid} (python3)");
    let _ = std::fs::remove_dir_all(&dir);
}
