package org.strata.format.vhdx;

import java.io.IOException;
import java.util.Map;

import org.strata.api.BlockStatus;
import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.Mapping;
import org.strata.api.Measurement;

/**
 * How big a VHDX image Strata writes gets (qemu-img 7.2 cannot measure VHDX): the structures up to the data area,
 * then one block at the end of the file for every block that receives data. A fixed image's preallocated data
 * area comes on top; with ZERO blocks (the default) it stays unused and written blocks are appended, as in QEMU.
 */
final class Measure {

    private Measure() {
    }

    static Measurement measure(long virtualSize, Map<String, String> options, FormatAccess source)
            throws IOException {
        CreateOptions o = CreateOptions.parse(new CreateRequest(-1, options, null, null, false),
                source != null ? source.size() : virtualSize);
        long size = o.size;
        long bs = o.blockSize();
        long chunk = Bat.chunkRatio(bs, 512);
        long data = Layout.roundUp(Layout.HEADER_SECTION_END + o.logSize, Layout.MIB)
                + Bat.regionLength(size, bs, chunk) + 5 * Layout.MIB;
        long blocks = Bat.blocks(size, bs);
        boolean preallocated = o.fixed && !o.zeroBlocks;
        long base = o.fixed ? data + size : data;
        if (preallocated) {
            return new Measurement(base, base, -1);
        }
        // blocks are appended at the next MiB
        long used = source != null ? blocksWithData(source, bs) : 0;
        return new Measurement(withBlocks(base, used, bs), withBlocks(base, blocks, bs), -1);
    }

    private static long withBlocks(long base, long blocks, long bs) {
        return blocks == 0 ? base : Layout.roundUp(base, Layout.MIB) + blocks * bs;
    }

    /** Blocks of {@code bs} bytes in which {@code source} has data (not zeroes, not holes). */
    private static long blocksWithData(FormatAccess source, long bs) throws IOException {
        long count = 0;
        long size = source.size();
        for (long block = 0; block * bs < size; block++) {
            long end = Math.min(size, (block + 1) * bs);
            for (long pos = block * bs; pos < end; ) {
                Mapping m = source.getMapping(pos, end - pos);
                if (holdsData(m)) {
                    count++;
                    break;
                }
                pos += m.length();
            }
        }
        return count;
    }

    private static boolean holdsData(Mapping m) throws IOException {
        if (m instanceof Mapping.Raw r) {
            BlockStatus st = r.storage().blockStatus(r.offset(), m.length());
            return !st.zero() || st.length() < m.length();
        }
        return m instanceof Mapping.Special;
    }
}
