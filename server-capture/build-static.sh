#!/usr/bin/env bash
# A statically linked x86_64 Linux wirelens-capture: musl, with libpcap built from source
# and linked in. Needs, at build time only: musl-tools, flex, bison (and autoconf for a
# libpcap git checkout), and the Rust target x86_64-unknown-linux-musl.
#
#   sudo apt-get install musl-tools flex bison autoconf
#   rustup target add x86_64-unknown-linux-musl
#   server-capture/build-static.sh            # prints the binary's path
#
# libpcap's source: $LIBPCAP_SRC (a release tarball unpacked, or a git checkout), else
# the release tarball LIBPCAP_VERSION downloaded from tcpdump.org.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
TARGET=x86_64-unknown-linux-musl
LIBPCAP_VERSION=${LIBPCAP_VERSION:-1.10.5}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$TARGET_DIR/libpcap-musl
PREFIX=$WORK/install

for tool in musl-gcc flex bison; do
  command -v "$tool" >/dev/null || { echo "build-static.sh: $tool is missing (apt-get install musl-tools flex bison)" >&2; exit 1; }
done
rustup target list --installed 2>/dev/null | grep -qx "$TARGET" \
  || { echo "build-static.sh: rustup target add $TARGET" >&2; exit 1; }

if [ ! -f "$PREFIX/lib/libpcap.a" ]; then
  rm -rf "$WORK" && mkdir -p "$WORK"
  if [ -n "${LIBPCAP_SRC:-}" ]; then
    cp -a "$LIBPCAP_SRC" "$WORK/src"
  else
    curl -fsSL "https://www.tcpdump.org/release/libpcap-$LIBPCAP_VERSION.tar.xz" | tar -xJ -C "$WORK"
    mv "$WORK/libpcap-$LIBPCAP_VERSION" "$WORK/src"
  fi
  # musl-gcc sees only musl's headers: libpcap needs the kernel's (linux/if_packet.h ...),
  # which are the same whatever the C library.
  mkdir -p "$WORK/kernel-headers"
  ln -sfn /usr/include/linux "$WORK/kernel-headers/linux"
  ln -sfn /usr/include/asm-generic "$WORK/kernel-headers/asm-generic"
  ln -sfn "/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/asm" "$WORK/kernel-headers/asm"
  cd "$WORK/src"
  [ -x configure ] || ./autogen.sh >/dev/null 2>&1
  # Only what a Linux capture needs: no D-Bus, RDMA, Bluetooth, USB, netlink (libnl),
  # DPDK or remote capture, so nothing else has to be linked.
  CC=musl-gcc CFLAGS="-O2 -I$WORK/kernel-headers" ./configure --host=x86_64-linux-musl \
    --prefix="$PREFIX" --with-pcap=linux --disable-shared --disable-dbus --disable-rdma \
    --disable-bluetooth --disable-usb --disable-netmap --disable-remote --without-libnl \
    --without-dpdk --without-dag --without-septel --without-snf --without-turbocap >/dev/null
  make -j"$(nproc)" >/dev/null
  make install >/dev/null
  cd "$ROOT"
fi

# The pcap crate's build script finds libpcap in LIBPCAP_LIBDIR; only the static archive
# is there, so the musl target (static by default) links it in.
LIBPCAP_LIBDIR="$PREFIX/lib" LIBPCAP_VER="$LIBPCAP_VERSION" \
  cargo build --release --target "$TARGET" -p wirelens-capture --bin wirelens-capture >&2
BIN=$TARGET_DIR/$TARGET/release/wirelens-capture
file "$BIN" >&2 || true
echo "$BIN"
