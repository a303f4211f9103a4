package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.strata.api.ImageFormatException;

/**
 * Persistent bitmaps (docs/interop/qcow2.rst, "Bitmaps"): Strata keeps them intact (their clusters stay
 * referenced, the extension is rewritten unchanged), describes them for info, and counts their clusters in checks.
 */
final class Bitmaps {

    static final int MAX_BITMAPS = 65535;
    static final long MAX_DIRECTORY = 64L << 20;
    static final long MAX_TABLE_ENTRIES = 1L << 27;

    /** One bitmap directory entry. */
    record Bitmap(String name, long tableOffset, int tableSize, int flags, int type, int granularityBits,
                  int extraSize, int position) {
    }

    /** The clusters of the directory, as offset and length. */
    record Directory(long offset, long length, List<Bitmap> bitmaps) {
    }

    /** The header's bitmaps extension: how many bitmaps there are and where their directory lies (unchecked). */
    record Extension(long count, long directorySize, long directoryOffset) {

        /** The extension of {@code header}, or null when it has none. */
        static Extension of(Header header) {
            byte[] ext = header.extensions().get(HeaderExtensions.BITMAPS);
            if (ext == null || ext.length < 24) {
                return null;
            }
            ByteBuffer e = ByteBuffer.wrap(ext);
            return new Extension(e.getInt(0) & 0xffffffffL, e.getLong(8), e.getLong(16));
        }
    }

    private Bitmaps() {
    }

    static Directory read(ImageFile file) throws IOException {
        Extension ext = Extension.of(file.header());
        if (ext == null) {
            return null;
        }
        String name = file.name();
        long nb = ext.count();
        long size = ext.directorySize();
        long offset = ext.directoryOffset();
        if (nb > MAX_BITMAPS || size < 0 || size > MAX_DIRECTORY) {
            throw new ImageFormatException(name + ": bitmap directory is too large");
        }
        Header.checkTable(name, "bitmap directory", offset, size, file.clusterSize(), file.storage().size());
        // Entry by entry, never the size the extension claims at once: a sparse file may claim 64 MiB of directory
        // for a few entries, and the directory is read at open, info and check alike.
        List<Bitmap> list = new ArrayList<>();
        ByteBuffer fixed = ByteBuffer.allocate(24);
        int pos = 0;
        for (long i = 0; i < nb; i++) {
            if (pos + 24 > size) {
                throw new ImageFormatException(name + ": bitmap directory is truncated");
            }
            fixed.clear();
            file.storage().read(fixed, offset + pos);
            long tableOffset = fixed.getLong(0);
            int tableSize = fixed.getInt(8);
            int flags = fixed.getInt(12);
            int type = fixed.get(16) & 0xff;
            int granularity = fixed.get(17) & 0xff;
            int nameSize = fixed.getShort(18) & 0xffff;
            int extra = fixed.getInt(20);
            if (extra < 0 || (long) pos + 24 + extra + nameSize > size) {
                throw new ImageFormatException(name + ": bitmap directory entry " + i + " is invalid");
            }
            byte[] bitmapName = new byte[nameSize];
            file.storage().read(ByteBuffer.wrap(bitmapName), offset + pos + 24 + extra);
            list.add(new Bitmap(new String(bitmapName, StandardCharsets.UTF_8), tableOffset, tableSize, flags, type,
                    granularity, extra, pos));
            pos += (24 + extra + nameSize + 7) / 8 * 8;
        }
        return new Directory(offset, size, list);
    }

    /** qemu-img info's "bitmaps" list. */
    static List<Map<String, Object>> describe(ImageFile file) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        Directory d = read(file);
        if (d == null) {
            return out;
        }
        for (Bitmap b : d.bitmaps) {
            Map<String, Object> m = new LinkedHashMap<>();
            List<String> flags = new ArrayList<>();
            if ((b.flags & 1) != 0) {
                flags.add("in-use");
            }
            if ((b.flags & 2) != 0) {
                flags.add("auto");
            }
            m.put("flags", flags);
            m.put("name", b.name);
            m.put("granularity", 1L << b.granularityBits);
            out.add(m);
        }
        return out;
    }

    /** Counts one reference for every cluster the bitmaps use: directory, tables, data. */
    static void addReferences(ImageFile file, References refs) throws IOException {
        Directory d;
        try {
            d = read(file);
        } catch (ImageFormatException e) {
            refs.corruption("ERROR " + e.getMessage());
            return;
        }
        if (d == null) {
            return;
        }
        refs.addRange(d.offset, d.length, "bitmap directory");
        for (Bitmap b : d.bitmaps) {
            long entries = Integer.toUnsignedLong(b.tableSize);
            long cs = file.clusterSize();
            if (entries > MAX_TABLE_ENTRIES || (b.tableOffset & (cs - 1)) != 0) {
                refs.corruption("ERROR bitmap '" + b.name + "' has an invalid bitmap table");
                continue;
            }
            refs.addRange(b.tableOffset, entries * 8, "bitmap table");
            for (long i = 0; i < entries; i += 4096) {
                int n = (int) Math.min(4096, entries - i);
                ByteBuffer t = ByteBuffer.allocate(n * 8);
                file.storage().read(t, b.tableOffset + i * 8);
                t.flip();
                for (int k = 0; k < n; k++) {
                    long off = t.getLong() & L2Entry.OFFSET_MASK;
                    if (off != 0) {
                        refs.addRange(off, cs, "bitmap data");
                    }
                }
            }
        }
    }
}
