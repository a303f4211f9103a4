package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import org.strata.api.BitmapChange;
import org.strata.api.DirtyBits;
import org.strata.api.ImageFormatException;
import org.strata.api.UnsupportedFeatureException;

/**
 * Changes the persistent dirty bitmaps as {@code qemu-img bitmap} does (docs/interop/qcow2.rst, "Bitmaps"), with
 * qemu's messages: a bitmap whose bits change gets a new table and data clusters (a cluster of zero bits has none),
 * the directory is written anew, the header switched to it, and only then are the old clusters freed. Bits are held
 * in memory, so a bitmap of more than {@link BitmapTracker#MAX_BITS} bits is refused.
 */
final class BitmapEditor {

    private static final int IN_USE = 1;
    private static final int AUTO = 2;
    private static final int DIRTY_TRACKING = 1;
    private static final int MAX_NAME = 1023;
    private static final int MIN_GRANULARITY_BITS = 9;
    private static final int MAX_GRANULARITY_BITS = 31;

    /** A bitmap as it will be: {@code bits} null when they stay where they are. */
    private static final class Entry {
        final String name;
        final int granularityBits;
        int flags;
        long tableOffset;
        int tableSize;
        BitSet bits;

        Entry(String name, int granularityBits, int flags, long tableOffset, int tableSize) {
            this.name = name;
            this.granularityBits = granularityBits;
            this.flags = flags;
            this.tableOffset = tableOffset;
            this.tableSize = tableSize;
        }
    }

    private final Qcow2Image image;
    private final ImageFile file;
    private final long cs;

    BitmapEditor(Qcow2Image image) {
        this.image = image;
        this.file = image.file();
        this.cs = file.clusterSize();
    }

    /** The bits of bitmap {@code name}. */
    DirtyBits bits(String name) throws IOException {
        Entry e = find(entries(), name);
        usable(e);
        return new DirtyBits(file.header().size(), 1L << e.granularityBits, read(e));
    }

    void apply(BitmapChange change) throws IOException {
        List<Entry> entries = entries();
        String name = change.name();
        List<Long> freed = new ArrayList<>();
        switch (change.action()) {
            case ADD -> entries.add(added(entries, name, change.granularity()));
            case REMOVE -> {
                Entry e = find(entries, name);
                entries.remove(e);
                freed.addAll(clusters(e));
            }
            case CLEAR -> usable(find(entries, name)).bits = new BitSet();
            case ENABLE -> usable(find(entries, name)).flags |= AUTO;
            case DISABLE -> usable(find(entries, name)).flags &= ~AUTO;
            case MERGE -> {
                Entry e = usable(find(entries, name));
                if (change.source().size() != file.header().size()) {
                    throw new IllegalArgumentException("Bitmaps are of different sizes (destination size is "
                            + file.header().size() + ", source size is " + change.source().size()
                            + ") and can't be merged");
                }
                BitSet bits = read(e);
                bits.or(change.source().at(1L << e.granularityBits, sizeInBits(e.granularityBits)));
                e.bits = bits;
            }
        }
        for (Entry e : entries) {
            if (e.bits != null) {
                freed.addAll(clusters(e));
                writeBits(e);
            }
        }
        store(entries, freed);
    }

    // ------------------------------------------------------------------ checks, with qemu's words

    private Entry added(List<Entry> entries, String name, long granularity) throws IOException {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("Bitmap name cannot be empty");
        }
        if (entries.stream().anyMatch(e -> e.name.equals(name))) {
            throw new IllegalArgumentException("Bitmap already exists: " + name);
        }
        // qemu takes the granularity as a 32-bit number
        long g = granularity == 0 ? Math.min(65536, Math.max(4096, cs)) : granularity & 0xffffffffL;
        if (g < 512 || Long.bitCount(g) != 1) {
            throw new IllegalArgumentException("Granularity must be power of 2 and at least 512");
        }
        int bits = Long.numberOfTrailingZeros(g);
        if (file.header().version() < 3) {
            throw new IllegalArgumentException("Can't make bitmap '" + name + "' persistent in '" + file.name()
                    + "': Cannot store dirty bitmaps in qcow2 v2 files");
        }
        if (entries.size() >= Bitmaps.MAX_BITMAPS) {
            throw new IllegalArgumentException("Can't make bitmap '" + name + "' persistent in '" + file.name()
                    + "': Too many persistent bitmaps");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME) {
            throw new IllegalArgumentException("Can't make bitmap '" + name + "' persistent in '" + file.name()
                    + "': Bitmap name is too long");
        }
        if (bits < MIN_GRANULARITY_BITS || bits > MAX_GRANULARITY_BITS) {
            throw new IllegalArgumentException("Granularity must be power of 2 and at least 512");
        }
        Entry e = new Entry(name, bits, AUTO, 0, 0);
        e.bits = new BitSet();
        return e;
    }

    private static Entry find(List<Entry> entries, String name) {
        return entries.stream().filter(e -> e.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Dirty bitmap '" + name + "' not found"));
    }

    /** A bitmap left in use by a process that did not close the image cannot be trusted, as in qemu. */
    private static Entry usable(Entry e) {
        if ((e.flags & IN_USE) != 0) {
            throw new IllegalArgumentException("Bitmap '" + e.name + "' is inconsistent and cannot be used");
        }
        return e;
    }

    // ------------------------------------------------------------------ reading

    private List<Entry> entries() throws IOException {
        List<Entry> out = new ArrayList<>();
        if ((file.header().autoclear() & Header.AUTOCLEAR_BITMAPS) == 0) {
            return out; // as qemu: an extension another program left without the autoclear bit is stale
        }
        Bitmaps.Directory d = Bitmaps.read(file);
        for (Bitmaps.Bitmap b : d == null ? List.<Bitmaps.Bitmap>of() : d.bitmaps()) {
            if (b.extraSize() != 0 || b.type() != DIRTY_TRACKING) {
                throw new UnsupportedFeatureException(file.name() + ": bitmap '" + b.name()
                        + "' has extra data or an unknown type; it cannot be changed");
            }
            out.add(new Entry(b.name(), b.granularityBits(), b.flags(), b.tableOffset(), b.tableSize()));
        }
        return out;
    }

    private long sizeInBits(int granularityBits) {
        return (file.header().size() + (1L << granularityBits) - 1) >>> granularityBits;
    }

    /** Entries of the table of a bitmap of this granularity: one per cluster of bits. */
    private long tableEntries(int granularityBits) throws IOException {
        long bits = sizeInBits(granularityBits);
        if (bits > BitmapTracker.MAX_BITS) {
            throw new UnsupportedFeatureException(file.name() + ": a bitmap of " + bits + " bits is too large to change");
        }
        return (bits + cs * 8 - 1) / (cs * 8);
    }

    private long[] table(Entry e) throws IOException {
        long n = Integer.toUnsignedLong(e.tableSize);
        if (n != tableEntries(e.granularityBits) || (e.tableOffset & (cs - 1)) != 0
                || e.tableOffset + n * 8 > file.storage().size()) {
            throw new ImageFormatException(file.name() + ": bitmap '" + e.name + "' has an invalid bitmap table");
        }
        ByteBuffer b = ByteBuffer.allocate((int) n * 8);
        file.storage().read(b, e.tableOffset);
        long[] table = new long[(int) n];
        b.flip().asLongBuffer().get(table);
        return table;
    }

    private BitSet read(Entry e) throws IOException {
        if (e.bits != null) {
            return (BitSet) e.bits.clone();
        }
        long[] table = table(e);
        long size = sizeInBits(e.granularityBits);
        BitSet bits = new BitSet();
        byte[] data = new byte[(int) cs];
        for (int k = 0; k < table.length; k++) {
            long host = table[k] & L2Entry.OFFSET_MASK;
            int first = (int) (k * cs * 8);
            if (host == 0) {
                if ((table[k] & 1) != 0) {
                    bits.set(first, (int) Math.min(size, first + cs * 8)); // all ones
                }
                continue;
            }
            if ((host & (cs - 1)) != 0 || host + cs > file.storage().size()) {
                throw new ImageFormatException(file.name() + ": bitmap '" + e.name + "' has invalid data");
            }
            file.storage().read(ByteBuffer.wrap(data), host);
            BitSet cluster = BitSet.valueOf(data);
            for (int i = cluster.nextSetBit(0); i >= 0 && first + i < size; i = cluster.nextSetBit(i + 1)) {
                bits.set(first + i);
            }
        }
        return bits;
    }

    /** The clusters of a bitmap's table and data, as it is on disk now (none for one just added). */
    private List<Long> clusters(Entry e) throws IOException {
        List<Long> out = new ArrayList<>();
        if (e.tableOffset == 0) {
            return out;
        }
        for (long t : table(e)) {
            if ((t & L2Entry.OFFSET_MASK) != 0) {
                out.add(t & L2Entry.OFFSET_MASK);
            }
        }
        long tableClusters = (Integer.toUnsignedLong(e.tableSize) * 8 + cs - 1) / cs;
        for (long c = 0; c < tableClusters; c++) {
            out.add(e.tableOffset + c * cs);
        }
        return out;
    }

    // ------------------------------------------------------------------ writing

    /** Writes the bits into new data clusters and a new table; the entry then points at them. */
    private void writeBits(Entry e) throws IOException {
        long entries = tableEntries(e.granularityBits);
        ByteBuffer table = ByteBuffer.allocate((int) entries * 8);
        long bitsPerCluster = cs * 8;
        for (long k = 0; k < entries; k++) {
            BitSet part = e.bits.get((int) (k * bitsPerCluster), (int) Math.min(Integer.MAX_VALUE,
                    (k + 1) * bitsPerCluster));
            if (part.isEmpty()) {
                continue;
            }
            long host = image.refcounts().allocate(1);
            byte[] data = new byte[(int) cs];
            byte[] set = part.toByteArray();
            System.arraycopy(set, 0, data, 0, set.length);
            file.writeNewMetadata("bitmap data", ByteBuffer.wrap(data), host);
            table.putLong((int) k * 8, host);
        }
        long tableOffset = entries == 0 ? 0 : image.refcounts().allocate((entries * 8 + cs - 1) / cs);
        if (entries > 0) {
            file.writeNewMetadata("bitmap table", table, tableOffset);
        }
        e.tableOffset = tableOffset;
        e.tableSize = (int) entries;
        e.bits = null;
    }

    /** Writes the directory, switches the header to it, then frees the clusters no longer used. */
    private void store(List<Entry> entries, List<Long> freed) throws IOException {
        Bitmaps.Extension old = Bitmaps.Extension.of(file.header());
        if (old != null && (file.header().autoclear() & Header.AUTOCLEAR_BITMAPS) != 0 && old.directorySize() > 0) {
            for (long c = 0; c < (old.directorySize() + cs - 1) / cs; c++) {
                freed.add(old.directoryOffset() + c * cs);
            }
        }
        byte[] extension = null;
        if (!entries.isEmpty()) {
            byte[] directory = encode(entries);
            long offset = image.refcounts().allocate((directory.length + cs - 1) / cs);
            file.writeNewMetadata("bitmap directory", ByteBuffer.wrap(directory), offset);
            extension = ByteBuffer.allocate(24).putInt(entries.size()).putInt(0).putLong(directory.length)
                    .putLong(offset).array();
        }
        image.refcounts().flush();
        file.storage().sync();
        file.writeHeader(file.header().withBitmaps(extension));
        file.storage().sync();
        for (long offset : freed) {
            image.refcounts().add(offset >>> file.geometry().clusterBits, -1);
        }
        image.refcounts().flush();
    }

    private static byte[] encode(List<Entry> entries) {
        int length = 0;
        for (Entry e : entries) {
            length += entryLength(e);
        }
        ByteBuffer b = ByteBuffer.allocate(length);
        for (Entry e : entries) {
            byte[] name = e.name.getBytes(StandardCharsets.UTF_8);
            int start = b.position();
            b.putLong(e.tableOffset).putInt(e.tableSize).putInt(e.flags).put((byte) DIRTY_TRACKING)
                    .put((byte) e.granularityBits).putShort((short) name.length).putInt(0).put(name);
            b.position(start + entryLength(e));
        }
        return b.array();
    }

    private static int entryLength(Entry e) {
        return (24 + e.name.getBytes(StandardCharsets.UTF_8).length + 7) / 8 * 8;
    }
}
