package org.strata.nbd.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.core.ops.Extent;
import org.strata.nbd.protocol.Nbd;

/**
 * Turns an image's block status into the NBD extents of one context. The status is the engine's
 * ({@link Extent#above}: what image:map, compare and convert decide on, as QEMU's block status of the chain), so
 * an export describes exactly the extents the image's map shows: {@code base:allocation} from the data and zero
 * flags, {@code qemu:allocation-depth} from the layer that allocates each range (1 for the top, 0 for none).
 */
final class BlockStatusCollector {

    /** Extents per context and reply; the client asks again for the rest. */
    static final int MAX_EXTENTS = 1 << 16;

    private final MetaContext context;
    private final long maxExtentLength;
    private final boolean reqOne;
    private final List<long[]> extents = new ArrayList<>();

    /**
     * @param maxExtentLength the longest extent the reply format can carry (32 bits without extended headers)
     * @param reqOne          the client wants one extent only
     */
    private BlockStatusCollector(MetaContext context, long maxExtentLength, boolean reqOne) {
        this.context = context;
        this.maxExtentLength = maxExtentLength;
        this.reqOne = reqOne;
    }

    /** The extents of {@code [offset, offset + length)} for each context, in the order given. */
    static List<List<long[]>> collect(FormatAccess access, List<MetaContext> contexts, long offset, long length,
            long maxExtentLength, boolean reqOne) throws IOException {
        List<BlockStatusCollector> collectors = new ArrayList<>();
        for (MetaContext c : contexts) {
            collectors.add(new BlockStatusCollector(c, maxExtentLength, reqOne));
        }
        long end = offset + length;
        for (long pos = offset; pos < end && !collectors.stream().allMatch(BlockStatusCollector::full); ) {
            Extent e = Extent.above(access, pos, end - pos);
            for (BlockStatusCollector c : collectors) {
                c.add(e);
            }
            pos += e.length();
        }
        return collectors.stream().map(BlockStatusCollector::result).toList();
    }

    private void add(Extent e) {
        add(e.length(), context == MetaContext.BASE_ALLOCATION
                ? (e.data() ? 0 : Nbd.STATE_HOLE) | (e.zero() ? Nbd.STATE_ZERO : 0)
                : e.allocated() ? e.depth() + 1 : 0);
    }

    /** Whether no more extents are wanted: the first is complete under REQ_ONE, or the reply is full. */
    private boolean full() {
        return reqOne ? extents.size() > 1 : extents.size() >= MAX_EXTENTS;
    }

    private void add(long length, long flags) {
        long left = length;
        while (left > 0) {
            if (!extents.isEmpty()) {
                long[] last = extents.get(extents.size() - 1);
                if (last[1] == flags && last[0] < maxExtentLength) {
                    long k = Math.min(left, maxExtentLength - last[0]);
                    last[0] += k;
                    left -= k;
                    continue;
                }
            }
            if (full()) {
                return;
            }
            long k = Math.min(left, maxExtentLength);
            extents.add(new long[] {k, flags});
            left -= k;
        }
    }

    private List<long[]> result() {
        if (reqOne && extents.size() > 1) {
            return List.of(extents.get(0));
        }
        return extents;
    }
}
