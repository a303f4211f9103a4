package org.strata.core.ops;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import org.strata.api.Buffers;
import org.strata.api.FormatAccess;

/**
 * Convert's source: one image, or several joined end to end as qemu-img convert joins them (each one's guest data
 * follows the previous one's). Block status never crosses from one image into the next; a read may.
 */
final class Sources {

    private final List<FormatAccess> images;
    /** Where each image starts in the joined guest; one more entry: the end. */
    private final long[] starts;

    Sources(List<FormatAccess> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no source");
        }
        this.images = List.copyOf(images);
        this.starts = new long[images.size() + 1];
        for (int i = 0; i < images.size(); i++) {
            starts[i + 1] = starts[i] + images.get(i).size();
        }
    }

    /** The joined size: the sum of the images' sizes. */
    long size() {
        return starts[starts.length - 1];
    }

    /** The one image when there is only one (its guest offsets are the joined ones), else null. */
    FormatAccess single() {
        return images.size() == 1 ? images.get(0) : null;
    }

    /** The block status at {@code pos} for at most {@code max} bytes, ending at the end of the image it lies in. */
    Extent extent(long pos, long max) throws IOException {
        int i = indexAt(pos);
        return Extent.above(images.get(i), pos - starts[i], Math.min(max, starts[i + 1] - pos));
    }

    /**
     * How far {@code end} lies past the last cluster boundary (at least a sector's) of the image in which {@code pos}
     * lies, counted in that image: 0 on a boundary.
     */
    long pastCluster(long pos, long end) throws IOException {
        int i = indexAt(pos);
        long align = Math.max(SparseRuns.SECTOR, images.get(i).info().clusterSize());
        return (end - starts[i]) % align;
    }

    /** A buffer for one chunk, aligned for every image and {@code target}. */
    ByteBuffer chunkBuffer(FormatAccess target) {
        int align = Math.max(512, target.memAlign());
        for (FormatAccess image : images) {
            align = Math.max(align, image.memAlign());
        }
        return Buffers.allocateAligned(Ranges.CHUNK, align);
    }

    /**
     * Reads {@code [pos, pos + length)} of the joined guest (at most {@link Ranges#CHUNK}) into {@code buf}; returns
     * {@code buf} positioned at the data.
     */
    ByteBuffer read(long pos, int length, ByteBuffer buf) throws IOException {
        buf.clear().limit(length);
        for (int i = indexAt(pos); buf.hasRemaining(); i++) {
            long at = pos + buf.position();
            int n = (int) Math.min(buf.remaining(), starts[i + 1] - at);
            ByteBuffer part = buf.slice(buf.position(), n);
            images.get(i).read(part, at - starts[i]);
            buf.position(buf.position() + n);
        }
        return buf.flip();
    }

    /** The image in which {@code pos} lies (empty images lie nowhere). */
    private int indexAt(long pos) {
        int i = 0;
        while (pos >= starts[i + 1]) {
            i++;
        }
        return i;
    }
}
