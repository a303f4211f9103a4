package org.strata.core.ops;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.api.ShallowMapping;

/**
 * Commits what the layers above a base image hold into that base (qemu-img commit). {@code layers} are the
 * images from the top down to just above the base, each opened alone (without its backing file); {@code base} is
 * opened writable with its own chain. Where several layers hold data, the highest wins, as the guest sees it.
 * Afterwards the top is emptied when asked (its data now lives in the base).
 */
public final class Commit implements Operation {

    private final List<FormatAccess> layers;
    private final FormatAccess base;
    private final boolean emptyTop;

    public Commit(List<FormatAccess> layers, FormatAccess base, boolean emptyTop) {
        this.layers = List.copyOf(layers);
        this.base = base;
        this.emptyTop = emptyTop;
    }

    @Override
    public void run(JobControl control) throws IOException {
        FormatAccess top = layers.get(0);
        long size = top.size();
        control.total(emptyTop ? 2 * size : size);
        if (base.size() < size) {
            base.resize(size, org.strata.api.Preallocation.OFF);
        }
        long pos = 0;
        while (pos < size) {
            control.checkCancelled();
            long n = copyRun(pos, Math.min(Ranges.CHUNK, size - pos));
            control.advance(n);
            pos += n;
        }
        base.flush();
        if (emptyTop) {
            // only now that the base holds everything may the top let go of it
            for (pos = 0; pos < size; ) {
                control.checkCancelled();
                ShallowMapping m = top.getShallowMapping(pos, Math.min(Ranges.CHUNK, size - pos));
                if (Ranges.allocated(m)) {
                    top.discardToBacking(pos, m.length());
                }
                control.advance(m.length());
                pos += m.length();
            }
            top.flush();
        }
    }

    /** Copies the run at {@code pos} from the highest layer that allocates it; returns the run's length. */
    private long copyRun(long pos, long max) throws IOException {
        long len = max;
        for (FormatAccess layer : layers) {
            if (pos >= layer.size()) {
                // past an intermediate layer's end the guest reads zeroes
                base.writeZeroes(pos, len);
                return len;
            }
            ShallowMapping m = layer.getShallowMapping(pos, Math.min(len, layer.size() - pos));
            len = Math.min(len, m.length());
            if (Ranges.allocated(m)) {
                if (m instanceof ShallowMapping.Zero) {
                    base.writeZeroes(pos, len);
                } else {
                    ByteBuffer data = Ranges.read(layer, pos, (int) len);
                    base.write(data, pos);
                }
                return len;
            }
        }
        return len;
    }
}
