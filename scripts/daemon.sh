#!/usr/bin/env bash
# Builds Strata (without running the tests) and starts the agent in the foreground with its default
# embedded setup: dist/target/strata is the install tree, its etc/ the configuration, its var/ the state.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -T 2 install -DskipTests
exec dist/target/strata/bin/strata daemon "$@"
