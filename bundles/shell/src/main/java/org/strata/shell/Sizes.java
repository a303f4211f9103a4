package org.strata.shell;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/** Sizes as qemu-img and qemu-io read and print them. */
final class Sizes {
    private Sizes() {
    }

    /** Why {@link #strtosz} refused a text: qemu's EINVAL (not a size) or ERANGE (above 2^63 - 1). */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean tooLarge;

        Invalid(boolean tooLarge) {
            super(tooLarge ? "too large" : "not a size", null, false, false);
            this.tooLarge = tooLarge;
        }
    }

    private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

    /**
     * A size as qemu reads one (qemu_strtosz, capped at 2^63 - 1 as qemu-img's and qemu-io's cvtnum are): a decimal
     * number of bytes, or a hexadecimal one ({@code 0x100}), or a decimal number with one of the suffixes b/B, k/K,
     * M, G, T, P, E (powers of 1024), which may have a fraction ({@code 1.5G}; a fraction of bytes is refused). No
     * sign but +, no exponent, nothing after the suffix.
     */
    static long strtosz(String s) throws Invalid {
        int i = 0;
        int n = s.length();
        while (i < n && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            if (s.charAt(i) == '-') {
                throw new Invalid(false);
            }
            i++;
        }
        int digits = i;
        while (i < n && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
            i++;
        }
        if (i == digits) {
            throw new Invalid(false);
        }
        BigDecimal value = new BigDecimal(s.substring(digits, i));
        if (i < n && (s.charAt(i) == 'x' || s.charAt(i) == 'X') && value.signum() == 0) {
            return hexadecimal(s, i + 1);
        }
        boolean fraction = false;
        if (i < n && s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
                i++;
            }
            if (i > start) {
                if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E') && exponentFollows(s, i + 1)) {
                    throw new Invalid(false);
                }
                BigDecimal f = new BigDecimal("0." + s.substring(start, i));
                fraction = f.signum() != 0;
                value = value.add(f);
            }
        }
        int shift = i < n ? suffixShift(s.charAt(i)) : -1;
        if (shift >= 0) {
            i++;
        }
        if (i != n || fraction && shift <= 0) {
            throw new Invalid(false);
        }
        BigInteger bytes = value.multiply(BigDecimal.valueOf(2).pow(Math.max(shift, 0)))
                .setScale(0, RoundingMode.HALF_UP).toBigInteger();
        if (bytes.compareTo(MAX) > 0) {
            throw new Invalid(true);
        }
        return bytes.longValueExact();
    }

    private static long hexadecimal(String s, int from) throws Invalid {
        int i = from;
        while (i < s.length() && Character.digit(s.charAt(i), 16) >= 0 && s.charAt(i) < 128) {
            i++;
        }
        // a suffix after a hexadecimal number is deprecated in qemu 7.2, but still read (b and e are digits)
        int shift = i < s.length() ? suffixShift(s.charAt(i)) : 0;
        if (i == from || shift < 0 || i + (shift > 0 ? 1 : 0) != s.length()) {
            throw new Invalid(false);
        }
        BigInteger v = new BigInteger(s.substring(from, i), 16).shiftLeft(shift);
        if (v.compareTo(MAX) > 0) {
            throw new Invalid(true);
        }
        return v.longValueExact();
    }

    /** Whether {@code s} is a hexadecimal size with a suffix, which qemu reads with a deprecation warning. */
    static boolean hexWithSuffix(String s) {
        return s.strip().matches("[+]?0[xX][0-9a-fA-F]+[kKmMgGtTpP]");
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
        return switch (Character.toUpperCase(c)) {
            case 'B' -> 0;
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            case 'P' -> 50;
            case 'E' -> 60;
            default -> -1;
        };
    }

    /** A size option of a command, failing with qemu-img's message naming {@code what} (e.g. "image size"). */
    static long parse(String s, String what) throws CommandFailure {
        try {
            return strtosz(s);
        } catch (Invalid e) {
            throw new CommandFailure("Invalid " + what + " specified. " + (e.tooLarge
                    ? "Must be between 0 and " + Long.MAX_VALUE + "."
                    : "You may use k, M, G, T, P or E suffixes for kilobytes, megabytes, gigabytes, terabytes,"
                    + " petabytes and exabytes."), 1);
        }
    }

    /** A size given as an option of the new image ({@code -o size=}, resize's size), with qemu's message. */
    static long option(String name, String s) throws CommandFailure {
        try {
            return strtosz(s);
        } catch (Invalid e) {
            throw new CommandFailure("Parameter '" + name + "' expects a non-negative number below 2^64 (optional"
                    + " suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta- and exabytes)", 1);
        }
    }

    /** qemu's size_to_str: three significant digits and a binary unit, e.g. {@code 64 MiB}, {@code 1.5 GiB}. */
    static String human(long bytes) {
        String[] units = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
        // Switch to the next unit when the number would reach 1000, as qemu does.
        int i = 0;
        double scaled = bytes;
        while (i < units.length - 1 && bytes >= 1000L * (1L << (10 * i))) {
            i++;
        }
        scaled = bytes / (double) (1L << (10 * i));
        BigDecimal d = new BigDecimal(scaled).round(new MathContext(3)).stripTrailingZeros();
        return d.toPlainString() + " " + units[i] + "B";
    }
}
