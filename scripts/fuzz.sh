#!/usr/bin/env bash
# Fuzzes one target for a while (the build fuzzes each for 10 s only):
#   scripts/fuzz.sh TARGET DURATION      e.g. scripts/fuzz.sh qcow2 30m   (DURATION in s, m or h)
# Targets: qcow2 vmdk vpc vhdx vdi (a fuzzed image through the format driver), nbd-server (fuzzed client bytes:
# handshake, options, requests), nbd-client (fuzzed server bytes: handshake and replies).
# A finding stops the run and is saved beside the target's seeds (src/test/resources/.../<Target>Inputs/<method>/
# crash-*), from where every later build runs it as a regression test: fix the parser, keep the file, and list it in
# docs/reliability.md. To look at an image a finding stands for:
#   java -cp bundles/testkit/target/classes:bundles/api/target/classes org.strata.testkit.fuzz.SparseImage decode CRASH out.img
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A modules=(
  [qcow2]=format-qcow2 [vmdk]=format-vmdk [vpc]=format-vpc [vhdx]=format-vhdx [vdi]=format-vdi
  [nbd-server]=nbd-server [nbd-client]=storage-nbd
)
if [ $# -ne 2 ] || [ -z "${modules[$1]:-}" ]; then
  echo "usage: scripts/fuzz.sh TARGET DURATION   (TARGET: ${!modules[*]}; DURATION: 90s, 30m, 8h)" >&2
  exit 2
fi
case $2 in
  *h) seconds=$(( ${2%h} * 3600 )) ;;
  *m) seconds=$(( ${2%m} * 60 )) ;;
  *s) seconds=${2%s} ;;
  *) seconds=$2 ;;
esac

# The module's tests are left out (-Dtest matches none); its execution "fuzz" runs the target, and the extra
# libFuzzer argument overrides the @FuzzTest's maxDuration.
exec mvn -B -T 1 -pl "bundles/${modules[$1]}" -am verify -Dtest=None -Dsurefire.failIfNoSpecifiedTests=false \
  -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_total_time="$seconds"
