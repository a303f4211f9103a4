#!/usr/bin/env bash
# Makes the fuzz targets' seeds: small images of every format and subformat, written by qemu-img and qemu-io,
# encoded as the targets read them (org.strata.testkit.fuzz.SparseImage: only the non-zero sectors), into each
# target's inputs directory under src/test/resources. The seeds are committed; run this again only to change them
# (it overwrites the seeds it makes and leaves saved findings, crash-*, alone).
#   scripts/fuzz-seeds.sh [FORMAT...]     (qcow2 vmdk vpc vhdx vdi; all when none is named)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

mvn -B -q -o -pl bundles/testkit -am compile >/dev/null
cp="$root/bundles/testkit/target/classes:$root/bundles/api/target/classes"
work=$(mktemp -d)
nbd_pid=
record_pid=
cleanup() {
  for pid in $nbd_pid $record_pid; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

img() { qemu-img "$@" >/dev/null; }
io() { qemu-io "$@" >/dev/null; }

# seed DIR NAME FILE: encodes FILE as DIR's seed NAME
seed() {
  mkdir -p "$root/$1"
  java -cp "$cp" org.strata.testkit.fuzz.SparseImage encode "$3" "$root/$1/$2"
}

qcow2() {
  local d=bundles/format-qcow2/src/test/resources/org/strata/format/qcow2/Qcow2FuzzTestInputs/image
  img create -f qcow2 -o cluster_size=512 v3.qcow2 1M
  io -c 'write -P 1 0 1k' -c 'write -z 4k 1k' -c 'discard 8k 512' v3.qcow2
  seed $d v3-data-zero-discard v3.qcow2
  img create -f qcow2 -o compat=0.10,cluster_size=512 v2.qcow2 1M
  io -c 'write -P 2 512 1k' v2.qcow2
  seed $d v2 v2.qcow2
  img create -f qcow2 -o cluster_size=512,refcount_bits=1 r1.qcow2 1M
  io -c 'write -P 3 0 2k' r1.qcow2
  seed $d refcount-bits-1 r1.qcow2
  img create -f qcow2 -o cluster_size=512,refcount_bits=64,lazy_refcounts=on r64.qcow2 1M
  io -c 'write -P 3 0 2k' r64.qcow2
  seed $d refcount-bits-64-lazy r64.qcow2
  img create -f qcow2 -o cluster_size=16k,extended_l2=on l2.qcow2 1M
  io -c 'write -P 4 2k 2k' -c 'write -z 8k 2k' l2.qcow2
  seed $d extended-l2 l2.qcow2
  img create -f qcow2 -o cluster_size=512 base.qcow2 1M
  img create -f qcow2 -o cluster_size=512 -b base.qcow2 -F qcow2 backed.qcow2 1M
  io -c 'write -P 5 1k 512' backed.qcow2
  seed $d backing-file backed.qcow2
  img create -f qcow2 -o cluster_size=512,data_file=data.raw ext.qcow2 1M
  io -c 'write -P 6 0 1k' ext.qcow2
  seed $d external-data-file ext.qcow2
  img create -f qcow2 -o cluster_size=512 snap.qcow2 1M
  io -c 'write -P 7 0 1k' snap.qcow2
  img snapshot -c first snap.qcow2
  io -c 'write -P 8 0 512' snap.qcow2
  img snapshot -c second snap.qcow2
  seed $d snapshots snap.qcow2
  img create -f qcow2 -o cluster_size=512 bm.qcow2 1M
  img bitmap --add bm.qcow2 b0
  img bitmap --add -g 64k bm.qcow2 b1
  io -c 'write -P 9 0 1k' bm.qcow2
  seed $d bitmaps bm.qcow2
  head -c 4k /dev/urandom > random.raw
  printf 'compressible%.0s' $(seq 300) >> random.raw
  img convert -c -f raw -O qcow2 -o cluster_size=4k random.raw zlib.qcow2
  seed $d compressed-zlib zlib.qcow2
  img convert -c -f raw -O qcow2 -o cluster_size=4k,compression_type=zstd random.raw zstd.qcow2
  seed $d compressed-zstd zstd.qcow2
}

vmdk() {
  local d=bundles/format-vmdk/src/test/resources/org/strata/format/vmdk/VmdkFuzzTestInputs/image
  img create -f vmdk sparse.vmdk 1M
  io -c 'write -P 1 0 1k' -c 'write -P 2 128k 512' sparse.vmdk
  seed $d monolithic-sparse sparse.vmdk
  img create -f vmdk -o zeroed_grain=on,adapter_type=lsilogic,hwversion=6 zeroed.vmdk 1M
  io -c 'write -P 1 0 1k' -c 'write -z 64k 64k' zeroed.vmdk
  seed $d zeroed-grain zeroed.vmdk
  head -c 4k /dev/urandom > random.raw
  printf 'compressible%.0s' $(seq 300) >> random.raw
  img convert -f raw -O vmdk -o subformat=streamOptimized random.raw stream.vmdk
  seed $d stream-optimized stream.vmdk
  img create -f vmdk -o subformat=monolithicFlat flat.vmdk 1M
  seed $d monolithic-flat-descriptor flat.vmdk
  img create -f vmdk -o subformat=twoGbMaxExtentSparse split.vmdk 1M
  seed $d two-gb-sparse-descriptor split.vmdk
  img create -f vmdk -o subformat=twoGbMaxExtentFlat split-flat.vmdk 1M
  seed $d two-gb-flat-descriptor split-flat.vmdk
  img create -f vmdk -b sparse.vmdk -F vmdk child.vmdk 1M
  io -c 'write -P 3 512 512' child.vmdk
  seed $d with-parent child.vmdk
}

vpc() {
  local d=bundles/format-vpc/src/test/resources/org/strata/format/vpc/VpcFuzzTestInputs/image
  img create -f vpc dynamic.vhd 1M
  io -c 'write -P 1 0 1k' dynamic.vhd
  seed $d dynamic dynamic.vhd
  img create -f vpc -o force_size=on forced.vhd 1M
  seed $d dynamic-force-size forced.vhd
  img create -f vpc -o subformat=fixed fixed.vhd 64k
  io -f vpc -c 'write -P 2 0 1k' fixed.vhd
  seed $d fixed fixed.vhd
}

vhdx() {
  local d=bundles/format-vhdx/src/test/resources/org/strata/format/vhdx/VhdxFuzzTestInputs/image
  img create -f vhdx dynamic.vhdx 1M
  io -c 'write -P 1 0 1k' dynamic.vhdx
  seed $d dynamic dynamic.vhdx
  img create -f vhdx -o subformat=fixed fixed.vhdx 1M
  seed $d fixed fixed.vhdx
  img create -f vhdx -o block_size=1M,log_size=1M,block_state_zero=off small-log.vhdx 2M
  io -c 'write -P 2 1M 512' -c 'write -z 0 1M' small-log.vhdx
  seed $d block-1m-zero-block small-log.vhdx
  # a pending log: the BAT write after the log entry fails (blkdebug), as a crash would stop it
  img create -f vhdx pending.vhdx 16M
  printf '[inject-error]\nevent = "pwritev"\nerrno = "5"\nsector = "4096"\nonce = "on"\n' > blkdebug.conf
  io -c 'write -P 0x5a 1M 512' "json:{\"driver\":\"vhdx\",\"file\":{\"driver\":\"blkdebug\",\"config\":\"$PWD/blkdebug.conf\",\"image\":{\"driver\":\"file\",\"filename\":\"$PWD/pending.vhdx\"}}}" || true
  seed $d pending-log pending.vhdx
}

vdi() {
  local d=bundles/format-vdi/src/test/resources/org/strata/format/vdi/VdiFuzzTestInputs/image
  img create -f vdi dynamic.vdi 4M
  io -c 'write -P 1 0 1k' -c 'write -P 2 2M 512' dynamic.vdi
  seed $d dynamic dynamic.vdi
  img create -f vdi -o static=on static.vdi 1M
  io -c 'write -P 3 0 512' static.vdi
  seed $d static static.vdi
}

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# NBD sessions of qemu's and libnbd's clients with qemu-nbd, recorded by scripts/nbd-record.py: what the clients
# sent seeds the server's target, what qemu-nbd answered seeds the client's target.
nbd() {
  local server=bundles/nbd-server/src/test/resources/org/strata/nbd/server/NbdServerFuzzTestInputs/clientBytes
  local client=bundles/storage-nbd/src/test/resources/org/strata/storage/nbd/NbdClientFuzzTestInputs/serverBytes
  local sessions=(qemu-img-info qemu-io-requests nbdinfo-list nbdinfo-map nbdinfo-allocation-depth nbdsh-requests)
  img create -f raw disk.raw 1M
  io -f raw -c 'write -P 7 0 64k' disk.raw
  local upstream listen
  upstream=$(free_port)
  listen=$(free_port)
  qemu-nbd -f raw -x fuzz -A --persistent -b 127.0.0.1 -p "$upstream" disk.raw &
  nbd_pid=$!
  /usr/bin/python3 "$root/scripts/nbd-record.py" "$listen" "$upstream" "$work" "${sessions[@]}" > record.out &
  record_pid=$!
  for _ in $(seq 50); do grep -q listening record.out 2>/dev/null && break; sleep 0.1; done
  local url=nbd://127.0.0.1:$listen/fuzz
  sleep 0.5
  img info "$url"
  io -f raw -c 'read 0 4k' -c 'write -P 1 4k 4k' -c 'write -z 8k 4k' -c 'discard 12k 4k' -c 'flush' "$url"
  nbdinfo --list "$url" >/dev/null
  nbdinfo --map "$url" >/dev/null
  nbdinfo --map=qemu:allocation-depth "$url" >/dev/null
  /usr/bin/python3 -m nbd --base-allocation -u "$url" -c 'h.pread(4096, 0)' -c 'h.pwrite(b"\x05" * 4096, 4096, nbd.CMD_FLAG_FUA)' \
    -c 'h.zero(4096, 8192)' -c 'h.trim(4096, 12288)' -c 'h.flush()' -c 'h.cache(4096, 0)' \
    -c 'h.block_status(65536, 0, lambda *a: 0)'
  wait "$record_pid"
  mkdir -p "$root/$server" "$root/$client"
  for s in "${sessions[@]}"; do
    cp "$s.client" "$root/$server/$s"
    cp "$s.server" "$root/$client/$s"
  done
}

case $# in
  0) set -- qcow2 vmdk vpc vhdx vdi nbd ;;
esac
for format in "$@"; do
  "$format"
done
