package org.strata.format.vpc;

/**
 * A disk geometry as the VHD footer records it: cylinders, heads and sectors per track. Virtual PC sizes a disk by
 * its geometry, so qemu rounds the size of a new disk up to one (unless told to force the size).
 */
record Chs(int cylinders, int heads, int sectorsPerTrack) {

    /** The largest geometry a footer can hold (65535 cylinders, 16 heads, 255 sectors), about 127 GiB. */
    static final Chs MAX = new Chs(65535, 16, 255);
    /** The sectors of {@link #MAX}. */
    static final long MAX_SECTORS = 65535L * 16 * 255;

    long sectors() {
        return (long) cylinders * heads * sectorsPerTrack;
    }

    /**
     * The geometry the VHD specification's algorithm gives {@code totalSectors}, computed as qemu does (with its
     * integer widths); it may cover fewer sectors than asked.
     */
    static Chs of(long totalSectors) {
        long total = Math.min(totalSectors, MAX_SECTORS);
        int sectorsPerTrack;
        int heads;
        long cylindersTimesHeads;
        if (total >= 65535L * 16 * 63) {
            sectorsPerTrack = 255;
            heads = 16;
            cylindersTimesHeads = total / sectorsPerTrack;
        } else {
            sectorsPerTrack = 17;
            cylindersTimesHeads = total / sectorsPerTrack;
            heads = (int) (((cylindersTimesHeads + 1023) / 1024) & 0xff); // qemu keeps the heads in a byte
            if (heads < 4) {
                heads = 4;
            }
            if (cylindersTimesHeads >= heads * 1024L || heads > 16) {
                sectorsPerTrack = 31;
                heads = 16;
                cylindersTimesHeads = total / sectorsPerTrack;
            }
            if (cylindersTimesHeads >= heads * 1024L) {
                sectorsPerTrack = 63;
                heads = 16;
                cylindersTimesHeads = total / sectorsPerTrack;
            }
        }
        return new Chs((int) (cylindersTimesHeads / heads & 0xffff), heads, sectorsPerTrack);
    }

    /**
     * The geometry of a new disk of {@code sectors}, as qemu 7.2 finds it: the first geometry of {@code sectors},
     * {@code sectors + 1}, ... that covers them all, or {@link #MAX} for disks larger than any geometry.
     */
    static Chs covering(long sectors) {
        long total = Math.min(MAX_SECTORS, sectors);
        Chs chs = new Chs(0, 0, 0);
        for (long i = 0; total > chs.sectors(); i++) {
            chs = of(total + i);
        }
        return chs;
    }
}
