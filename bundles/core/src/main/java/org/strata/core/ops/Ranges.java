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

    /** Reads {@code length} bytes of what {@code image} shows at {@code offset}; zeroes when image is null. */
    static ByteBuffer read(FormatAccess image, long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(length);
        if (image == null) {
            Buffers.fillZero(buf);
        } else {
            image.read(buf, offset);
        }
        return buf.flip();
    }

    /**
     * Writes {@code data} (what should be at {@code offset}) into {@code target} wherever it differs from
     * {@code current} (what would be seen there otherwise), block by block.
     */
    static void writeDifferences(FormatAccess target, long offset, ByteBuffer data, ByteBuffer current, int block)
            throws IOException {
        int len = data.remaining();
        int i = 0;
        while (i < len) {
            int n = (int) Math.min(len - i, block - Math.floorMod(offset + i, block));
            ByteBuffer want = Buffers.window(data, i, n);
            if (!want.equals(Buffers.window(current, i, n))) {
                if (Buffers.isZero(want)) {
                    target.writeZeroes(offset + i, n);
                } else {
                    target.write(want, offset + i);
                }
            }
            i += n;
        }
    }
}
