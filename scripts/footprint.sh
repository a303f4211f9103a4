#!/usr/bin/env bash
# Strata's memory footprint next to qemu-storage-daemon's: the resident set (VmRSS) of each daemon idle, then with
# N qcow2 images opened as nodes, each exported over NBD and read once (64 KiB) by qemu-io through its export.
#
#   scripts/footprint.sh [-n NODES] [-w WORKDIR]
#
#   -n NODES    how many images (default 100)
#   -w WORKDIR  where the images and the daemons' homes go (default a new directory under /var/tmp)
#
# Strata is taken from $STRATA_DIST (default dist/target/strata of this checkout) and run from a copy in the work
# directory with the daemon's default JVM options of bin/strata; JAVA_OPTS in the environment is passed on, so
# other settings can be compared (e.g. JAVA_OPTS=-XX:+UseG1GC). Each daemon settles 5 s before it is measured.
set -euo pipefail

NODES=100
WORK=
while getopts "n:w:h" opt; do
    case $opt in
        n) NODES=$OPTARG ;;
        w) WORK=$OPTARG ;;
        *) sed -n '2,12p' "$0"; exit 2 ;;
    esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIST=${STRATA_DIST:-$ROOT/dist/target/strata}
[ -x "$DIST/bin/strata" ] || { echo "no install tree at $DIST: build it first (README)" >&2; exit 1; }
WORK=${WORK:-$(mktemp -d /var/tmp/strata-footprint.XXXXXX)}
mkdir -p "$WORK/images"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

rss_mib() {
    awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

for i in $(seq 1 "$NODES"); do
    [ -f "$WORK/images/disk$i.qcow2" ] && continue # a rerun in the same WORKDIR keeps them
    qemu-img create -q -f qcow2 "$WORK/images/disk$i.qcow2" 64M
    qemu-io -f qcow2 -c "write -P $((i % 255 + 1)) 0 64k" "$WORK/images/disk$i.qcow2" >/dev/null
done

read_exports() { # URL prefix, URL suffix
    for i in $(seq 1 "$NODES"); do
        qemu-io -r -f raw -c "read -P $((i % 255 + 1)) 0 64k" "$1$i$2" >/dev/null
    done
}

# Strata
HOME_DIR=$WORK/strata
rm -rf "$HOME_DIR"
cp -r "$DIST" "$HOME_DIR"
STRATA_NBD_LISTEN=unix:$HOME_DIR/run/nbd.sock "$HOME_DIR/bin/strata" --home "$HOME_DIR" daemon \
    >"$WORK/strata.out" 2>"$WORK/strata.err" &
strata_pid=$!
pids+=("$strata_pid")
for _ in $(seq 600); do
    grep -q "daemon running" "$WORK/strata.out" && break
    sleep 0.1
done
grep -q "daemon running" "$WORK/strata.out" || { echo "the daemon did not start: $(cat "$WORK/strata.err")" >&2; exit 1; }
sleep 5
strata_idle=$(rss_mib "$strata_pid")
for i in $(seq 1 "$NODES"); do
    echo "node:add --name disk$i $WORK/images/disk$i.qcow2"
    echo "export:add disk$i"
done | "$HOME_DIR/bin/strata" --home "$HOME_DIR" shell >/dev/null
read_exports "nbd+unix:///disk" "?socket=$HOME_DIR/run/nbd.sock"
sleep 5
strata_nodes=$(rss_mib "$strata_pid")
kill "$strata_pid"
wait "$strata_pid" || true

# qemu-storage-daemon, the same images and exports given on its command line
args=(--nbd-server "addr.type=unix,addr.path=$WORK/qsd.sock")
qemu-storage-daemon "${args[@]}" &
qsd_pid=$!
pids+=("$qsd_pid")
sleep 5
qsd_idle=$(rss_mib "$qsd_pid")
kill "$qsd_pid"
wait "$qsd_pid" || true
for i in $(seq 1 "$NODES"); do
    args+=(--blockdev "driver=file,node-name=file$i,filename=$WORK/images/disk$i.qcow2"
        --blockdev "driver=qcow2,node-name=disk$i,file=file$i"
        --export "type=nbd,id=export$i,node-name=disk$i,name=disk$i")
done
rm -f "$WORK/qsd.sock"
qemu-storage-daemon "${args[@]}" &
qsd_pid=$!
pids+=("$qsd_pid")
for _ in $(seq 100); do
    [ -S "$WORK/qsd.sock" ] && break
    sleep 0.1
done
read_exports "nbd+unix:///disk" "?socket=$WORK/qsd.sock"
sleep 5
qsd_nodes=$(rss_mib "$qsd_pid")

echo "| daemon | idle | $NODES qcow2 nodes exported, each read once |"
echo "|---|---|---|"
echo "| Strata (JAVA_OPTS=${JAVA_OPTS:-}) | $strata_idle MiB | $strata_nodes MiB |"
echo "| qemu-storage-daemon | $qsd_idle MiB | $qsd_nodes MiB |"
