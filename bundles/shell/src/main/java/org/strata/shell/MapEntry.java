package org.strata.shell;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.BlockStatus;
import org.strata.api.FormatAccess;
import org.strata.api.ShallowMapping;

/**
 * One run of {@code image:map}: what qemu-img map reports for a range of the guest disk.
 *
 * @param offset host offset in {@code file}, or -1 when there is none (zeroes, compressed data)
 */
record MapEntry(long start, long length, int depth, boolean present, boolean zero, boolean data, long offset,
                String file) {

    /** Whether {@code next} continues this entry (same status, and the host offsets run on). */
    boolean continuedBy(MapEntry next) {
        return next.start == start + length && next.depth == depth && next.present == present && next.zero == zero
                && next.data == data && (offset < 0) == (next.offset < 0)
                && (offset < 0 || next.offset == offset + length && next.file.equals(file));
    }

    MapEntry join(MapEntry next) {
        return new MapEntry(start, length + next.length, depth, present, zero, data, offset, file);
    }

    String json() {
        return "{ \"start\": " + start + ", \"length\": " + length + ", \"depth\": " + depth + ", \"present\": "
                + present + ", \"zero\": " + zero + ", \"data\": " + data + (offset >= 0 ? ", \"offset\": " + offset : "")
                + "}";
    }

    /**
     * The status at {@code pos} (at most {@code max} bytes), walking the chain layer by layer as qemu-img does:
     * {@code names} are the layers' file names, top first.
     */
    static MapEntry at(FormatAccess top, List<String> names, long pos, long max) throws IOException {
        FormatAccess layer = top;
        long off = pos;
        long len = max;
        int depth = 0;
        while (true) {
            ShallowMapping m = layer.getShallowMapping(off, len);
            len = Math.min(len, m.length());
            if (m instanceof ShallowMapping.Raw r) {
                BlockStatus st = r.storage().blockStatus(r.offset(), len);
                len = Math.min(len, st.length());
                // qemu's raw driver passes the file's status through; other formats report data, plus zero
                // when the file has a hole there
                boolean raw = layer.formatName().equals("raw");
                boolean zero = st.zero();
                boolean data = raw ? !st.zero() : true;
                return new MapEntry(pos, len, depth, true, zero, data, r.offset(), names.get(depth));
            } else if (m instanceof ShallowMapping.Special) {
                return new MapEntry(pos, len, depth, true, false, true, -1, names.get(depth));
            } else if (m instanceof ShallowMapping.Zero z) {
                return new MapEntry(pos, len, depth, z.explicit(), true, false, -1, names.get(depth));
            } else if (m instanceof ShallowMapping.Indirect i) {
                long backingSize = i.layer().size();
                if (i.offset() >= backingSize) {
                    return new MapEntry(pos, len, depth, false, true, false, -1, names.get(depth));
                }
                len = Math.min(len, backingSize - i.offset());
                layer = i.layer();
                off = i.offset();
                depth++;
            } else {
                return new MapEntry(pos, len, depth, false, true, false, -1, names.get(depth));
            }
        }
    }

    /** Every entry of [start, end), joined where they continue each other. */
    static List<MapEntry> all(FormatAccess top, List<String> names, long start, long end) throws IOException {
        List<MapEntry> out = new ArrayList<>();
        long pos = start;
        while (pos < end) {
            MapEntry e = at(top, names, pos, end - pos);
            if (!out.isEmpty() && out.get(out.size() - 1).continuedBy(e)) {
                out.set(out.size() - 1, out.get(out.size() - 1).join(e));
            } else {
                out.add(e);
            }
            pos += e.length();
        }
        return out;
    }
}
