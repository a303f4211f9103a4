package org.strata.shell;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Numbers formatted as C's printf does, so text output matches qemu-img's to the digit. */
final class CFormat {
    private CFormat() {
    }

    /**
     * {@code %.Nf}: glibc rounds the exact binary value, ties to even (3.125 gives "3.12"), where Java's
     * {@code String.format} rounds half up.
     */
    static String fixed(double value, int digits) {
        return new BigDecimal(value).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
    }
}
