package org.strata.format.vmdk;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.ImageFormatException;

/**
 * Reading a VMDK descriptor (the text naming the extents, the CIDs and the parent) exactly as QEMU reads it: C
 * strings (up to the first NUL byte), {@code strstr} for the keys, and {@code sscanf} semantics for extent lines, so
 * that every descriptor QEMU accepts is read the same and every one it refuses is refused. The text is held one
 * char per byte (ISO-8859-1); file names are decoded as UTF-8 when they leave this class.
 */
final class Descriptor {

    /** How much of a descriptor file QEMU reads (1 MiB - 1). */
    static final int MAX_FILE_TEXT = (1 << 20) - 1;
    /** The descriptor area QEMU reads for the CIDs and the parent (20 sectors). */
    static final int DESC_SIZE = 20 * 512;
    /** QEMU's buffer for a backing file name (PATH_MAX). */
    private static final int MAX_PARENT_NAME = 4095;

    /** One extent line: {@code ACCESS SECTORS TYPE "FILE" [OFFSET]}. */
    record ExtentLine(String access, long sectors, String type, String fileName, long flatOffset) {
    }

    private final String text;

    private Descriptor(String text) {
        this.text = text;
    }

    /** The descriptor in {@code bytes}, up to the first NUL. */
    static Descriptor of(byte[] bytes, int length) {
        int end = 0;
        while (end < length && bytes[end] != 0) {
            end++;
        }
        return new Descriptor(new String(bytes, 0, end, StandardCharsets.ISO_8859_1));
    }

    /** This descriptor cut to {@code length} chars (QEMU reads some keys from a shorter buffer). */
    Descriptor truncated(int length) {
        return text.length() <= length ? this : new Descriptor(text.substring(0, length));
    }

    /**
     * QEMU's {@code vmdk_parse_description}: the value after {@code name="} up to the next quote, or null when
     * there is none (or it would not fit QEMU's buffer of {@code bufSize}).
     */
    String option(String name, int bufSize) {
        int at = text.indexOf(name);
        if (at < 0) {
            return null;
        }
        int start = at + name.length() + 2;
        if (start >= text.length()) {
            return null;
        }
        int end = text.indexOf('"', start);
        if (end < 0 || bufSize < end - start + 1) {
            return null;
        }
        return text.substring(start, end);
    }

    /** The CID ({@code parent} false) or parent CID, as QEMU's {@code vmdk_read_cid} finds it; null when absent. */
    Long cid(boolean parent) {
        String key = parent ? "parentCID" : "CID";
        int at = text.indexOf(key);
        if (at < 0) {
            return null;
        }
        return CScan.hex32(text, at + key.length() + 1);
    }

    /**
     * The parent named by {@code parentFileNameHint="..."}, null when there is none.
     *
     * @throws ImageFormatException when the name has no closing quote or is too long for QEMU
     */
    String parentFileNameHint(String where) throws ImageFormatException {
        String key = "parentFileNameHint";
        int at = text.indexOf(key);
        if (at < 0) {
            return null;
        }
        int start = at + key.length() + 2;
        int end = start <= text.length() ? text.indexOf('"', start) : -1;
        if (end < 0 || end - start > MAX_PARENT_NAME) {
            throw new ImageFormatException(where + ": Invalid argument (bad parentFileNameHint in the descriptor)");
        }
        String name = utf8(text.substring(start, end));
        return name.isEmpty() ? null : name;
    }

    /**
     * The extent lines QEMU uses: read-write lines of a known type with a positive size (others are skipped, as
     * QEMU skips them).
     *
     * @throws ImageFormatException for a line QEMU calls invalid
     */
    List<ExtentLine> extents(String where) throws ImageFormatException {
        List<ExtentLine> out = new ArrayList<>();
        int p = 0;
        while (p < text.length()) {
            int nl = text.indexOf('\n', p);
            Scanned l = scanExtentLine(p);
            if (l.matches >= 4 && l.access.equals("RW")) {
                long flatOffset = l.offset;
                boolean valid = l.type.equals("FLAT") ? l.matches == 5 && l.offset >= 0 : l.matches == 4;
                if (!valid) {
                    throw new ImageFormatException(where + ": Invalid extent line: "
                            + text.substring(p, nl < 0 ? text.length() : nl));
                }
                if (l.type.equals("VMFS")) {
                    flatOffset = 0;
                }
                if (l.sectors > 0 && EXTENT_TYPES.contains(l.type)) {
                    out.add(new ExtentLine(l.access, l.sectors, l.type, utf8(l.name), flatOffset));
                }
            }
            p = nl < 0 ? text.length() : nl + 1;
        }
        return out;
    }

    private static final List<String> EXTENT_TYPES = List.of("FLAT", "SPARSE", "VMFS", "VMFSSPARSE", "SESPARSE");

    /** What {@code sscanf} assigned: the number of items and their values. */
    private record Scanned(int matches, String access, long sectors, String type, String name, long offset) {
    }

    /**
     * {@code sscanf(p, "%10s %lld %10s \"%511[^\n\r\"]\" %lld", ...)} from {@code p}, which, as in C, may read on
     * past the end of the line.
     */
    private Scanned scanExtentLine(int p) {
        CScan s = new CScan(text, p);
        String access = s.word(10);
        Long sectors = access == null ? null : s.decimal();
        String type = sectors == null ? null : s.word(10);
        String name = type != null && s.literal('"') ? s.charsNotIn("\n\r\"", 511) : null;
        Long offset = name != null && s.literal('"') ? s.decimal() : null;
        int matches = access == null ? 0 : sectors == null ? 1 : type == null ? 2 : name == null ? 3
                : offset == null ? 4 : 5;
        return new Scanned(matches, access, sectors == null ? 0 : sectors, type, name, offset == null ? -1 : offset);
    }

    private static String utf8(String latin1) {
        return new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
}
