package org.strata.shell;

import java.math.BigDecimal;
import java.math.MathContext;

/** Sizes as qemu-img reads and prints them. */
final class Sizes {
    private Sizes() {
    }

    /**
     * Parses a size: plain bytes, or a number with the suffix k/K, M, G, T, P, E (powers of 1024; qemu-img also
     * takes b/B for bytes). Fractions such as {@code 1.5G} are allowed.
     */
    static long parse(String s, String what) {
        String t = s.trim();
        if (t.isEmpty()) {
            throw new UsageException("Invalid " + what + " specified: empty");
        }
        long multiplier = 1;
        char last = t.charAt(t.length() - 1);
        int shift = switch (Character.toUpperCase(last)) {
            case 'B' -> 0;
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            case 'P' -> 50;
            case 'E' -> 60;
            default -> -1;
        };
        if (shift >= 0) {
            multiplier = 1L << shift;
            t = t.substring(0, t.length() - 1);
        }
        try {
            BigDecimal v = new BigDecimal(t).multiply(BigDecimal.valueOf(multiplier));
            if (v.signum() < 0) {
                throw new UsageException("Invalid " + what + " specified: " + s + " (must be positive)");
            }
            return v.setScale(0, java.math.RoundingMode.DOWN).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new UsageException("Invalid " + what + " specified: " + s
                    + " (sizes take the suffixes K, M, G, T for powers of 1024, or plain bytes)");
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
