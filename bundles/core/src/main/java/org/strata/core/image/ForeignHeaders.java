package org.strata.core.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The headers of formats QEMU 7.2 probes but Strata serves no driver for (qed, LUKS 1, parallels, cloop, bochs), as
 * far as their probes read the first sector: a probed raw image must not be written into one of them either, since
 * qemu-img would then open it as that format.
 */
final class ForeignHeaders {

    private static final String CLOOP = "#!/bin/sh\n#V2.0 Format\n"
            + "modprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n";

    private ForeignHeaders() {
    }

    /** Whether {@code sector} (from offset 0 of the image) starts with one of those headers. */
    static boolean present(ByteBuffer sector) {
        ByteBuffer le = sector.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        return startsWith(le, "QED\0")
                || startsWith(le, "LUKS\u00ba\u00be") && le.limit() >= 8 && sector.getShort(6) == 1
                || (startsWith(le, "WithoutFreeSpace") || startsWith(le, "WithouFreSpacExt"))
                        && le.limit() >= 20 && le.getInt(16) == 2
                || startsWith(le, CLOOP)
                || bochs(le);
    }

    /** bochs: magic, type "Redolog", subtype "Growing" (each a C string in its field), version 1 or 2. */
    private static boolean bochs(ByteBuffer le) {
        if (le.limit() < 72 || !cString(le, 0, 32).equals("Bochs Virtual HD Image")
                || !cString(le, 32, 16).equals("Redolog") || !cString(le, 48, 16).equals("Growing")) {
            return false;
        }
        int version = le.getInt(64);
        return version == 0x10000 || version == 0x20000;
    }

    private static boolean startsWith(ByteBuffer b, String magic) {
        if (b.limit() < magic.length()) {
            return false;
        }
        for (int i = 0; i < magic.length(); i++) {
            if ((b.get(i) & 0xff) != magic.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The NUL-terminated string in {@code [at, at + max)} (the whole field when it has no NUL). */
    private static String cString(ByteBuffer b, int at, int max) {
        int end = at;
        while (end < at + max && b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - at];
        b.get(at, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
