#!/usr/bin/env bash
# Strata's image:bench next to qemu-img bench on Ceph RBD: the same options on the same RBD images, one tool after
# the other (never both at once), each case repeated; prints the medians of "Run completed in" as a table.
#
#   scripts/bench-rbd.sh [-r REPS] [-c COUNT] [-s SIZE] CEPH_CONF [POOL]
#
#   -r REPS    repetitions of every case (default 3; the order of the two tools alternates)
#   -c COUNT   requests per run (default 4000)
#   -s SIZE    request size (default 4k)
#   CEPH_CONF  the configuration file of the cluster (it must name a keyring or need no authentication); a
#              throwaway single-node cluster like the tests' does (testkit's CephCluster, or a ceph-mon and a
#              ceph-osd with memstore)
#   POOL       an RBD pool to create the test images in (default strata); they are removed afterwards
#
# Strata is taken from $STRATA_DIST (default dist/target/strata of this checkout: run `mvn -B install -DskipTests`
# first). Every case runs on a 256 MiB raw image written once before the reads, so reads find data.
set -euo pipefail

REPS=3
COUNT=4000
SIZE=4k
while getopts "r:c:s:h" opt; do
    case $opt in
        r) REPS=$OPTARG ;;
        c) COUNT=$OPTARG ;;
        s) SIZE=$OPTARG ;;
        *) sed -n '2,17p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '2,17p' "$0"; exit 2; }
CONF=$(realpath "$1")
POOL=${2:-strata}
REPO=$(cd "$(dirname "$0")/.." && pwd)
DIST=${STRATA_DIST:-$REPO/dist/target/strata}
[ -x "$DIST/bin/strata" ] || { echo "no Strata install tree at $DIST: run 'mvn -B install -DskipTests'" >&2; exit 1; }
for tool in qemu-img rbd; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install qemu-utils qemu-block-extra ceph-common)" >&2; exit 1; }
done

HOME_DIR=$(mktemp -d /tmp/strata-bench-rbd.XXXXXX)
cp -r "$DIST/bundle" "$DIST/deploy" "$DIST/etc" "$HOME_DIR/"
IMAGE=bench-$$
NAME="rbd:$POOL/$IMAGE:conf=$CONF"
cleanup() {
    rbd -c "$CONF" rm --no-progress "$POOL/$IMAGE" >/dev/null 2>&1 || true
    rm -rf "$HOME_DIR"
}
trap cleanup EXIT
export STRATA_NBD_LISTEN="unix:$HOME_DIR/nbd.sock"

qemu-img create -q -f raw "$NAME" 256M
qemu-img bench -q -f raw -w -c 65536 -s 4k -S 4k -d 32 "$NAME" >/dev/null  # every object written once

seconds() { sed -n 's/^Run completed in \([0-9.]*\) seconds\./\1/p'; }
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

run_case() { # label, bench options...
    local label=$1; shift
    local q=() s=() i
    for ((i = 0; i < REPS; i++)); do
        if ((i % 2 == 0)); then
            q+=("$(qemu-img bench -f raw "$@" "$NAME" | seconds)")
            s+=("$("$DIST/bin/strata" --home "$HOME_DIR" run image:bench -f raw "$@" "$NAME" | seconds)")
        else
            s+=("$("$DIST/bin/strata" --home "$HOME_DIR" run image:bench -f raw "$@" "$NAME" | seconds)")
            q+=("$(qemu-img bench -f raw "$@" "$NAME" | seconds)")
        fi
    done
    printf '| %-28s | %8s | %8s |\n' "$label" "$(printf '%s\n' "${q[@]}" | median)" \
        "$(printf '%s\n' "${s[@]}" | median)"
}

echo "RBD, $COUNT requests of $SIZE, medians of $REPS (seconds, \"Run completed in\")"
echo
printf '| %-28s | %8s | %8s |\n' "case" "qemu-img" "Strata"
printf '|%s|%s|%s|\n' "------------------------------" "----------" "----------"
for depth in 1 16; do
    run_case "read, depth $depth" -c "$COUNT" -s "$SIZE" -d "$depth"
    run_case "write, depth $depth" -w -c "$COUNT" -s "$SIZE" -d "$depth"
    run_case "write, depth $depth, -t none" -w -t none -c "$COUNT" -s "$SIZE" -d "$depth"
done
