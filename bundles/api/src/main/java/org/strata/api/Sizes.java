package org.strata.api;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;

/**
 * Sizes as QEMU reads and prints them, for drivers (size-typed creation options) and commands alike:
 * {@link #parse} is qemu_strtosz, {@link #parseOption} a size-typed option ({@code -o cluster_size=64k}) with the
 * messages of QEMU's option parser, {@link #human} size_to_str.
 */
public final class Sizes {

    private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private Sizes() {
    }

    /** Why {@link #parse} refused a text: not a size (qemu's EINVAL), or one above 2^63 - 1 (ERANGE). */
    public static final class InvalidSizeException extends Exception {

        private static final long serialVersionUID = 1L;

        private final boolean tooLarge;

        InvalidSizeException(boolean tooLarge) {
            super(tooLarge ? "too large" : "not a size", null, false, false);
            this.tooLarge = tooLarge;
        }

        /** Whether the text is a size, only one above 2^63 - 1. */
        public boolean tooLarge() {
            return tooLarge;
        }
    }

    /**
     * A size as qemu reads one (qemu_strtosz, capped at 2^63 - 1 as qemu-img's and qemu-io's cvtnum are): a decimal
     * number of bytes, a hexadecimal one ({@code 0x100}), or a decimal number with one of the suffixes b/B, k/K, M,
     * G, T, P, E (powers of 1024), which may have a fraction ({@code 1.5G}; a fraction of bytes is refused). No sign
     * but +, no exponent, nothing after the suffix. A fraction is read as qemu reads it, into 64 fractional bits,
     * and the product rounded half up: {@code 1.1E} is 1268213655067531680, as in qemu-img, not 1.1 * 2^60.
     */
    public static long parse(String s) throws InvalidSizeException {
        int i = 0;
        int n = s.length();
        while (i < n && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            if (s.charAt(i) == '-') {
                throw new InvalidSizeException(false);
            }
            i++;
        }
        int digits = i;
        i = skipDigits(s, i);
        if (i == digits) {
            throw new InvalidSizeException(false);
        }
        BigInteger whole = new BigInteger(s.substring(digits, i));
        if (i < n && (s.charAt(i) == 'x' || s.charAt(i) == 'X') && whole.signum() == 0) {
            return hexadecimal(s, i + 1);
        }
        long fraction = 0; // unsigned, in units of 2^-64
        if (i < n && s.charAt(i) == '.') {
            int start = ++i;
            i = skipDigits(s, i);
            if (i > start) {
                if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E') && exponentFollows(s, i + 1)) {
                    throw new InvalidSizeException(false);
                }
                fraction = fixedPoint(Double.parseDouble("0." + s.substring(start, i)));
            }
        }
        int shift = i < n ? suffixShift(s.charAt(i)) : -1;
        if (shift >= 0) {
            i++;
        }
        if (i != n || fraction != 0 && shift <= 0) {
            throw new InvalidSizeException(false);
        }
        shift = Math.max(shift, 0);
        BigInteger fractionBytes = new BigInteger(Long.toUnsignedString(fraction)).shiftLeft(shift);
        BigInteger bytes = whole.shiftLeft(shift).add(fractionBytes.shiftRight(64))
                .add(fractionBytes.testBit(63) ? BigInteger.ONE : BigInteger.ZERO);
        return checked(bytes);
    }

    private static int skipDigits(String s, int i) {
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    /**
     * A fraction in [0, 1] as qemu converts its double to 64 fractional bits, {@code (uint64_t)(f * 0x1p64)}; a
     * fraction that rounds to 1.0 overflows that conversion, which gives 0 on x86-64, as the qemu-img this mirrors
     * does ({@code 2.9999999999999999999k} is 2048 there).
     */
    private static long fixedPoint(double fraction) {
        double scaled = fraction * 0x1p64;
        if (scaled >= 0x1p64) {
            return 0;
        }
        return scaled >= 0x1p63 ? (long) (scaled - 0x1p63) ^ Long.MIN_VALUE : (long) scaled;
    }

    private static long hexadecimal(String s, int from) throws InvalidSizeException {
        int i = from;
        while (i < s.length() && Character.digit(s.charAt(i), 16) >= 0 && s.charAt(i) < 128) {
            i++;
        }
        // a suffix after a hexadecimal number is deprecated in qemu 7.2, but still read (b and e are digits)
        int shift = i < s.length() ? suffixShift(s.charAt(i)) : 0;
        if (i == from || shift < 0 || i + (shift > 0 ? 1 : 0) != s.length()) {
            throw new InvalidSizeException(false);
        }
        return checked(new BigInteger(s.substring(from, i), 16).shiftLeft(shift));
    }

    private static long checked(BigInteger bytes) throws InvalidSizeException {
        if (bytes.compareTo(MAX) > 0) {
            throw new InvalidSizeException(true);
        }
        return bytes.longValueExact();
    }

    /** Whether an exponent's digits (with an optional sign) start at {@code i}: strtod would take them. */
    private static boolean exponentFollows(String s, int i) {
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        return i < s.length() && Character.isDigit(s.charAt(i));
    }

    /** The power of two a suffix letter stands for, or -1. */
    private static int suffixShift(char c) {
        switch (Character.toUpperCase(c)) {
            case 'B':
                return 0;
            case 'K':
                return 10;
            case 'M':
                return 20;
            case 'G':
                return 30;
            case 'T':
                return 40;
            case 'P':
                return 50;
            case 'E':
                return 60;
            default:
                return -1;
        }
    }

    /**
     * A size-typed option ({@code -o size=1G}, {@code cluster_size=64k}) read as {@link #parse} reads it, failing
     * with the words of qemu's option parser: "Parameter 'NAME' expects a non-negative number below 2^64" for what is
     * not a size, "Value 'TEXT' is out of range for parameter 'NAME'" for one too large.
     *
     * @throws IllegalArgumentException with that message
     */
    public static long parseOption(String name, String text) {
        try {
            return parse(text);
        } catch (InvalidSizeException e) {
            throw new IllegalArgumentException(e.tooLarge()
                    ? "Value '" + text + "' is out of range for parameter '" + name + "'"
                    : "Parameter '" + name + "' expects a non-negative number below 2^64 (optional suffix k, M, G,"
                    + " T, P or E means kilo-, mega-, giga-, tera-, peta- and exabytes)");
        }
    }

    /** qemu's size_to_str: three significant digits and a binary unit, e.g. {@code 64 MiB}, {@code 1.5 GiB}. */
    public static String human(long bytes) {
        String[] units = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
        // switch to the next unit when the number would reach 1000, as qemu does
        int i = 0;
        while (i < units.length - 1 && bytes >= 1000L * (1L << (10 * i))) {
            i++;
        }
        double scaled = bytes / (double) (1L << (10 * i));
        BigDecimal d = new BigDecimal(scaled).round(new MathContext(3)).stripTrailingZeros();
        return d.toPlainString() + " " + units[i] + "B";
    }
}
