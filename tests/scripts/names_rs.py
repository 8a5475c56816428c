"""Write a Rust module of name tables from tshark's value strings (`tshark -G values`,
the `V` lines of the fields given): one `match` function per field. Used by
make-tls-names.py and make-mysql-names.py."""
import subprocess


def write(dest, whose, script, tables, hex_keys=False, optional=False):
    """`tables`: (Rust function, tshark field, doc comment). A function returns the name
    (or "Unknown"), or with `optional` an Option; `hex_keys` writes the values in hex."""
    fields = {field for _, field, _ in tables}
    out = subprocess.run(["tshark", "-G", "values"], check=True, capture_output=True, text=True).stdout
    version = subprocess.run(["tshark", "--version"], check=True, capture_output=True, text=True).stdout.split("\n")[0]
    values = {}
    for line in out.split("\n"):
        f = line.split("\t")
        if len(f) == 4 and f[0] == "V" and f[1] in fields:
            values.setdefault(f[1], {}).setdefault(int(f[2], 0), f[3])
    rs = [
        f"//! Names tshark gives {whose} values, from its value strings (`tshark -G values`).",
        f"//! Written by tests/scripts/{script} ({version.split(' (Git')[0]}); do not edit.",
        "",
    ]
    for fn, field, doc in tables:
        rs.append(f"/// {doc}")
        if optional:
            rs.append(f"pub(super) fn {fn}(v: u16) -> Option<&'static str> {{")
            rs.append("    Some(match v {")
        else:
            rs.append(f"pub(super) fn {fn}(v: u16) -> &'static str {{")
            rs.append("    match v {")
        for v, name in sorted(values[field].items()):
            text = name.replace("\\", "\\\\").replace('"', '\\"')
            key = f"0x{v:04x}" if hex_keys else str(v)
            rs.append(f"        {key} => \"{text}\",")
        if optional:
            rs.append("        _ => return None,")
            rs.append("    })")
        else:
            rs.append("        _ => \"Unknown\",")
            rs.append("    }")
        rs.append("}")
        rs.append("")
    with open(dest, "w") as f:
        f.write("\n".join(rs))
    subprocess.run(["rustfmt", "--edition", "2021", dest], check=True)
