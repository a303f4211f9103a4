package org.strata.core.ops;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import org.strata.api.Buffers;
import org.strata.api.FormatAccess;
import org.strata.api.Preallocation;
import org.strata.api.ShallowMapping;
import org.strata.api.UnsupportedFeatureException;

/**
 * Commits what the layers above a base image hold into that base (qemu-img commit). {@code layers} are the
 * images from the top down to just above the base, each opened alone (without its backing file); {@code base} is
 * opened writable with its own chain. As qemu-img's commit job does, the base is written in granules (its cluster
 * size, at least 4 KiB and at most 64 KiB): every granule the layers above touch is copied whole as the guest
 * sees it, and runs of whole granules that read as zeroes are written as zeroes. Afterwards the top is emptied when
 * asked (its data now lives in the base). Until then the top reads the same, so a cancelled commit loses nothing.
 */
public final class Commit implements Operation {

    private final List<FormatAccess> layers;
    private final FormatAccess base;
    private final boolean emptyTop;
    private final long granule;
    /** The one buffer a run reads through (commit copies on one thread). */
    private ByteBuffer buffer;

    public Commit(List<FormatAccess> layers, FormatAccess base, boolean emptyTop) throws IOException {
        this.layers = List.copyOf(layers);
        this.base = base;
        this.emptyTop = emptyTop;
        long cluster = base.info().clusterSize();
        this.granule = cluster <= 0 ? 65536 : Math.max(4096, Math.min(65536, cluster));
    }

    @Override
    public void run(JobControl control) throws IOException {
        FormatAccess top = layers.get(0);
        long size = top.size();
        control.total(emptyTop ? 2 * size : size);
        if (base.size() < size) {
            base.resize(size, Preallocation.OFF);
        }
        buffer = Ranges.chunkBuffer(top, base);
        long pos = 0;
        while (pos < size) {
            control.checkCancelled();
            Extent above = decidingAbove(pos, Math.min(Ranges.CHUNK, size - pos));
            long next = pos + above.length();
            if (above.allocated()) {
                // the layers above touch these granules: they are copied whole
                long start = pos / granule * granule;
                next = Math.min(size, (next + granule - 1) / granule * granule);
                copyGranules(start, next);
            }
            control.advance(next - pos);
            pos = next;
        }
        base.flush();
        if (emptyTop) {
            empty(top, size, control);
        }
    }

    /**
     * Only now that the base holds everything may the top let go of it. As qemu-img, a format that cannot
     * unallocate data (vmdk) keeps it: the first discard refuses before changing anything.
     */
    private static void empty(FormatAccess top, long size, JobControl control) throws IOException {
        for (long pos = 0; pos < size; ) {
            control.checkCancelled();
            ShallowMapping m = top.getShallowMapping(pos, Math.min(Ranges.CHUNK, size - pos));
            if (Ranges.allocated(m)) {
                try {
                    top.discardToBacking(pos, m.length());
                } catch (UnsupportedFeatureException e) {
                    control.advance(size - pos);
                    return;
                }
            }
            control.advance(m.length());
            pos += m.length();
        }
        top.flush();
    }

    /** Copies the granules of {@code [start, end)} as the guest sees them: data whole, zero runs as zeroes. */
    private void copyGranules(long start, long end) throws IOException {
        long pos = start;
        while (pos < end) {
            Extent e = viewStatus(pos, end - pos);
            long n = e.length() / granule * granule;
            boolean zero = !e.data() && n > 0;
            n = Math.min(Math.min(Math.max(n, granule), end - pos), Ranges.CHUNK);
            if (zero) {
                base.discardToZero(pos, n);
            } else {
                base.write(readView(pos, (int) n), pos);
            }
            pos += n;
        }
    }

    /**
     * What the layers above the base alone say at {@code pos}: allocated where one of them decides the content
     * (its data or zeroes, or past the end of a shorter layer, where the guest reads zeroes).
     */
    private Extent decidingAbove(long pos, long max) throws IOException {
        long len = max;
        for (int depth = 0; depth < layers.size(); depth++) {
            FormatAccess layer = layers.get(depth);
            if (pos >= layer.size()) {
                return new Extent(len, true, false, true, null, -1, depth, false);
            }
            Extent e = Extent.ofLayer(layer, pos, len, depth);
            if (e.allocated()) {
                return e;
            }
            len = e.length();
        }
        return new Extent(len, false, false, false, null, -1, layers.size(), false);
    }

    /** The guest's block status at {@code pos}: the layers above, then the base's own chain. */
    private Extent viewStatus(long pos, long max) throws IOException {
        Extent e = decidingAbove(pos, max);
        return e.allocated() ? e : Extent.above(base, pos, e.length());
    }

    /** Reads what the guest sees at {@code [pos, pos + n)}, each run from the layer that decides it. */
    private ByteBuffer readView(long pos, int n) throws IOException {
        ByteBuffer buf = buffer.clear().limit(n);
        int done = 0;
        while (done < n) {
            Extent e = decidingAbove(pos + done, n - done);
            int len = (int) e.length();
            ByteBuffer part = Buffers.window(buf, done, len);
            if (!e.allocated()) {
                base.read(part, pos + done);
            } else if (e.data()) {
                layers.get(e.depth()).read(part, pos + done);
            } else {
                Buffers.fillZero(part);
            }
            done += len;
        }
        return buf;
    }
}
