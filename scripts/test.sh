#!/usr/bin/env bash
# Runs Strata's whole test suite: unit, contract, interop (the real QEMU tools and QEMU's block modules,
# nbdkit, libnbd, nginx, loop devices) and in-framework tests. Installs the Debian packages the tests drive
# when any is missing (as root, with apt-get); a test never skips because a tool is missing, it fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every package a test uses. Checked as packages, not commands: qemu-img is present without its curl
# module (qemu-block-extra, only a "recommended" package), and then http:// images fail to open.
packages=(
  qemu-utils          # qemu-img, qemu-io, qemu-nbd
  qemu-block-extra    # QEMU's curl (http/https) and rbd block modules
  qemu-system-common  # qemu-storage-daemon
  nbdkit              # NBD servers for the NBD client backend's tests
  libnbd-bin          # nbdinfo, nbdcopy
  python3-libnbd      # libnbd's Python binding (for /usr/bin/python3): NBD test clients (block status, load)
  nginx               # serves images over http(s)
  fio                 # NBD load
  mount               # losetup for block device tests
  7zip libvhdi-utils  # VHDX readers besides QEMU (QEMU 7.2 opens no 4 KiB-sector VHDX)
  ceph-mon ceph-osd ceph-common  # a throwaway single-node Ceph cluster (testkit's CephCluster) for the rbd tests
  librbd1 librados2   # what the rbd backend calls
  openssl             # certificates for the NBD TLS tests
  passwd util-linux   # useradd and runuser: throwaway users at the management socket (ManagementAccessTest)
  tmux                # a real terminal for strata shell's line editing and completion (ShellTerminalTest)
  systemd             # systemd-analyze verify (the unit of the Debian package) and systemctl --root (its scripts)
  qemu-system-x86 linux-image-cloud-amd64 busybox-static cpio  # a real Linux guest on an export (RealGuestTest)
  e2fsprogs           # e2fsck and debugfs: the guest's file system checked on the host
  strace              # the processes a run starts (RunCacheTest: no ldconfig once JNA's library path is kept)
)
missing=()
for pkg in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != installed ]; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "Installing the packages the tests need: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing test packages (install them, or run this as root): ${missing[*]}" >&2
    exit 1
  fi
fi

# Two build threads at most (the machines have two cores); the summary of every test phase stays visible.
exec mvn -B -T 2 install "$@"
