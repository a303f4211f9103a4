#!/usr/bin/env bash
# Strata's image:bench and image:convert next to qemu-img bench and qemu-img convert: same options, same images,
# same run, one tool after the other (never both at once), each case repeated; medians are reported.
#
#   scripts/bench-image.sh [-r REPS] [-c COUNT] [-C DIRECT_COUNT] [-R RBD_COUNT] [-d DEPTH] [-w WORKDIR]
#                          [-o RESULTS.md] [lines|bench|convert|all] [FILTER]
#
#   lines            only the lines of the performance issue (start-up, convert, allocating writes, NBD, RBD)
#   bench, convert   every image:bench case, every image:convert case (about 30 minutes for both)
#
# Every row gives qemu/strata, QEMU's time over Strata's: above 1, Strata is faster.
#
#   -r REPS          repetitions of every case (default 3; the order of the two tools alternates)
#   -c COUNT         requests per bench run with the page cache (-t writeback), default 100000
#   -C DIRECT_COUNT  requests per bench run with O_DIRECT (-t none), default 20000 (a virtual disk is slow)
#   -d DEPTH         the deep queue depth (default 16; every case also runs at -d 1)
#   -R RBD_COUNT     requests per RBD bench run, default 5000 (a request is a round trip to the cluster)
#   -w WORKDIR       where the images go (default a new directory under /var/tmp; it needs about 6 GiB free)
#   -o RESULTS.md    also write the tables there
#   FILTER           only the cases whose name contains it (e.g. "qcow2-fresh", "write", "convert qcow2->raw")
#
# Strata is taken from $STRATA_DIST (default dist/target/strata of this checkout: run `mvn -B install -DskipTests`
# first) and copied into the work directory, so the install tree is never written to. `strata run` starts a JVM
# and an embedded OSGi framework for every call: the tables give the work itself ("Run completed in", printed by
# both tools) and the whole call (wall clock, start-up included); convert has only the wall clock, and the
# "start-up" row (image:info on a small image) says what the start-up adds to each Strata call.
#
# The RBD lines (filter "RBD") use the Ceph cluster whose configuration file $STRATA_CEPH_CONF names (pool
# $STRATA_CEPH_POOL, default strata), or else start a throwaway single-node cluster, the tests' (the test kit's
# CephCluster: the Ceph packages of scripts/test.sh, and the jars `mvn -B install -DskipTests` builds).
set -euo pipefail

REPS=3
COUNT=100000
DIRECT_COUNT=20000
RBD_COUNT=5000
DEPTH=16
WORK=
OUT=
while getopts "r:c:C:R:d:w:o:h" opt; do
    case $opt in
        r) REPS=$OPTARG ;;
        c) COUNT=$OPTARG ;;
        C) DIRECT_COUNT=$OPTARG ;;
        R) RBD_COUNT=$OPTARG ;;
        d) DEPTH=$OPTARG ;;
        w) WORK=$OPTARG ;;
        o) OUT=$OPTARG ;;
        *) sed -n '2,30p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
WHAT=${1:-all}
FILTER=${2:-}
case $WHAT in lines|bench|convert|all) ;; *) sed -n '2,30p' "$0"; exit 2 ;; esac

REPO=$(cd "$(dirname "$0")/.." && pwd)
DIST=${STRATA_DIST:-$REPO/dist/target/strata}
if [ ! -x "$DIST/bin/strata" ]; then
    echo "no Strata install tree at $DIST: run 'mvn -B install -DskipTests' first (or set STRATA_DIST)" >&2
    exit 1
fi
for tool in qemu-img qemu-io qemu-storage-daemon python3; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install qemu-utils python3)" >&2; exit 1; }
done

# On exit: stop the daemon (if one was started) and remove the work directory (if it is ours).
DAEMON=
QSD=
CEPH=
RBD_IMAGE=
OWN_WORK=
cleanup() {
    if [ -n "$QSD" ]; then kill "$QSD" 2>/dev/null; wait "$QSD" 2>/dev/null || true; fi
    if [ -n "$RBD_IMAGE" ]; then rbd -c "$CEPH_CONF" rm --no-progress "$RBD_IMAGE" >/dev/null 2>&1 || true; fi
    if [ -n "$CEPH" ]; then stop_ceph; fi
    if [ -n "$DAEMON" ]; then kill "$DAEMON" 2>/dev/null; wait "$DAEMON" 2>/dev/null || true; fi
    if [ -n "$OWN_WORK" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
if [ -z "$WORK" ]; then
    WORK=$(mktemp -d /var/tmp/strata-bench.XXXXXX)
    OWN_WORK=1
fi
mkdir -p "$WORK"
rm -rf "$WORK/strata"
cp -r "$DIST" "$WORK/strata"
STRATA="$WORK/strata/bin/strata"
# The first run and exec of the copy make its class-data archives (bin/strata): not in a timed call.
"$STRATA" run lb >/dev/null 2>&1 || true
"$STRATA" exec lb >/dev/null 2>&1 || true
RESULTS=$WORK/results.md
: >"$RESULTS"

say() { printf '%s\n' "$*" | tee -a "$RESULTS"; }
now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
wanted() { [ -z "$FILTER" ] || [[ $1 == *"$FILTER"* ]]; }

# run_timed FILE CMD...: runs CMD, appends "wall work" (work: its "Run completed in" seconds, or - ) to FILE
run_timed() {
    local file=$1 out t0 t1 work
    shift
    t0=$(now)
    if ! out=$("$@" 2>&1); then
        echo "FAILED: $*" >&2
        printf '%s\n' "$out" | tail -5 >&2
        exit 1
    fi
    t1=$(now)
    work=$(printf '%s\n' "$out" | sed -n 's/^Run completed in \([0-9.]*\) seconds\..*/\1/p' | tail -1)
    echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') ${work:--}" >>"$file"
}

# compare_case NAME PREP QEMU_CMD STRATA_CMD: "PREP qemu" / "PREP strata" (PREP a function or "true") runs before
# every single run of that tool
compare_case() {
    local name=$1 prep=$2 qcmd=$3 scmd=$4 r
    local q=$WORK/times.qemu s=$WORK/times.strata
    : >"$q"
    : >"$s"
    for r in $(seq "$REPS"); do
        if [ $((r % 2)) -eq 1 ]; then
            $prep qemu; eval "run_timed $q $qcmd"
            $prep strata; eval "run_timed $s $scmd"
        else
            $prep strata; eval "run_timed $s $scmd"
            $prep qemu; eval "run_timed $q $qcmd"
        fi
    done
    local qw qk sw sk
    qw=$(awk '{ print $1 }' "$q" | median)
    sw=$(awk '{ print $1 }' "$s" | median)
    qk=$(awk '$2 != "-" { print $2 }' "$q" | median)
    sk=$(awk '$2 != "-" { print $2 }' "$s" | median)
    if [ "$qk" = "-" ]; then # no "Run completed" time: the work is the whole call
        qk=$qw
        sk=$sw
    fi
    say "$(awk -v n="$name" -v qk="$qk" -v sk="$sk" -v qw="$qw" -v sw="$sw" 'BEGIN {
        printf "| %s | %.3f | %.3f | %.2f | %.2f | %.2f |", n, qk, sk, qk / sk, qw, sw }')"
}

# table_header: the columns every compare_case row fills
table_header() {
    say "| case | qemu-img | strata | qemu/strata | qemu-img call | strata call |"
    say "|---|---|---|---|---|---|"
}

describe_machine() {
    say "Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), \
$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) memory, kernel $(uname -r); \
work directory on $(df -T "$WORK" | awk 'NR == 2 { print $2 }') ($(df "$WORK" | awk 'NR == 2 { print $1 }'))."
    say "Tools: $(qemu-img --version | head -1); $(java -version 2>&1 | head -1); repetitions: $REPS (medians)."
}

# ---------------------------------------------------------------------------------------------- image:bench

fresh_qcow2() { rm -f "$WORK/fresh.qcow2"; qemu-img create -q -f qcow2 "$WORK/fresh.qcow2" 1G; }

bench_part() {
    say ""
    say "### image:bench vs qemu-img bench (1 GiB images; seconds)"
    say ""
    say "Writeback runs: $COUNT requests; -t none runs: $DIRECT_COUNT requests. \"work\" is the \"Run completed in\""
    say "time each tool prints; \"call\" is the whole command, start-up included."
    say ""
    table_header
    qemu-img create -q -f raw -o preallocation=full "$WORK/bench.raw" 1G
    qemu-img create -q -f qcow2 -o preallocation=metadata "$WORK/prealloc.qcow2" 1G
    local img fmt file prep cache size depth rw count name opts
    for img in raw qcow2-prealloc qcow2-fresh; do
        case $img in
            raw) fmt=raw file=$WORK/bench.raw ;;
            qcow2-prealloc) fmt=qcow2 file=$WORK/prealloc.qcow2 ;;
            qcow2-fresh) fmt=qcow2 file=$WORK/fresh.qcow2 ;;
        esac
        for cache in writeback none; do
            for rw in read write; do
                for size in 4k 64k; do
                    for depth in 1 "$DEPTH"; do
                        name="$img $rw $size -d $depth -t $cache"
                        wanted "$name" || continue
                        count=$COUNT
                        [ "$cache" = none ] && count=$DIRECT_COUNT
                        opts="-f $fmt -t $cache -c $count -d $depth -s $size"
                        [ "$rw" = write ] && opts="$opts -w"
                        prep=true
                        if [ "$img" = qcow2-fresh ]; then
                            prep=fresh_qcow2
                            fresh_qcow2
                        fi
                        compare_case "$name" "$prep" "qemu-img bench $opts $file" "$STRATA run image:bench $opts $file"
                    done
                done
            done
        done
    done
    rm -f "$WORK/bench.raw" "$WORK/prealloc.qcow2" "$WORK/fresh.qcow2"
}

# ---------------------------------------------------------------------------------------------- image:convert

# A 2 GiB qcow2 image, half allocated: in every 2 MiB, either one 1 MiB extent or sixteen 64 KiB extents (every
# other 64 KiB), written by qemu-io in a shuffled order (so the host clusters are scattered), with data that is
# partly compressible (a quarter random, the rest text).
make_convert_source() {
    python3 - "$WORK/pattern.bin" "$WORK/writes.txt" <<'EOF'
import os, random, sys
rnd = random.Random(1)
out = bytearray()
i = 0
while len(out) < (1 << 20):
    if i % 4 == 0:
        out += bytes(rnd.getrandbits(8) for _ in range(4096))
    else:
        text = ''.join(f"{rnd.randint(0, 10**6)} line of text {i}\n" for _ in range(200)).encode()
        out += text[:4096].ljust(4096, b'.')
    i += 1
open(sys.argv[1], 'wb').write(out[:1 << 20])
M, K64 = 1 << 20, 64 << 10
cmds = []
for slot in range(1024):
    base = slot * 2 * M
    if slot % 2 == 0:
        cmds.append(f"write -q -s {sys.argv[1]} {base} 1M")
    else:
        cmds += [f"write -q -s {sys.argv[1]} {base + 2 * j * K64} 64k" for j in range(16)]
random.Random(7).shuffle(cmds)
open(sys.argv[2], 'w').write('\n'.join(cmds) + '\n')
EOF
    qemu-img create -q -f qcow2 "$WORK/src.qcow2" 2G
    qemu-io -t unsafe -f qcow2 "$WORK/src.qcow2" <"$WORK/writes.txt" >/dev/null
    qemu-img convert -O raw "$WORK/src.qcow2" "$WORK/src.raw"
}

# clean_targets: checks what the last runs wrote (a target's guest data must equal its source's) and removes
# every target, then writes back what is dirty: each timed run starts from the same state. (Keeping the other
# tool's target until after the next run made that next run up to twice as slow on ext4 here, whichever tool.)
clean_targets() {
    local t
    for t in "$WORK/out.qemu" "$WORK/out.strata"; do
        [ -e "$t" ] || continue
        qemu-img compare -q -f "$CONVERT_SFMT" -F "$CONVERT_OFMT" "$CONVERT_SRC" "$t" \
            || { echo "convert $CONVERT_NAME: $t differs from its source" >&2; exit 1; }
        rm -f "$t"
    done
    sync
}

# convert_case NAME SRC SRC_FMT OUT_FMT [OPTIONS [HOWS]]: HOWS "run exec" by default
convert_case() {
    local name=$1 src=$2 sfmt=$3 ofmt=$4 opts=${5:-} hows=${6:-run exec}
    wanted "convert $name" || return 0
    CONVERT_NAME=$name CONVERT_SRC=$src CONVERT_SFMT=$sfmt CONVERT_OFMT=$ofmt
    local how
    for how in $hows; do
        # "run": a short-lived embedded agent per call (start-up included); "exec": the running daemon does it
        compare_case "$name ($how)" clean_targets "qemu-img convert -f $sfmt -O $ofmt $opts $src $WORK/out.qemu" \
            "$STRATA $how image:convert -f $sfmt -O $ofmt $opts $src $WORK/out.strata"
        clean_targets
    done
}

# start_daemon: a daemon on the copied install tree (its NBD listener on a socket of the work directory)
start_daemon() {
    [ -z "$DAEMON" ] || return 0
    STRATA_NBD_LISTEN="unix:$WORK/nbd.sock" "$STRATA" daemon >"$WORK/daemon.log" 2>&1 &
    DAEMON=$!
    local i
    for i in $(seq 300); do
        grep -q "daemon running" "$WORK/daemon.log" && return 0
        sleep 0.1
    done
    echo "the daemon did not start: $(cat "$WORK/daemon.log")" >&2
    exit 1
}

# startup_case [HOWS]: image:info of a small image, through `strata run` (and `strata exec` if HOWS says so)
startup_case() {
    local how
    wanted "start-up" || return 0
    qemu-img create -q -f qcow2 "$WORK/small.qcow2" 64M
    for how in ${1:-run}; do
        compare_case "start-up: info of a small image ($how)" true "qemu-img info $WORK/small.qcow2" \
            "$STRATA $how image:info $WORK/small.qcow2"
    done
    rm -f "$WORK/small.qcow2"
}

convert_part() {
    say ""
    say "### image:convert vs qemu-img convert (2 GiB image, 1 GiB of data in 1 MiB / 64 KiB extents; seconds, wall clock)"
    say ""
    say "Source and target in $WORK (one file system, page cache warm). \"run\" rows: \`strata run\`, a new JVM and"
    say "embedded agent per call, start-up included (see the first row); \"exec\" rows: \`strata exec\` to a running"
    say "daemon, as a host runs Strata (the daemon has done one untimed conversion before: its JIT is warm)."
    say ""
    table_header
    startup_case
    start_daemon
    make_convert_source
    # A host's daemon runs for days: let its JIT compiler see a conversion before the timed ones (untimed)
    "$STRATA" exec image:convert -f qcow2 -O raw "$WORK/src.qcow2" "$WORK/warm-up.raw" >/dev/null
    rm -f "$WORK/warm-up.raw"
    convert_case "qcow2->raw" "$WORK/src.qcow2" qcow2 raw
    convert_case "qcow2->qcow2" "$WORK/src.qcow2" qcow2 qcow2
    convert_case "raw->qcow2" "$WORK/src.raw" raw qcow2
    convert_case "raw->raw" "$WORK/src.raw" raw raw
    convert_case "qcow2->qcow2 -c" "$WORK/src.qcow2" qcow2 qcow2 -c
    convert_case "qcow2->raw -t none -T none" "$WORK/src.qcow2" qcow2 raw "-t none -T none"
    # -C: copy offloading, the kernel copies data runs (copy_file_range), both tools
    convert_case "qcow2->raw -C" "$WORK/src.qcow2" qcow2 raw -C
    convert_case "raw->raw -C" "$WORK/src.raw" raw raw -C
    rm -f "$WORK/src.qcow2" "$WORK/src.raw"
}

# ---------------------------------------------------------------------------------------------- NBD

# multi_bench N URL OPTS...: N qemu-img bench clients at once against URL, each COUNT/N requests of OPTS, each
# starting at another 64 MiB (-o); prints "Run completed in" the wall time of them all, as one bench would
multi_bench() {
    local n=$1 url=$2 i t0 t1 pids=()
    shift 2
    t0=$(now)
    for i in $(seq 0 $((n - 1))); do
        qemu-img bench -f raw -t none -n -c $((COUNT / n)) -o $((i * 64))M "$@" "$url" >/dev/null &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || return 1; done
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "Run completed in %.3f seconds.\n", b - a }'
}

# start_qsd IMAGE: qemu-storage-daemon exporting IMAGE (raw, page cache) as "bench" on $WORK/qsd.sock
start_qsd() {
    qemu-storage-daemon \
        --blockdev "driver=file,node-name=file0,filename=$1,cache.direct=off,aio=threads" \
        --blockdev driver=raw,node-name=fmt0,file=file0 \
        --nbd-server "addr.type=unix,addr.path=$WORK/qsd.sock" \
        --export type=nbd,id=exp0,node-name=fmt0,name=bench,writable=on >"$WORK/qsd.log" 2>&1 &
    QSD=$!
    local i
    for i in $(seq 100); do
        qemu-img info "nbd+unix:///bench?socket=$WORK/qsd.sock" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "qemu-storage-daemon did not start: $(cat "$WORK/qsd.log")" >&2
    exit 1
}

# nbd_lines: Strata's NBD server (an export of the daemon) against qemu-storage-daemon over Unix sockets, the same
# client (qemu-img bench, strided "random" offsets) at depth 32, and several connections at once (multi-conn);
# each server has its own copy of a 256 MiB preallocated raw image (each locks its own)
nbd_lines() {
    wanted "NBD" || return 0
    start_daemon
    qemu-img create -q -f raw -o preallocation=full "$WORK/nbd-strata.raw" 256M
    cp "$WORK/nbd-strata.raw" "$WORK/nbd-qemu.raw"
    # (nodes and exports persist in the install tree: one left by an earlier daemon of the copied tree goes first)
    "$STRATA" exec export:remove bench >/dev/null 2>&1 || true
    "$STRATA" exec node:remove bench >/dev/null 2>&1 || true
    "$STRATA" exec node:add -f raw --name bench "$WORK/nbd-strata.raw" >/dev/null
    "$STRATA" exec export:add --writable bench >/dev/null
    start_qsd "$WORK/nbd-qemu.raw"
    local ours="nbd+unix:///bench?socket=$WORK/nbd.sock" theirs="nbd+unix:///bench?socket=$WORK/qsd.sock"
    local stride="-S $((4096 * 104729))" rw name url
    for url in "$theirs" "$ours"; do # warm-up (the daemon's JIT), untimed
        qemu-img bench -f raw -t none -n -c 20000 -d 32 -s 4k $stride -w "$url" >/dev/null
    done
    for rw in read write; do
        local w=
        [ "$rw" = write ] && w=-w
        name="NBD rand$rw 4k -d 32"
        wanted "$name" && compare_case "$name" true \
            "qemu-img bench -f raw -t none -n -c $COUNT -d 32 -s 4k $stride $w '$theirs'" \
            "qemu-img bench -f raw -t none -n -c $COUNT -d 32 -s 4k $stride $w '$ours'"
        name="NBD multi-conn 4 x rand$rw 4k -d 8"
        wanted "$name" && compare_case "$name" true "multi_bench 4 '$theirs' -d 8 -s 4k $stride $w" \
            "multi_bench 4 '$ours' -d 8 -s 4k $stride $w"
    done
    kill "$QSD" 2>/dev/null; wait "$QSD" 2>/dev/null || true
    QSD=
    "$STRATA" exec export:remove bench >/dev/null
    "$STRATA" exec node:remove bench >/dev/null
    rm -f "$WORK/nbd-strata.raw" "$WORK/nbd-qemu.raw"
}

# ---------------------------------------------------------------------------------------------- RBD

# start_ceph: sets CEPH_CONF and CEPH_POOL: the cluster of $STRATA_CEPH_CONF, or a throwaway one of the test kit's
# CephCluster, which stops and removes itself when its standard input ends (stop_ceph, or this script's death)
start_ceph() {
    if [ -n "${STRATA_CEPH_CONF:-}" ]; then
        CEPH_CONF=$(realpath "$STRATA_CEPH_CONF")
        CEPH_POOL=${STRATA_CEPH_POOL:-strata}
        return 0
    fi
    local jar cp=
    for jar in testkit api; do
        jar=$(ls "$REPO/bundles/$jar/target/strata-$jar-"[0-9]*.jar 2>/dev/null | head -1)
        if [ -z "$jar" ]; then
            echo "no test kit jars in $REPO/bundles: run 'mvn -B install -DskipTests' first" >&2
            exit 1
        fi
        cp=$cp${cp:+:}$jar
    done
    coproc CEPH_CLUSTER { exec java -cp "$cp" org.strata.testkit.CephCluster 2>"$WORK/ceph.log"; }
    CEPH=$CEPH_CLUSTER_PID
    CEPH_IN=${CEPH_CLUSTER[1]}
    if ! read -r CEPH_CONF <&"${CEPH_CLUSTER[0]}"; then
        echo "the Ceph cluster did not start: $(cat "$WORK/ceph.log")" >&2
        exit 1
    fi
    CEPH_POOL=strata
}

stop_ceph() {
    exec {CEPH_IN}>&-
    wait "$CEPH" 2>/dev/null || true
    CEPH=
}

# rbd_lines: image:bench next to qemu-img bench on one RBD image (raw, 256 MiB, every object written before), 4 KiB
# reads and writes at depth 1 and 32, RBD_COUNT requests each (strided over the image)
rbd_lines() {
    local cases=() rw depth
    for rw in read write; do
        for depth in 1 32; do
            wanted "RBD $rw 4k -d $depth" && cases+=("$rw $depth")
        done
    done
    [ ${#cases[@]} -gt 0 ] || return 0
    start_ceph
    RBD_IMAGE=$CEPH_POOL/strata-bench-$$
    local image="rbd:$RBD_IMAGE:conf=$CEPH_CONF" c w opts
    qemu-img create -q -f raw "$image" 256M
    qemu-img bench -f raw -w -c 64 -s 4M -d 4 "$image" >/dev/null
    local where="the cluster of $CEPH_CONF"
    [ -z "$CEPH" ] || where="a single-node cluster started here (memstore: its OSD shares this machine's CPU)"
    for c in "${cases[@]}"; do
        rw=${c% *}
        depth=${c#* }
        w=
        [ "$rw" = write ] && w=-w
        opts="-f raw -c $RBD_COUNT -d $depth -s 4k -S $((4096 * 101)) $w"
        compare_case "RBD $rw 4k -d $depth (work)" true "qemu-img bench $opts '$image'" \
            "$STRATA run image:bench $opts '$image'"
    done
    rbd -c "$CEPH_CONF" rm --no-progress "$RBD_IMAGE" >/dev/null
    RBD_IMAGE=
    [ -z "$CEPH" ] || stop_ceph
    say ""
    say "RBD rows: $RBD_COUNT requests each, fewer than the file rows (each is a round trip to the cluster), on one"
    say "256 MiB raw image (every object written before) of $where."
}

# The lines of the performance issue, each a ratio qemu/strata (the goals are in docs/benchmarks.md)
lines_part() {
    say ""
    say "### The performance issue's lines (seconds, medians; qemu/strata above 1: Strata is faster)"
    say ""
    say "\"run\": \`strata run\`, a new JVM and embedded agent per call; \"exec\": \`strata exec\` to a running daemon."
    say "Bench rows compare the \"Run completed in\" times, the others the whole call."
    say ""
    table_header
    start_daemon
    startup_case "run exec"
    make_convert_source
    convert_case "qcow2->raw" "$WORK/src.qcow2" qcow2 raw "" run
    convert_case "raw->qcow2 -c zstd" "$WORK/src.raw" raw qcow2 "-c -o compression_type=zstd" run
    rm -f "$WORK/src.qcow2" "$WORK/src.raw"
    qemu-img create -q -f qcow2 -o preallocation=metadata "$WORK/prealloc.qcow2" 1G
    local depth cache
    for depth in "1 writeback" "32 writeback" "32 none"; do
        cache=${depth#* }
        depth=${depth% *}
        if wanted "qcow2 read 4k -d $depth -t $cache"; then
            compare_case "qcow2 read 4k -d $depth -t $cache (work)" true \
                "qemu-img bench -f qcow2 -t $cache -c $COUNT -d $depth -s 4k $WORK/prealloc.qcow2" \
                "$STRATA run image:bench -f qcow2 -t $cache -c $COUNT -d $depth -s 4k $WORK/prealloc.qcow2"
        fi
    done
    rm -f "$WORK/prealloc.qcow2"
    for depth in 1 32; do
        if wanted "qcow2-fresh write 4k -d $depth"; then
            fresh_qcow2
            compare_case "qcow2-fresh write 4k -d $depth -t writeback" fresh_qcow2 \
                "qemu-img bench -f qcow2 -t writeback -c $COUNT -d $depth -s 4k -w $WORK/fresh.qcow2" \
                "$STRATA run image:bench -f qcow2 -t writeback -c $COUNT -d $depth -s 4k -w $WORK/fresh.qcow2"
        fi
    done
    rm -f "$WORK/fresh.qcow2"
    nbd_lines
    rbd_lines
}

describe_machine
case $WHAT in
    lines) lines_part ;;
    bench) bench_part ;;
    convert) convert_part ;;
    all) lines_part; bench_part; convert_part ;;
esac
if [ -n "$OUT" ]; then
    cp "$RESULTS" "$OUT"
fi
