package org.strata.format.qcow2;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;

/**
 * The header extensions after the fixed header: backing format, external data file name, feature name table,
 * bitmaps, and any unknown ones (kept byte for byte, so rewriting the header loses nothing). Immutable: a change
 * is a {@code with...} copy.
 */
final class HeaderExtensions {

    static final int END = 0;
    static final int BACKING_FORMAT = 0xe2792aca;
    static final int FEATURE_TABLE = 0x6803f857;
    static final int BITMAPS = 0x23852875;
    static final int CRYPTO = 0x0537be77;
    static final int DATA_FILE = 0x44415441;

    /** The feature names QEMU writes into version 3 images: type, bit, name. */
    private static final Object[][] STANDARD_FEATURES = {
        {0, 0, "dirty bit"}, {0, 1, "corrupt bit"}, {0, 2, "external data file"}, {0, 3, "compression type"},
        {0, 4, "extended L2 entries"}, {1, 0, "lazy refcounts"}, {2, 0, "bitmaps"}, {2, 1, "raw external data"},
    };

    /** One extension in file order ({@code data} is never changed). */
    private record Extension(int type, byte[] data) {
    }

    static final HeaderExtensions NONE = new HeaderExtensions(List.of());

    private final List<Extension> list;

    private HeaderExtensions(List<Extension> list) {
        this.list = List.copyOf(list);
    }

    static HeaderExtensions read(Storage storage, long start, long end, String name) throws IOException {
        if (end <= start) {
            return NONE;
        }
        List<Extension> list = new ArrayList<>();
        ByteBuffer area = ByteBuffer.allocate((int) (end - start));
        storage.read(area, start);
        area.flip();
        while (area.remaining() >= 8) {
            int type = area.getInt();
            long len = Integer.toUnsignedLong(area.getInt());
            if (type == END) {
                break;
            }
            if (len > area.remaining()) {
                throw new ImageFormatException(name + ": header extension 0x" + Integer.toHexString(type)
                        + " is longer (" + len + " bytes) than the space left in the header cluster");
            }
            byte[] data = new byte[(int) len];
            area.get(data);
            area.position((int) Math.min(area.limit(), area.position() + ((8 - len % 8) % 8)));
            list.add(new Extension(type, data));
        }
        return new HeaderExtensions(list);
    }

    /** The extension's data (not to be changed), or null. */
    byte[] get(int type) {
        for (Extension e : list) {
            if (e.type == type) {
                return e.data;
            }
        }
        return null;
    }

    String getString(int type) {
        byte[] d = get(type);
        return d == null ? null : new String(d, StandardCharsets.UTF_8);
    }

    /** With this extension set (or with null removed), keeping its place when it exists. */
    HeaderExtensions with(int type, byte[] data) {
        List<Extension> changed = new ArrayList<>(list);
        int at = -1;
        for (int i = 0; i < changed.size() && at < 0; i++) {
            if (changed.get(i).type == type) {
                at = i;
            }
        }
        if (at >= 0 && data == null) {
            changed.remove(at);
        } else if (at >= 0) {
            changed.set(at, new Extension(type, data));
        } else if (data != null) {
            changed.add(new Extension(type, data));
        }
        return new HeaderExtensions(changed);
    }

    HeaderExtensions withString(int type, String value) {
        return with(type, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** With QEMU's feature name table (version 3 images). */
    HeaderExtensions withStandardFeatureTable() {
        ByteBuffer b = ByteBuffer.allocate(STANDARD_FEATURES.length * 48);
        for (Object[] f : STANDARD_FEATURES) {
            int pos = b.position();
            b.put((byte) (int) (Integer) f[0]).put((byte) (int) (Integer) f[1]);
            b.put(((String) f[2]).getBytes(StandardCharsets.US_ASCII));
            b.position(pos + 48);
        }
        return with(FEATURE_TABLE, b.array());
    }

    /** The names of incompatible feature bits, from the feature name table where it names them. */
    String describeIncompatible(long bits) {
        List<String> names = new ArrayList<>();
        byte[] table = get(FEATURE_TABLE);
        for (int bit = 0; bit < 64; bit++) {
            if ((bits & (1L << bit)) == 0) {
                continue;
            }
            String name = "bit " + bit;
            for (int i = 0; table != null && i + 48 <= table.length; i += 48) {
                if (table[i] == 0 && table[i + 1] == bit) {
                    int n = 0;
                    while (n < 46 && table[i + 2 + n] != 0) {
                        n++;
                    }
                    name = new String(table, i + 2, n, StandardCharsets.US_ASCII);
                }
            }
            names.add(name);
        }
        return String.join(", ", names);
    }

    /**
     * Encodes the extensions in QEMU's order (backing format, data file, feature table, bitmaps, then the rest as
     * found), followed by the end marker. Version 2 images carry no feature table.
     */
    byte[] encode(int version) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int[] order = {BACKING_FORMAT, DATA_FILE, CRYPTO, FEATURE_TABLE, BITMAPS};
        for (int type : order) {
            if (type == FEATURE_TABLE && version < 3) {
                continue;
            }
            byte[] d = get(type);
            if (d != null) {
                put(out, type, d);
            }
        }
        for (Extension e : list) {
            boolean known = false;
            for (int type : order) {
                known |= e.type == type;
            }
            if (!known) {
                put(out, e.type, e.data);
            }
        }
        out.writeBytes(new byte[8]);
        return out.toByteArray();
    }

    private static void put(ByteArrayOutputStream out, int type, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length + (8 - data.length % 8) % 8);
        b.putInt(type).putInt(data.length).put(data);
        out.writeBytes(b.array());
    }
}
