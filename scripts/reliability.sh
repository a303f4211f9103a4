#!/usr/bin/env bash
# The long variants of Strata's reliability tests (docs/reliability.md): the same tests the suite runs briefly,
# run here for as long as asked. Builds what the tests need (the install tree included) with Maven's verify,
# never install, and runs only the named test class; the figures are printed at the end of each test.
#
#   scripts/reliability.sh crash [ROUNDS]          SIGKILL rounds of CrashConsistencyTest (default 200)
#   scripts/reliability.sh powerloss [REQUESTS]    PowerLossTest: a random workload of REQUESTS requests per
#                                                  image kind (default 1000), cut at every sync and 200 moments
#   scripts/reliability.sh load [SECONDS]          LongLoadTest: 32 NBD clients for SECONDS (default 600)
#   scripts/reliability.sh guest                   RealGuestTest (as in the suite)
#   scripts/reliability.sh locking                 ImageLockingTest (as in the suite)
#
# SEED=N repeats the random choices of a crash or power-loss run (each run prints its seed).
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-}
arg=${2:-}
props=()
case $what in
    crash)     test=CrashConsistencyTest; props+=("-Dcrash.rounds=${arg:-200}")
               [ -n "${SEED:-}" ] && props+=("-Dcrash.seed=$SEED") ;;
    powerloss) test=PowerLossTest; props+=("-Dpowerloss.ops=${arg:-1000}" -Dpowerloss.syncCuts=1000000
                                          -Dpowerloss.randomCuts=200)
               [ -n "${SEED:-}" ] && props+=("-Dpowerloss.seed=$SEED") ;;
    load)      test=LongLoadTest; props+=("-Dload.seconds=${arg:-600}") ;;
    guest)     test=RealGuestTest ;;
    locking)   test=ImageLockingTest ;;
    *)         sed -n '2,14p' "$0" >&2; exit 2 ;;
esac

# surefire prints what the tests print; the figures are the lines the test writes to standard output
exec mvn -B -T 2 -pl itests -am verify -DskipFuzz -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false "${props[@]}"
