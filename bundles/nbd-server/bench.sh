#!/usr/bin/env bash
# Random-access throughput of Strata's NBD server against qemu-storage-daemon exporting the same raw image,
# measured with `qemu-img bench` (QEMU's own NBD client) over TCP loopback and over a Unix socket.
# (QEMU 7.2's server does not set TCP_NODELAY, so over TCP it waits for delayed ACKs: compare the Unix rows too.)
#
#   bundles/nbd-server/bench.sh [-s SIZE] [-c COUNT] [-d DEPTH]
#       builds nothing itself: run `mvn -B -o -pl bundles/nbd-server install -DskipTests` (or a full build) first;
#       starts org.strata.nbd.server.BenchServer (test classes) on a fresh image, then qemu-storage-daemon
#       (qemu-nbd when qemu-storage-daemon is missing) on the same image, and prints one table.
#
#   STRATA_NBD_URL=nbd://127.0.0.1:10809/NAME bundles/nbd-server/bench.sh -i IMAGE
#       measures an export of a running agent instead of starting BenchServer; IMAGE is what
#       qemu-storage-daemon serves for comparison (a copy of the agent's image: the agent holds a lock on its own).
#
# The access pattern: qemu-img bench has no random mode, so each run strides through the image with a large
# prime step (offset = k * step mod size), which touches blocks in a scattered order like a random workload.
set -euo pipefail

SIZE=256M
COUNT=20000
DEPTH=16
IMAGE=
while getopts "s:c:d:i:h" opt; do
    case $opt in
        s) SIZE=$OPTARG ;;
        c) COUNT=$OPTARG ;;
        d) DEPTH=$OPTARG ;;
        i) IMAGE=$OPTARG ;;
        *) sed -n '2,18p' "$0"; exit 2 ;;
    esac
done

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d /tmp/strata-nbd-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_for_port() {
    for _ in $(seq 100); do
        if qemu-img info "$1" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "no NBD server answers at $1" >&2
    exit 1
}

# one line per workload: name, qemu-img bench options
WORKLOADS=(
    "randread-4k|-s 4k -S $((4096 * 104729))"
    "randwrite-4k|-w -s 4k -S $((4096 * 104729))"
    "randread-64k|-s 64k -S $((65536 * 7919))"
    "randwrite-64k|-w -s 64k -S $((65536 * 7919))"
)

run_workloads() { # $1 = label, $2 = URL
    qemu-img bench -f raw -t none -n -c 5000 -d "$DEPTH" -s 4k -S $((4096 * 104729)) "$2" >/dev/null # warm-up
    for w in "${WORKLOADS[@]}"; do
        name=${w%%|*}
        opts=${w#*|}
        # shellcheck disable=SC2086
        secs=$(qemu-img bench -f raw -t none -n -c "$COUNT" -d "$DEPTH" $opts "$2" | sed -n 's/^Run completed in \([0-9.]*\) seconds\./\1/p')
        bs=$(echo "$opts" | sed -n 's/.*-s \([0-9]*\)k.*/\1/p')
        awk -v l="$1" -v n="$name" -v c="$COUNT" -v s="$secs" -v bs="$bs" \
            'BEGIN { printf "%-28s %-14s %10.0f IOPS %9.1f MiB/s  (%s s)\n", l, n, c / s, c * bs / 1024 / s, s }'
    done
}

stop_last() {
    kill "${PIDS[-1]}" 2>/dev/null || true
    wait "${PIDS[-1]}" 2>/dev/null || true
    unset 'PIDS[-1]'
}

if [ -z "$IMAGE" ]; then
    IMAGE=$WORK/bench.raw
    qemu-img create -q -f raw -o preallocation=full "$IMAGE" "$SIZE"
fi

echo "qemu-img bench: $COUNT requests, $DEPTH in flight, image $(qemu-img info --output=json -U "$IMAGE" | sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p') bytes"

if [ -n "${STRATA_NBD_URL:-}" ]; then
    wait_for_port "$STRATA_NBD_URL"
    run_workloads "strata (agent)" "$STRATA_NBD_URL"
else
    CLASSES="$REPO/bundles/nbd-server/target/classes:$REPO/bundles/nbd-server/target/test-classes"
    if [ ! -d "$REPO/bundles/nbd-server/target/test-classes" ]; then
        echo "build first: mvn -B -o -pl bundles/nbd-server install -DskipTests" >&2
        exit 1
    fi
    (cd "$REPO" && mvn -B -o -q -pl bundles/nbd-server dependency:build-classpath -Dmdep.includeScope=test \
        -Dmdep.outputFile="$WORK/cp.txt" >/dev/null)
    PORT=$(free_port)
    java ${JAVA_OPTS:-} -cp "$CLASSES:$(cat "$WORK/cp.txt")" org.strata.nbd.server.BenchServer "$IMAGE" \
        "127.0.0.1:$PORT,unix:$WORK/strata.sock" bench >"$WORK/strata.log" 2>&1 &
    PIDS+=($!)
    wait_for_port "nbd://127.0.0.1:$PORT/bench"
    run_workloads "strata tcp" "nbd://127.0.0.1:$PORT/bench"
    run_workloads "strata unix" "nbd+unix:///bench?socket=$WORK/strata.sock"
    stop_last
fi

start_qemu() { # $1 = tcp|unix; sets LABEL and URL
    local port
    port=$(free_port)
    if [ "$1" = tcp ]; then URL="nbd://127.0.0.1:$port/bench"; else URL="nbd+unix:///bench?socket=$WORK/qemu.sock"; fi
    if command -v qemu-storage-daemon >/dev/null; then
        LABEL="qemu-storage-daemon $1"
        local addr="addr.type=inet,addr.host=127.0.0.1,addr.port=$port"
        [ "$1" = unix ] && addr="addr.type=unix,addr.path=$WORK/qemu.sock"
        qemu-storage-daemon \
            --blockdev "driver=file,node-name=file0,filename=$IMAGE,cache.direct=off,aio=threads" \
            --blockdev driver=raw,node-name=fmt0,file=file0 \
            --nbd-server "$addr" \
            --export type=nbd,id=exp0,node-name=fmt0,name=bench,writable=on >"$WORK/qemu.log" 2>&1 &
    else
        LABEL="qemu-nbd $1"
        if [ "$1" = tcp ]; then
            qemu-nbd -f raw -t -x bench -b 127.0.0.1 -p "$port" --cache=writeback "$IMAGE" >"$WORK/qemu.log" 2>&1 &
        else
            qemu-nbd -f raw -t -x bench -k "$WORK/qemu.sock" --cache=writeback "$IMAGE" >"$WORK/qemu.log" 2>&1 &
        fi
    fi
    PIDS+=($!)
    wait_for_port "$URL"
}

for transport in tcp unix; do
    start_qemu "$transport"
    run_workloads "$LABEL" "$URL"
    stop_last
done
