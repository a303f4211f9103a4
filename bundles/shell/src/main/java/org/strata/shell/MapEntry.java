package org.strata.shell;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.core.ops.Extent;

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
     * The status at {@code pos} (at most {@code max} bytes), walking the chain layer by layer as qemu-img map does
     * (down while a layer says neither data nor zeroes): {@code names} are the layers' file names, top first.
     */
    static MapEntry at(FormatAccess top, List<String> names, long pos, long max) throws IOException {
        FormatAccess layer = top;
        long len = max;
        for (int depth = 0; ; depth++) {
            Extent e = Extent.ofLayer(layer, pos, len, depth);
            len = e.length();
            FormatAccess below = layer.backing();
            if (e.data() || e.zero() || below == null) {
                boolean status = e.data() || e.zero();
                return new MapEntry(pos, len, depth, status && e.allocated(), status && e.zero(), status && e.data(),
                        status ? e.offset() : -1, fileName(layer, names.get(depth), e));
            }
            layer = below;
        }
    }

    /**
     * The file the data lies in, as qemu names it: the layer itself, or its external data file (named as the
     * image records it, relative to the image).
     */
    private static String fileName(FormatAccess layer, String layerName, Extent e) throws IOException {
        if (e.storage() == null || e.storage() == layer.storages().get(0)) {
            return layerName;
        }
        var specific = layer.info().formatSpecific();
        Object dataFile = specific == null ? null : specific.get("data-file");
        return dataFile == null ? e.storage().location() : InfoReport.fullBackingName(layerName, dataFile.toString());
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
