#!/usr/bin/env bash
# Runs Strata's whole test suite: unit, contract, interop (the real QEMU tools, nbdkit, libnbd, nginx, loop
# devices) and in-framework tests. Installs the tools the tests drive when they are missing (as root, with
# apt-get); a test never skips because a tool is missing, it fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# tool -> Debian package
tools="qemu-img:qemu-utils qemu-io:qemu-utils qemu-nbd:qemu-utils qemu-storage-daemon:qemu-system-common
nbdkit:nbdkit nbdinfo:libnbd-bin nbdcopy:libnbd-bin nginx:nginx fio:fio losetup:mount"
missing=()
for pair in $tools; do
  tool=${pair%%:*} pkg=${pair##*:}
  if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "Installing the tools the tests need: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing test tools (install them, or run this as root): ${missing[*]}" >&2
    exit 1
  fi
fi

# Two build threads at most (the machines have two cores); the summary of every test phase stays visible.
exec mvn -B -T 2 install "$@"
