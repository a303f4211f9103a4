package org.strata.shell;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * JSON exactly as qemu-img prints it: four-space indentation, {@code "key": value}, and object members in the
 * order of QEMU's QDict (hash buckets of its tdb hash over 512 buckets, newest first within a bucket), so the
 * output is byte-identical to qemu-img's and diffs against it are empty.
 */
final class QemuJson {

    private static final int BUCKETS = 512;

    private QemuJson() {
    }

    /** Pretty JSON of maps (objects), collections (arrays), strings, numbers, booleans and null. */
    static String pretty(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int depth) {
        if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{\n").append(indent(depth)).append("}");
                return;
            }
            sb.append("{\n");
            List<String> keys = qdictOrder(m.keySet());
            for (int i = 0; i < keys.size(); i++) {
                sb.append(indent(depth + 1)).append(quote(keys.get(i))).append(": ");
                write(sb, m.get(keys.get(i)), depth + 1);
                sb.append(i + 1 < keys.size() ? ",\n" : "\n");
            }
            sb.append(indent(depth)).append("}");
        } else if (v instanceof Collection<?> c) {
            if (c.isEmpty()) {
                sb.append("[\n").append(indent(depth)).append("]");
                return;
            }
            sb.append("[\n");
            int i = 0;
            for (Object e : c) {
                sb.append(indent(depth + 1));
                write(sb, e, depth + 1);
                sb.append(++i < c.size() ? ",\n" : "\n");
            }
            sb.append(indent(depth)).append("]");
        } else if (v instanceof String s) {
            sb.append(quote(s));
        } else if (v == null) {
            sb.append("null");
        } else {
            sb.append(v);
        }
    }

    private static String indent(int depth) {
        return "    ".repeat(depth);
    }

    /** The keys in the order QEMU's QDict iterates them. */
    static List<String> qdictOrder(Collection<?> keys) {
        List<List<String>> buckets = new ArrayList<>();
        for (int i = 0; i < BUCKETS; i++) {
            buckets.add(null);
        }
        for (Object k : keys) {
            String key = k.toString();
            int b = bucket(key);
            if (buckets.get(b) == null) {
                buckets.set(b, new ArrayList<>());
            }
            buckets.get(b).add(0, key); // inserted at the head of the bucket's list
        }
        List<String> out = new ArrayList<>();
        for (List<String> b : buckets) {
            if (b != null) {
                out.addAll(b);
            }
        }
        return out;
    }

    /** QEMU's qdict bucket: the tdb hash of the key modulo 512. */
    static int bucket(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        int value = 0x238F13AF * bytes.length;
        for (int i = 0; i < bytes.length; i++) {
            value += (bytes[i] & 0xff) << (i * 5 % 24);
        }
        int hash = 1103515243 * value + 12345;
        return (int) (Integer.toUnsignedLong(hash) % BUCKETS);
    }

    /** A JSON string literal with QEMU's escapes. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c >= 0x7f) {
                        sb.append(String.format("\\u%04X", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
