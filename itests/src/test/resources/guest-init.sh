#!/bin/sh
# /init of the test guest (busybox, RealGuestTest.java): uses its virtio disk, a Strata export, as a VM would.
# Raw data written with O_DIRECT and read back past the page cache; then an ext2 file system made, filled,
# trimmed, unmounted and checked again from disk. Prints "GUEST ..." lines on the console; ends with a power-off.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules); do insmod "/lib/modules/$m" || echo "GUEST FAIL insmod $m"; done

fail() {
    echo "GUEST FAIL $*"
    poweroff -f
}

i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] || fail "no /dev/vda"
echo "GUEST DISK $(blockdev --getsize64 /dev/vda) bytes"

# 16 MiB of raw data at 40 MiB, past the file system
dd if=/dev/urandom of=/tmp/data bs=1M count=16 2>/dev/null
dd if=/tmp/data of=/dev/vda bs=1M seek=40 oflag=direct conv=fsync 2>/dev/null || fail "raw write"
echo 3 > /proc/sys/vm/drop_caches
dd if=/dev/vda of=/tmp/back bs=1M skip=40 count=16 iflag=direct 2>/dev/null || fail "raw read"
cmp -s /tmp/data /tmp/back || fail "raw data read back differs"
echo "GUEST RAW $(sha256sum < /tmp/data | cut -d' ' -f1)"
rm /tmp/back

# an ext2 file system on the first 32 MiB
mke2fs -q -b 4096 /dev/vda 32768 || fail "mke2fs"
mkdir -p /mnt
mount -t ext2 /dev/vda /mnt || fail "mount"
cp /bin/busybox /mnt/busybox
for i in 1 2 3 4 5 6; do
    dd if=/dev/urandom of="/mnt/f$i" bs=64k count=$((i * 8)) 2>/dev/null || fail "write f$i"
done
(cd /mnt && sha256sum busybox f1 f3 f5 f6 > /tmp/sums)
rm /mnt/f2 /mnt/f4
fstrim /mnt || fail "fstrim"
umount /mnt || fail "umount"
echo 3 > /proc/sys/vm/drop_caches
mount -t ext2 -o ro /dev/vda /mnt || fail "mount again"
(cd /mnt && sha256sum -c -s /tmp/sums) || fail "files read back differ"
umount /mnt
sync
echo "GUEST OK"
poweroff -f
