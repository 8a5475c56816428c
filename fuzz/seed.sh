#!/usr/bin/env bash
# Seeds the fuzz targets' corpora (fuzz/corpus/<target>/, gitignored: third-party files
# are not committed). Running it again adds nothing new and rewrites what it wrote.
#
# - ingest: the small capture files (< MAX_BYTES) of the third-party corpus
#   (../shared/corpus, skipped when absent) and of the repository's test data: every file
#   whose first bytes are a pcap or pcapng magic, or gzip/bzip2/zstd/xz (the core reads
#   compressed captures). Copies are named by their SHA-1, as libFuzzer names its own.
# - memcache, redis, mysql, http, dns, tls, tls_decrypt, http2, pgsql: real conversations of the captures listed in
#   examples/seed.rs, followed and cut into the targets' piece format
#   (common/pieces.rs); `cargo run --example seed` writes them.
# - filter: the filters of tests/golden/filter/EXPRESSIONS, one per file.
# - quic: the QUIC captures (tests/data/servers/quic.pcap, the corpus's quic_handshake.pcap).
#
# Usage: fuzz/seed.sh [MAX_BYTES]   (default 65535)
set -euo pipefail

fuzz=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$fuzz")
max=${1:-65535}
corpus=$fuzz/corpus
out=$corpus/ingest
mkdir -p "$out"

dirs=()
for d in "$repo/../shared/corpus" "$repo/tests/data" "$repo/core/tests/data" "$repo/static"; do
    [[ -d $d ]] && dirs+=("$d")
done
if [[ ! -d $repo/../shared/corpus ]]; then
    echo "note: $repo/../shared/corpus is absent; seeding from the repository's test data only" >&2
fi

before=$(find "$out" -type f | wc -l)
while IFS= read -r -d '' f; do
    magic=$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')
    case $magic in
        d4c3b2a1|a1b2c3d4|4d3cb2a1|a1b23c4d|34cdb2a1|a1b2cd34|0a0d0d0a) ;;   # pcap, pcapng
        1f8b*|425a68*|28b52ffd|fd377a58) ;;                                  # gzip, bzip2, zstd, xz
        *) continue ;;
    esac
    sum=$(sha1sum "$f" | cut -d' ' -f1)
    [[ -e $out/$sum ]] || cp "$f" "$out/$sum"
done < <(find "${dirs[@]}" -type f -size -"$((max + 1))"c -print0)
after=$(find "$out" -type f | wc -l)
echo "$out: $after files ($((after - before)) new)"

# The QUIC target: capture files of QUIC conversations, as they are.
mkdir -p "$corpus/quic"
for f in "$repo/tests/data/servers/quic.pcap" "$repo/../shared/corpus/tcpdump/quic_handshake.pcap"; do
    [[ -f $f ]] && cp "$f" "$corpus/quic/$(sha1sum "$f" | cut -c1-40)"
done
echo "$corpus/quic: $(find "$corpus/quic" -type f | wc -l) files"

# The application parsers' targets: real conversations in their piece format.
(cd "$fuzz" && cargo run --quiet --example seed -- "$repo" "$corpus")

# The display-filter target: one filter a file, named by its SHA-1.
mkdir -p "$corpus/filter"
n=0
while IFS= read -r f; do
    [[ -z $f || $f == \#* ]] && continue
    printf '%s' "$f" > "$corpus/filter/$(printf '%s' "$f" | sha1sum | cut -c1-40)"
    n=$((n + 1))
done < "$repo/tests/golden/filter/EXPRESSIONS"
echo "$corpus/filter: $n filters"
