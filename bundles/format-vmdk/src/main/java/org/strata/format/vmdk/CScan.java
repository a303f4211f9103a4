package org.strata.format.vmdk;

/**
 * The few {@code sscanf} conversions QEMU reads descriptors with, with glibc's rules: whitespace is C's, numbers
 * saturate on overflow, and a conversion that matches nothing stops the scan.
 */
final class CScan {

    private final String s;
    private int i;

    CScan(String s, int from) {
        this.s = s;
        this.i = from;
    }

    private static boolean space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000b' || c == '\f' || c == '\r';
    }

    private void skipSpace() {
        while (i < s.length() && space(s.charAt(i))) {
            i++;
        }
    }

    /** {@code %Ns}: up to {@code max} non-space chars after whitespace, or null. */
    String word(int max) {
        skipSpace();
        int start = i;
        while (i < s.length() && i - start < max && !space(s.charAt(i))) {
            i++;
        }
        return i > start ? s.substring(start, i) : null;
    }

    /** {@code %lld}: a signed decimal after whitespace, saturated to the long range, or null. */
    Long decimal() {
        skipSpace();
        int j = i;
        boolean negative = false;
        if (j < s.length() && (s.charAt(j) == '+' || s.charAt(j) == '-')) {
            negative = s.charAt(j) == '-';
            j++;
        }
        int digits = j;
        long v = 0;
        boolean overflow = false;
        while (j < s.length() && Character.isDigit(s.charAt(j)) && s.charAt(j) < 128) {
            int d = s.charAt(j) - '0';
            if (v > (Long.MAX_VALUE - d) / 10) {
                overflow = true;
            } else {
                v = v * 10 + d;
            }
            j++;
        }
        if (j == digits) {
            return null;
        }
        i = j;
        if (overflow) {
            return negative ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return negative ? -v : v;
    }

    /** A literal char after whitespace (a space before it in the format); false when another char comes. */
    boolean literal(char c) {
        skipSpace();
        if (i < s.length() && s.charAt(i) == c) {
            i++;
            return true;
        }
        return false;
    }

    /** {@code %N[^set]}: one to {@code max} chars not in {@code set} (no whitespace skipped), or null. */
    String charsNotIn(String set, int max) {
        int start = i;
        while (i < s.length() && i - start < max && set.indexOf(s.charAt(i)) < 0) {
            i++;
        }
        return i > start ? s.substring(start, i) : null;
    }

    /**
     * {@code sscanf(s + from, "%x")} into a 32-bit unsigned int: whitespace, an optional sign and {@code 0x}, hex
     * digits (the value saturates at 2^64 - 1 as strtoul does, then keeps its low 32 bits); null without digits.
     */
    static Long hex32(String s, int from) {
        if (from > s.length()) {
            return null;
        }
        CScan c = new CScan(s, from);
        c.skipSpace();
        int j = c.i;
        boolean negative = false;
        if (j < s.length() && (s.charAt(j) == '+' || s.charAt(j) == '-')) {
            negative = s.charAt(j) == '-';
            j++;
        }
        boolean prefix = j + 2 < s.length() && s.charAt(j) == '0' && (s.charAt(j + 1) == 'x' || s.charAt(j + 1) == 'X');
        if (prefix && s.charAt(j + 2) < 128 && Character.digit(s.charAt(j + 2), 16) >= 0) {
            j += 2;
        }
        int digits = j;
        long v = 0;
        boolean overflow = false;
        while (j < s.length() && s.charAt(j) < 128 && Character.digit(s.charAt(j), 16) >= 0) {
            if (Long.compareUnsigned(v, 0x0fffffffffffffffL) > 0) {
                overflow = true;
            }
            v = (v << 4) | Character.digit(s.charAt(j), 16);
            j++;
        }
        if (j == digits) {
            return null;
        }
        if (overflow) {
            v = -1L;
        }
        if (negative) {
            v = -v;
        }
        return v & 0xffffffffL;
    }
}
