package org.strata.format.vhdx;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * QEMU's checks of the BAT (qemu-img check, and at every open): a present block must lie inside the file and
 * must not overlap the log, the BAT or the metadata region. QEMU refuses to open an image with such an entry;
 * Strata opens it for checking, and refuses every other use with the same line. Strata also reports what QEMU
 * fails on only when reading: blocks in the header section and states no image should have.
 */
final class Checker {

    /** One problem found; {@code refusesUse} when QEMU would refuse to open the image. */
    record Problem(String message, boolean refusesUse) {
    }

    private Checker() {
    }

    static List<Problem> problems(Bat bat, long virtualSize, long fileSize, List<RegionTable.Region> regions) {
        List<Problem> out = new ArrayList<>();
        long bs = bat.blockSize;
        long sectorSized = virtualSize / 512 * 512;
        for (long i = 0; i < bat.entryCount(); i++) {
            long e = bat.entryAt(i);
            int state = Bat.state(e);
            boolean payload = i % (bat.chunkRatio + 1) != bat.chunkRatio;
            if (state != Bat.FULLY_PRESENT) {
                if (payload && !Bat.readsZero(state)) {
                    out.add(new Problem("VHDX BAT entry " + i + " has the invalid state " + state, false));
                }
                continue;
            }
            long offset = Bat.offset(e);
            // as QEMU: the last block may be partial; i counts sector bitmap entries too
            long rest = sectorSized - i * bs;
            long length = Long.compareUnsigned(bs, rest) < 0 ? bs : rest;
            if (Long.compareUnsigned(offset, Long.MAX_VALUE - bs) > 0) {
                out.add(new Problem("VHDX BAT entry " + i + " offset overflow.", true));
            }
            String truncated = " points after end of file (" + fileSize + "). Image has probably been truncated.";
            if (Long.compareUnsigned(offset, fileSize) >= 0) {
                out.add(new Problem("VHDX BAT entry " + i + " start offset " + Long.toUnsignedString(offset)
                        + truncated, true));
            } else if (Long.compareUnsigned(offset + length, fileSize) > 0) {
                out.add(new Problem("VHDX BAT entry " + i + " end offset " + Long.toUnsignedString(offset + length - 1)
                        + truncated, true));
            }
            if (payload) {
                overlap(offset, bs, regions).ifPresent(r -> out.add(new Problem("VHDX region "
                        + new RegionTable.Region(offset, bs) + " overlaps with region " + r, true)));
                if (offset < Layout.HEADER_SECTION_END) {
                    out.add(new Problem("VHDX BAT entry " + i + " points into the header section", false));
                }
            }
        }
        return out;
    }

    /** The region a block overlaps, the latest registered first as QEMU searches them. */
    private static Optional<RegionTable.Region> overlap(long offset, long length,
                                                                  List<RegionTable.Region> regions) {
        for (int k = regions.size() - 1; k >= 0; k--) {
            if (regions.get(k).overlaps(offset, length)) {
                return Optional.of(regions.get(k));
            }
        }
        return Optional.empty();
    }
}
