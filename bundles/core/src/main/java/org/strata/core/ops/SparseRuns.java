package org.strata.core.ops;

import java.nio.ByteBuffer;

import org.strata.api.Buffers;

/**
 * qemu-img convert's sparse detection inside data it has read (its {@code -S} option): a buffer is cut into runs of
 * 512-byte sectors that are written as data and runs that are left to read as zeroes. A zero run inside data is
 * kept as data unless it is at least the minimum long, so requests are not broken up for small gaps, and run ends
 * are moved to alignment boundaries where that saves a read-modify-write.
 */
final class SparseRuns {

    static final int SECTOR = 512;

    /** A run: {@code sectors} sectors that are data or not. */
    record Run(boolean data, int sectors) {
    }

    private final ByteBuffer buf;
    private final int sectors;
    private final long firstSector;
    private final int minSectors;
    private final int alignSectors;

    /**
     * @param buf          the data read, from its position (a last partial sector counts as a sector)
     * @param firstSector  the guest sector where it starts
     * @param minSectors   the shortest zero run that is not written (at least 1)
     * @param alignSectors the alignment run ends are moved to (a power of two)
     */
    SparseRuns(ByteBuffer buf, long firstSector, int minSectors, int alignSectors) {
        this.buf = buf;
        this.sectors = (buf.remaining() + SECTOR - 1) / SECTOR;
        this.firstSector = firstSector;
        this.minSectors = minSectors;
        this.alignSectors = alignSectors;
    }

    int sectors() {
        return sectors;
    }

    /** The run that starts at sector {@code start} (relative to the buffer), zero runs shorter than the minimum joined to data. */
    Run runAt(int start) {
        int n = sectors - start;
        int min = Math.min(minSectors, n);
        Run first = sameRun(start, n);
        if (!first.data) {
            return first;
        }
        int used = first.sectors;
        int checked = used;
        while (checked < n) {
            Run r = sameRun(start + checked, n - checked);
            checked += r.sectors;
            if (r.data) {
                used = checked;
            } else if (r.sectors >= min) {
                break;
            }
        }
        return new Run(true, used);
    }

    /** The sectors from {@code start} that are all zero or all not, with its end moved to an alignment boundary. */
    private Run sameRun(int start, int n) {
        boolean zero = isZeroSector(start);
        int i = 1;
        while (i < n && isZeroSector(start + i) == zero) {
            i++;
        }
        if (i == n) {
            return new Run(!zero, i);
        }
        int tail = (int) Math.floorMod(firstSector + start + i, (long) alignSectors);
        if (tail != 0) {
            if (zero && i <= tail) {
                // the data right after would rewrite this short zero head anyway
                zero = false;
            }
            i = zero ? i - tail : Math.min(n, i + alignSectors - tail);
        }
        return new Run(!zero, i);
    }

    private boolean isZeroSector(int s) {
        int from = s * SECTOR;
        int len = Math.min(SECTOR, buf.remaining() - from);
        return Buffers.isZero(buf, buf.position() + from, len);
    }
}
