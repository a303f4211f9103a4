package org.strata.testkit;

import java.nio.ByteBuffer;
import java.util.Random;

/** Test data: filled patterns and reproducible random bytes. */
public final class Patterns {
    private Patterns() {
    }

    public static ByteBuffer filled(int length, int pattern) {
        byte[] b = new byte[length];
        java.util.Arrays.fill(b, (byte) pattern);
        return ByteBuffer.wrap(b);
    }

    public static byte[] random(Random rnd, int length) {
        byte[] b = new byte[length];
        rnd.nextBytes(b);
        return b;
    }

    /** The first offset where the arrays differ in the given range, or -1. */
    public static int firstDifference(byte[] expected, int expOff, byte[] actual, int actOff, int length) {
        for (int i = 0; i < length; i++) {
            if (expected[expOff + i] != actual[actOff + i]) {
                return i;
            }
        }
        return -1;
    }
}
