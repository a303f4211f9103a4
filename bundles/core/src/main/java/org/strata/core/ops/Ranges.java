package org.strata.core.ops;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.strata.api.Buffers;
import org.strata.api.FormatAccess;
import org.strata.api.ShallowMapping;

/** Helpers the operations share: what a layer allocates itself, and copying ranges. */
final class Ranges {

    /** How much operations read or write at once. */
    static final int CHUNK = 2 << 20;

    private Ranges() {
    }

    /**
     * Whether the layer itself decides the content at {@code mapping} (data, compressed data, recorded zeroes, or
     * past its end), rather than its backing file.
     */
    static boolean allocated(ShallowMapping mapping) {
        return !(mapping instanceof ShallowMapping.Indirect
                || mapping instanceof ShallowMapping.Zero z && !z.explicit());
    }

    /**
     * A buffer for one chunk, made once per worker and reused: allocating (and so zeroing and faulting in) fresh
     * native memory for every chunk costs more than the copy itself. Aligned for O_DIRECT on either side.
     */
    static ByteBuffer chunkBuffer(FormatAccess a, FormatAccess b) {
        int align = Math.max(512, Math.max(a.memAlign(), b == null ? 1 : b.memAlign()));
        return Buffers.allocateAligned(CHUNK, align);
    }

    /**
     * Reads {@code length} bytes (at most {@link #CHUNK}) of what {@code image} shows at {@code offset} into
     * {@code buf}; zeroes when image is null. Returns {@code buf} positioned at the data.
     */
    static ByteBuffer read(FormatAccess image, long offset, int length, ByteBuffer buf) throws IOException {
        buf.clear().limit(length);
        if (image == null) {
            Buffers.fillZero(buf);
        } else {
            image.read(buf, offset);
        }
        return buf.flip();
    }

    /**
     * Writes {@code data} (what should be at {@code offset}) into {@code target} wherever it differs from
     * {@code current} (what would be seen there otherwise), compared block by block (blocks aligned to the guest
     * offset); neighbouring blocks that differ are written in one request. With {@code zeroRunsAsZeroes}, runs of
     * zero bytes are written as zeroes (a zero cluster rather than zero data).
     */
    static void writeDifferences(FormatAccess target, long offset, ByteBuffer data, ByteBuffer current, int block,
                                 boolean zeroRunsAsZeroes) throws IOException {
        int len = data.remaining();
        int runStart = 0;
        int runKind = 0; // 0: same as current, 1: different data, 2: different and all zero
        int i = 0;
        while (i <= len) {
            int kind = 0;
            int n = 0;
            if (i < len) {
                n = (int) Math.min(len - i, block - Math.floorMod(offset + i, block));
                ByteBuffer want = Buffers.window(data, i, n);
                if (!want.equals(Buffers.window(current, i, n))) {
                    kind = zeroRunsAsZeroes && Buffers.isZero(want) ? 2 : 1;
                }
            }
            if (i == len || kind != runKind) {
                int runLength = i - runStart;
                if (runKind == 1) {
                    target.write(Buffers.window(data, runStart, runLength), offset + runStart);
                } else if (runKind == 2) {
                    target.writeZeroes(offset + runStart, runLength);
                }
                runStart = i;
                runKind = kind;
            }
            if (i == len) {
                break;
            }
            i += n;
        }
    }
}
