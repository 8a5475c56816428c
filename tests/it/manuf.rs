//! The manufacturers' names of OUIs (core/src/query/detail/manuf/) are tshark's: the tables
//! are those tests/scripts/make-manuf.py makes of the installed manuf file, and on a
//! capture of one frame from every OUI they name (and a few they do not) our PDML's
//! `eth.src.oui`, `eth.src.oui_resolved` and their `eth.addr` twins are tshark's.

use std::process::Command;
use wirelens_tests::harness::tshark;
use wirelens_tests::{bin, repo_root};

#[test]
fn tables_are_the_installed_manuf_files() {
    let out = Command::new("python3")
        .arg(repo_root().join("tests/scripts/make-manuf.py"))
        .arg("--check")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_oui_is_shown_as_tshark_shows_it() {
    if !tshark("manuf: every OUI against tshark") {
        return;
    }
    let table =
        std::fs::read(repo_root().join("core/src/query/detail/manuf/ouis.bin")).expect("ouis.bin");
    let mut ouis: Vec<&[u8]> = table.chunks(6).map(|e| &e[..3]).collect();
    assert!(ouis.len() > 30_000, "{} OUIs", ouis.len());
    // OUIs no line names (the last is Wireshark's own test prefix's neighbour).
    ouis.extend([
        &[0xfe, 0xff, 0xff][..],
        &[0x12, 0x34, 0x56],
        &[0x02, 0x00, 0x00],
    ]);
    let mut pcap = Vec::new();
    for v in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, 1] {
        pcap.extend_from_slice(&v.to_le_bytes());
    }
    for (i, oui) in ouis.iter().enumerate() {
        // A broadcast to the local experimental EtherType, from the OUI.
        let mut frame = vec![0xff; 6];
        frame.extend_from_slice(oui);
        frame.extend_from_slice(&[0, 0, 1, 0x88, 0xb5, 0, 0]);
        for v in [i as u32, 0, frame.len() as u32, frame.len() as u32] {
            pcap.extend_from_slice(&v.to_le_bytes());
        }
        pcap.extend_from_slice(&frame);
    }
    let path = std::env::temp_dir().join(format!("wirelens-manuf-{}.pcap", std::process::id()));
    std::fs::write(&path, &pcap).expect("write capture");
    let theirs = Command::new("tshark")
        .arg("-n")
        .arg("-r")
        .arg(&path)
        .args(["-T", "pdml"])
        .output()
        .expect("tshark runs");
    let ours = Command::new(bin("wirelens"))
        .arg("list")
        .arg(&path)
        .args(["-T", "pdml"])
        .output()
        .expect("wirelens runs");
    let _ = std::fs::remove_file(&path);
    let (theirs, ours) = (oui_items(&theirs.stdout), oui_items(&ours.stdout));
    assert_eq!(theirs.len(), ouis.len() * 4 - 2 * 3, "tshark's items");
    let differ: Vec<_> = theirs.iter().zip(&ours).filter(|(a, b)| a != b).collect();
    assert!(
        differ.is_empty() && theirs.len() == ours.len(),
        "{} of {} items differ ({} ours), first {:?}",
        differ.len(),
        theirs.len(),
        ours.len(),
        differ.first()
    );
}

/// The source's OUI items (`eth.src.oui…`, `eth.addr.oui…` at offset 6) of a PDML, each
/// line with its entities written out and invalid UTF-8 (tshark cuts a name inside a
/// character) as U+FFFD.
fn oui_items(pdml: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(pdml)
        .lines()
        .map(str::trim)
        .filter(|l| l.contains(".oui") && l.contains("pos=\"6\""))
        .map(|l| {
            l.replace("&quot;", "\"")
                .replace("&#x27;", "'")
                .replace("&apos;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .collect()
}
