//! The capture daemon under load (`cargo xtask bench --daemon`), as root, on a veth pair
//! to a network namespace of its own (the only traffic is to that namespace):
//!
//! - Drops and CPU: nginx in the namespace, wrk on this side at full speed, and
//!   `wirelens-capture` beside `tcpdump -w` on the veth with the same filter and buffer,
//!   in the same run: packets received by the filter, dropped by the kernel, captured,
//!   and CPU seconds of each (from wait4). With tcpdump's default buffer (2 MiB) and
//!   ours (32 MiB), several runs each, interleaved so a burst of load on a shared
//!   machine hits both.
//! - Process attribution: a client process (`connload`, an example of server-capture)
//!   opening connections of well under a millisecond at 10, 1,000 and 10,000 a second to
//!   a server in the namespace; the share of its connections `wirelens sessions` names
//!   with its PID, by socket events and by /proc.
//!
//! Files go to a scratch directory under /dev/shm (memory, so the disk neither limits
//! nor fills), deleted after each run.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::util::{cmd, note, on_path, run as run_cmd, step};

/// Port of nginx and of the connload server in the namespace.
const HTTP_PORT: u16 = 8080;
const CONN_PORT: u16 = 9000;

/// Options of the daemon section.
#[derive(Clone, Debug)]
pub struct Options {
    /// `--daemon-runs N`: runs of each buffer size.
    pub runs: usize,
    /// `--daemon-seconds N`: length of each wrk run.
    pub seconds: u32,
}

impl Options {
    /// Takes the daemon section's options out of `args`.
    pub fn parse(args: &mut Vec<String>) -> Result<Self> {
        let mut o = Options {
            runs: 3,
            seconds: 10,
        };
        let mut rest = Vec::new();
        let mut it = std::mem::take(args).into_iter();
        while let Some(a) = it.next() {
            let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
            match a.as_str() {
                "--daemon-runs" => {
                    o.runs = value("--daemon-runs")?.parse().context("--daemon-runs")?
                }
                "--daemon-seconds" => {
                    o.seconds = value("--daemon-seconds")?
                        .parse()
                        .context("--daemon-seconds")?
                }
                _ => rest.push(a),
            }
        }
        *args = rest;
        Ok(o)
    }
}

/// The second host: a namespace and a veth pair, torn down when dropped, with the
/// servers started in it.
struct Lab {
    ns: String,
    host_if: String,
    peer_ip: String,
    servers: Vec<Child>,
    dir: PathBuf,
}

impl Lab {
    fn new(dir: &Path) -> Result<Lab> {
        let id = std::process::id();
        let lab = Lab {
            ns: format!("wl-bench-{id}"),
            host_if: format!("wlb{}", id % 1_000_000),
            peer_ip: "10.252.0.2".into(),
            servers: Vec::new(),
            dir: dir.to_path_buf(),
        };
        let peer_if = format!("{}p", lab.host_if);
        let steps: Vec<Vec<&str>> = vec![
            vec!["netns", "add", &lab.ns],
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
            vec!["link", "set", &peer_if, "netns", &lab.ns],
            vec!["addr", "add", "10.252.0.1/30", "dev", &lab.host_if],
            vec!["link", "set", &lab.host_if, "up"],
            vec![
                "-n",
                &lab.ns,
                "addr",
                "add",
                "10.252.0.2/30",
                "dev",
                &peer_if,
            ],
            vec!["-n", &lab.ns, "link", "set", &peer_if, "up"],
            vec!["-n", &lab.ns, "link", "set", "lo", "up"],
        ];
        for s in steps {
            run_cmd(&mut cmd("ip", s))?;
        }
        Ok(lab)
    }

    /// Starts `args` in the namespace; waits `settle` for it to listen.
    fn serve(&mut self, args: &[&str], settle: Duration) -> Result<()> {
        let child = Command::new("ip")
            .args(["netns", "exec", &self.ns])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("start a server in the namespace")?;
        self.servers.push(child);
        std::thread::sleep(settle);
        Ok(())
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for c in &mut self.servers {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).status();
        let _ = Command::new("ip")
            .args(["link", "del", &self.host_if])
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A capturer running in the background, its stderr in a file.
struct Running {
    child: Child,
    log: PathBuf,
}

fn start(program: &Path, args: &[String], log: PathBuf) -> Result<Running> {
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .spawn()
        .with_context(|| format!("start {}", program.display()))?;
    Ok(Running { child, log })
}

/// What a capturer reported, and its CPU time.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    received: u64,
    dropped: u64,
    cpu: Duration,
}

impl Running {
    /// SIGINT, then wait4 for its CPU time, then its summary.
    fn stop(self) -> Result<(Counts, String)> {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: our own child, still running.
        unsafe { libc::kill(pid, libc::SIGINT) };
        let mut status = 0;
        // SAFETY: an all-zero rusage is valid; `pid` is our child, not waited for yet.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: as above.
            let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            if r == pid {
                break;
            }
            if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                bail!("wait4: {}", std::io::Error::last_os_error());
            }
        }
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let number = |what: &str| -> u64 {
            text.lines()
                .filter_map(|l| {
                    let l = l.strip_prefix("wirelens-capture: ").unwrap_or(l);
                    let (n, rest) = l.split_once(' ')?;
                    rest.starts_with(what).then(|| n.parse().ok())?
                })
                .next()
                .unwrap_or(0)
        };
        Ok((
            Counts {
                received: number("packets received by filter"),
                dropped: number("packets dropped by kernel"),
                cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
            },
            text,
        ))
    }
}

/// Runs the section.
pub fn run(root: &Path, opts: &Options) -> Result<()> {
    // SAFETY: plain query.
    if unsafe { libc::geteuid() } != 0 {
        bail!("the daemon benchmark captures and makes a network namespace: run it as root");
    }
    for tool in ["ip", "nginx", "wrk", "tcpdump"] {
        if !on_path(tool) {
            bail!("{tool} is not installed (apt-get install iproute2 nginx-light wrk tcpdump)");
        }
    }
    step("cargo build --release -p wirelens-capture -p wirelens (and the connload example)");
    run_cmd(
        cmd(
            "cargo",
            [
                "build",
                "--release",
                "-p",
                "wirelens-capture",
                "-p",
                "wirelens",
            ],
        )
        .current_dir(root),
    )?;
    run_cmd(
        cmd(
            "cargo",
            [
                "build",
                "--release",
                "-p",
                "wirelens-capture",
                "--example",
                "connload",
            ],
        )
        .current_dir(root),
    )?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let release = target.join("release");
    let bins = Bins {
        capture: release.join("wirelens-capture"),
        cli: release.join("wirelens"),
        connload: release.join("examples/connload"),
    };

    let dir = PathBuf::from(format!(
        "/dev/shm/wirelens-bench-daemon-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir)?;
    // The capture drops to an unprivileged user: it must be able to write here.
    run_cmd(&mut cmd("chmod", ["1777".as_ref(), dir.as_os_str()]))?;
    let mut lab = Lab::new(&dir)?;
    let www = dir.join("www");
    std::fs::create_dir_all(&www)?;
    std::fs::write(www.join("4k"), vec![b'x'; 4096])?;
    let conf = dir.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/nginx.err;\ndaemon off;\n\
             events {{ worker_connections 1024; }}\n\
             http {{ access_log off; server {{ listen {ip}:{HTTP_PORT}; root {www}; keepalive_requests 1000000; }} }}\n",
            d = dir.display(),
            ip = lab.peer_ip,
            www = www.display()
        ),
    )?;
    let conf_s = conf.display().to_string();
    let dir_s = dir.display().to_string();
    lab.serve(
        &["nginx", "-c", &conf_s, "-p", &dir_s],
        Duration::from_millis(500),
    )?;
    let conn_addr = format!("{}:{CONN_PORT}", lab.peer_ip);
    let connload = bins.connload.display().to_string();
    lab.serve(
        &[&connload, "server", &conn_addr],
        Duration::from_millis(300),
    )?;

    load(&lab, &bins, &dir, opts)?;
    attribution(&lab, &bins, &dir)?;
    Ok(())
}

struct Bins {
    capture: PathBuf,
    cli: PathBuf,
    connload: PathBuf,
}

/// Drops and CPU under wrk, side by side with tcpdump.
fn load(lab: &Lab, bins: &Bins, dir: &Path, opts: &Options) -> Result<()> {
    step(format!(
        "under load: wrk -t2 -c50 -d{}s http://{}:{HTTP_PORT}/4k across the veth; wirelens-capture beside tcpdump -w, filter 'tcp port {HTTP_PORT}', same -B",
        opts.seconds, lab.peer_ip
    ));
    let filter = format!("tcp port {HTTP_PORT}");
    println!(
        "{:>8} {:>3} {:>9} | {:>9} {:>9} {:>7} {:>7} | {:>9} {:>9} {:>7} {:>7}",
        "buffer",
        "run",
        "req/s",
        "ours rcvd",
        "dropped",
        "drop%",
        "cpu s",
        "tcpdump",
        "dropped",
        "drop%",
        "cpu s"
    );
    for kib in [2048u32, 32768] {
        for run in 1..=opts.runs {
            let out = dir.join("load");
            let _ = std::fs::remove_dir_all(&out);
            std::fs::create_dir_all(&out)?;
            run_cmd(&mut cmd("chmod", ["1777".as_ref(), out.as_os_str()]))?;
            let b = kib.to_string();
            let ours = start(
                &bins.capture,
                &[
                    "-i".into(),
                    lab.host_if.clone(),
                    "-w".into(),
                    out.join("w").display().to_string(),
                    "-B".into(),
                    b.clone(),
                    "-f".into(),
                    filter.clone(),
                ],
                dir.join("ours.log"),
            )?;
            let td = start(
                Path::new("tcpdump"),
                &[
                    "-i".into(),
                    lab.host_if.clone(),
                    "-w".into(),
                    out.join("t.pcap").display().to_string(),
                    "-B".into(),
                    b,
                    filter.clone(),
                ],
                dir.join("tcpdump.log"),
            )?;
            std::thread::sleep(Duration::from_millis(1500));
            let wrk = Command::new("wrk")
                .args(["-t2", "-c50", &format!("-d{}s", opts.seconds)])
                .arg(format!("http://{}:{HTTP_PORT}/4k", lab.peer_ip))
                .output()
                .context("run wrk")?;
            let wrk_out = String::from_utf8_lossy(&wrk.stdout);
            let rps = wrk_out
                .lines()
                .find_map(|l| l.strip_prefix("Requests/sec:"))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default();
            let (o, otext) = ours.stop()?;
            let (t, _) = td.stop()?;
            if o.received == 0 {
                bail!("wirelens-capture reported nothing:\n{otext}");
            }
            let pct = |c: &Counts| 100.0 * c.dropped as f64 / c.received.max(1) as f64;
            println!(
                "{:>5} KiB {:>3} {:>9} | {:>9} {:>9} {:>6.1}% {:>7.2} | {:>9} {:>9} {:>6.1}% {:>7.2}",
                kib,
                run,
                rps,
                o.received,
                o.dropped,
                pct(&o),
                o.cpu.as_secs_f64(),
                t.received,
                t.dropped,
                pct(&t),
                t.cpu.as_secs_f64()
            );
            let _ = std::fs::remove_dir_all(&out);
        }
    }
    note("received = packets the filter passed (libpcap ps_recv); cpu = user + system seconds of the whole process (wait4)");
    Ok(())
}

/// The share of a known client's short connections named, by each mechanism.
fn attribution(lab: &Lab, bins: &Bins, dir: &Path) -> Result<()> {
    step(format!(
        "process attribution: connload client -> {}:{CONN_PORT}, each connection under 1 ms",
        lab.peer_ip
    ));
    println!(
        "{:>7} {:>7} {:>9} {:>8} {:>8} {:>8} {:>7} {:>8}",
        "how", "rate", "reached", "conns", "named", "share", "wrong", "dropped"
    );
    let addr = format!("{}:{CONN_PORT}", lab.peer_ip);
    for how in ["events", "proc"] {
        for (rate, secs) in [(10u32, 5u32), (1000, 3), (10_000, 2)] {
            let out = dir.join("attr");
            let _ = std::fs::remove_dir_all(&out);
            std::fs::create_dir_all(&out)?;
            run_cmd(&mut cmd("chmod", ["1777".as_ref(), out.as_os_str()]))?;
            let ours = start(
                &bins.capture,
                &[
                    "-i".into(),
                    lab.host_if.clone(),
                    "-w".into(),
                    out.join("a").display().to_string(),
                    "-f".into(),
                    format!("tcp port {CONN_PORT}"),
                    "--process-lookup".into(),
                    how.into(),
                ],
                dir.join("attr.log"),
            )?;
            std::thread::sleep(Duration::from_millis(1000));
            let client = Command::new(&bins.connload)
                .args(["client", &addr, &rate.to_string(), &secs.to_string()])
                .output()
                .context("run connload")?;
            let text = String::from_utf8_lossy(&client.stdout).into_owned();
            // "made N failed N rate R pid P"
            let field = |name: &str| -> Option<f64> {
                let mut w = text.split_whitespace();
                while let Some(x) = w.next() {
                    if x == name {
                        return w.next()?.parse().ok();
                    }
                }
                None
            };
            let (Some(made), Some(reached), Some(pid)) =
                (field("made"), field("rate"), field("pid"))
            else {
                bail!(
                    "connload said: {text} {}",
                    String::from_utf8_lossy(&client.stderr)
                );
            };
            std::thread::sleep(Duration::from_millis(500));
            let (c, log) = ours.stop()?;
            let mut files: Vec<PathBuf> = std::fs::read_dir(&out)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "pcapng"))
                .collect();
            files.sort();
            let sessions = Command::new(&bins.cli)
                .args(["sessions", "--json"])
                .args(&files)
                .output()
                .context("run wirelens sessions")?;
            let json = String::from_utf8_lossy(&sessions.stdout);
            let (conns, named, wrong) = count_named(&json, CONN_PORT, pid as u64);
            if conns == 0 {
                bail!("no session captured:\n{log}");
            }
            println!(
                "{:>7} {:>5}/s {:>7.0}/s {:>8} {:>8} {:>7.1}% {:>7} {:>8}",
                how,
                rate,
                reached,
                conns,
                named,
                100.0 * named as f64 / conns as f64,
                wrong,
                c.dropped
            );
            if conns as f64 != made {
                note(format!(
                    "{how} {rate}/s: the client made {made} connections, {conns} captured"
                ));
            }
            let _ = std::fs::remove_dir_all(&out);
        }
    }
    note("share = sessions to the server named with the client's PID; wrong = named with another PID");
    Ok(())
}

/// (sessions to `port`, named with `pid`, named with another pid) in `wirelens sessions
/// --json` output, read without a JSON library: one object a row, `"rport":N` and
/// `"pid":N|null` in each.
fn count_named(json: &str, port: u16, pid: u64) -> (u64, u64, u64) {
    let mut out = (0, 0, 0);
    for row in json.split('}') {
        let num = |key: &str| -> Option<u64> {
            let at = row.find(&format!("\"{key}\":"))? + key.len() + 3;
            let rest = row[at..].trim_start();
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            rest[..end].parse().ok()
        };
        if num("rport") != Some(u64::from(port)) {
            continue;
        }
        out.0 += 1;
        match num("pid") {
            Some(p) if p == pid => out.1 += 1,
            Some(_) => out.2 += 1,
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn sessions_json_is_counted() {
        let json = r#"[{"pid":7,"comm":"connload","lport":40000,"rport":9000},{"pid":null,"comm":null,"lport":40002,"rport":9000},{"pid":8,"lport":1,"rport":9000},{"pid":7,"lport":2,"rport":80}]"#;
        assert_eq!(count_named(json, 9000, 7), (3, 1, 1));
    }
}
