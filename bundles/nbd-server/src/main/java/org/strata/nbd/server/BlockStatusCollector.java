package org.strata.nbd.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.BlockStatus;
import org.strata.api.FormatAccess;
import org.strata.api.Mapping;
import org.strata.api.ShallowMapping;

/**
 * Turns an image's mappings into block status extents: {@code base:allocation} from the resolved mappings
 * (zero and end-of-file ranges are holes that read as zeroes; raw data asks its storage about holes), and
 * {@code qemu:allocation-depth} from walking the backing chain layer by layer.
 */
final class BlockStatusCollector {

    /** Extents per context and reply; the client asks again for the rest. */
    static final int MAX_EXTENTS = 1 << 16;

    private final long maxExtentLength;
    private final boolean reqOne;
    private final long end;
    private final List<long[]> extents = new ArrayList<>();

    /**
     * @param maxExtentLength the longest extent the reply format can carry (32 bits without extended headers)
     * @param reqOne          the client wants one extent only
     */
    private BlockStatusCollector(long offset, long length, long maxExtentLength, boolean reqOne) {
        this.end = offset + length;
        this.maxExtentLength = maxExtentLength;
        this.reqOne = reqOne;
    }

    static List<long[]> collect(FormatAccess access, MetaContext context, long offset, long length,
            long maxExtentLength, boolean reqOne) throws IOException {
        BlockStatusCollector c = new BlockStatusCollector(offset, length, maxExtentLength, reqOne);
        if (context == MetaContext.BASE_ALLOCATION) {
            c.allocation(access, offset);
        } else {
            c.depth(access, offset);
        }
        return c.result();
    }

    private void allocation(FormatAccess access, long offset) throws IOException {
        long pos = offset;
        while (pos < end && !full()) {
            Mapping m = access.getMapping(pos, end - pos);
            long n = Math.min(m.length(), end - pos);
            if (m instanceof Mapping.Raw raw) {
                long done = 0;
                while (done < n && !full()) {
                    BlockStatus st = raw.storage().blockStatus(raw.offset() + done, n - done);
                    long k = st.length() <= 0 ? n - done : Math.min(st.length(), n - done);
                    int flags = st.zero() ? (st.data() ? Nbd.STATE_ZERO : Nbd.STATE_HOLE | Nbd.STATE_ZERO) : 0;
                    add(k, flags);
                    done += k;
                }
            } else if (m instanceof Mapping.Special) {
                add(n, 0);
            } else {
                add(n, Nbd.STATE_HOLE | Nbd.STATE_ZERO);
            }
            pos += n;
        }
    }

    private void depth(FormatAccess access, long offset) throws IOException {
        long pos = offset;
        while (pos < end && !full()) {
            FormatAccess layer = access;
            long layerOffset = pos;
            long n = end - pos;
            int depth = 0;
            int found;
            while (true) {
                ShallowMapping m = layer.getShallowMapping(layerOffset, n);
                n = Math.min(n, m.length());
                if (m instanceof ShallowMapping.Indirect i) {
                    layer = i.layer();
                    layerOffset = i.offset();
                    depth++;
                    continue;
                }
                if (m instanceof ShallowMapping.Raw || m instanceof ShallowMapping.Special) {
                    found = depth + 1;
                } else if (m instanceof ShallowMapping.Zero z && z.explicit()) {
                    found = depth + 1;
                } else {
                    found = 0; // unallocated in the whole chain, or past a layer's end
                }
                break;
            }
            add(n, found);
            pos += n;
        }
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
