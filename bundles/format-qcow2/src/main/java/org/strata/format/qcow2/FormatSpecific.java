package org.strata.format.qcow2;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/** qemu-img info's qcow2 "format-specific" data. */
final class FormatSpecific {

    private FormatSpecific() {
    }

    /** qemu-img info's format-specific data, keys in the order qemu-img prints them. */
    static Map<String, Object> of(ImageFile file) throws IOException {
        Header h = file.header();
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("compat", h.version() >= 3 ? "1.1" : "0.10");
        m.put("compression-type", Compression.name(h.compressionType()));
        if (h.version() >= 3) {
            m.put("lazy-refcounts", h.lazyRefcounts());
            List<Map<String, Object>> bitmaps = Bitmaps.describe(file);
            if (!bitmaps.isEmpty()) {
                m.put("bitmaps", bitmaps);
            }
        }
        m.put("refcount-bits", (long) file.geometry().refcountBits);
        if (h.version() >= 3) {
            if (h.hasDataFile()) {
                m.put("data-file", h.dataFileName());
                m.put("data-file-raw", h.dataFileRaw());
            }
            m.put("corrupt", file.corrupt());
            m.put("extended-l2", h.extendedL2());
        }
        return m;
    }
}
