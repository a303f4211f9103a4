package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Keeps the image's enabled ("auto") persistent dirty bitmaps true while Strata writes: marks them in use at the
 * first change, records every changed range, and sets those bits in the bitmaps' data at close, then clears the
 * in-use flag (as QEMU does). A bitmap too large to track in memory is left marked in use: inconsistent, which
 * QEMU reports, but never silently wrong. Runs under the metadata lock.
 */
final class BitmapTracker {

    /** At most this many bits per bitmap are tracked in memory (32 MiB). */
    static final long MAX_BITS = 1L << 28;
    private static final int IN_USE = 1;
    private static final int AUTO = 2;

    private record Tracked(Bitmaps.Bitmap bitmap, BitSet dirty) {
    }

    private final Qcow2Image image;
    private final ImageFile file;
    private final List<Tracked> tracked = new ArrayList<>();
    private long directoryOffset;
    private boolean inUse;

    BitmapTracker(Qcow2Image image) {
        this.image = image;
        this.file = image.file();
    }

    void load() throws IOException {
        tracked.clear();
        inUse = false;
        if (!file.writable() || file.corrupt() || (file.header().autoclear() & Header.AUTOCLEAR_BITMAPS) == 0) {
            return;
        }
        Bitmaps.Directory d = Bitmaps.read(file);
        if (d == null) {
            return;
        }
        directoryOffset = d.offset();
        for (Bitmaps.Bitmap b : d.bitmaps()) {
            if ((b.flags() & AUTO) != 0 && (b.flags() & IN_USE) == 0 && b.type() == 1) {
                tracked.add(new Tracked(b, new BitSet()));
            }
        }
    }

    /** Whether writes must be seen by the driver (so no mapping is handed out as writable in place). */
    boolean active() {
        return !tracked.isEmpty();
    }

    /** Records that guest range {@code [offset, offset+length)} changed. */
    void changed(long offset, long length) throws IOException {
        if (tracked.isEmpty() || length <= 0) {
            return;
        }
        if (!inUse) {
            setFlags(true);
        }
        for (Tracked t : tracked) {
            int bits = t.bitmap.granularityBits();
            long first = offset >>> bits;
            long last = (offset + length - 1) >>> bits;
            if (last < MAX_BITS) {
                t.dirty.set((int) first, (int) last + 1);
            }
        }
    }

    /** Every bit (after a snapshot was applied). */
    void changedAll() throws IOException {
        changed(0, file.header().size());
    }

    private void setFlags(boolean on) throws IOException {
        for (Tracked t : tracked) {
            int flags = on ? t.bitmap.flags() | IN_USE : t.bitmap.flags() & ~IN_USE;
            file.updateMetadata(Metadata.BITMAP_DIRECTORY, ByteBuffer.allocate(4).putInt(0, flags),
                    directoryOffset + t.bitmap.position() + 12);
        }
        file.storage().sync();
        inUse = on;
    }

    /** Writes the recorded bits into the bitmaps' data and clears their in-use flag. */
    void store() throws IOException {
        if (!inUse) {
            return;
        }
        long cs = file.clusterSize();
        long bitsPerCluster = cs * 8;
        boolean complete = true;
        for (Tracked t : tracked) {
            int granularityBits = t.bitmap.granularityBits();
            long sizeBits = (file.header().size() + (1L << granularityBits) - 1) >>> granularityBits;
            if (sizeBits > MAX_BITS) {
                complete = false;
                continue;
            }
            BitSet dirty = t.dirty;
            for (int i = dirty.nextSetBit(0); i >= 0; ) {
                long k = i / bitsPerCluster;
                if (k >= Integer.toUnsignedLong(t.bitmap.tableSize())) {
                    complete = false;
                    break;
                }
                int end = (int) Math.min(Integer.MAX_VALUE, (k + 1) * bitsPerCluster);
                storeCluster(t.bitmap, k, dirty.get(i, end), i - (int) (k * bitsPerCluster));
                i = end < 0 ? -1 : dirty.nextSetBit(end);
            }
            dirty.clear();
        }
        image.flushLocked();
        file.storage().sync();
        if (complete) {
            setFlags(false);
        }
    }

    /** ORs {@code bits} (starting at bit {@code shift} of the cluster) into bitmap data cluster {@code k}. */
    private void storeCluster(Bitmaps.Bitmap b, long k, BitSet bits, int shift) throws IOException {
        long cs = file.clusterSize();
        long entryOffset = b.tableOffset() + 8 * k;
        ByteBuffer e = ByteBuffer.allocate(8);
        file.storage().read(e, entryOffset);
        long entry = e.getLong(0);
        long host = entry & L2Entry.OFFSET_MASK;
        if (host == 0 && (entry & 1) != 0) {
            return; // all ones already
        }
        byte[] data = new byte[(int) cs];
        if (host != 0) {
            file.storage().read(ByteBuffer.wrap(data), host);
        }
        for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
            int bit = shift + i;
            data[bit >>> 3] |= (byte) (1 << (bit & 7));
        }
        boolean fresh = host == 0;
        if (fresh) {
            host = image.refcounts().allocate(1);
        }
        file.requireNoOverlap(host, cs, "bitmap data");
        file.storage().write(ByteBuffer.wrap(data), host);
        if (fresh) {
            image.refcounts().flush();
            file.orderedSync();
            file.updateMetadata(Metadata.BITMAP_TABLE, ByteBuffer.allocate(8).putLong(0, host), entryOffset);
        }
    }
}
