package org.strata.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The sizes qemu-img 7.2 reads (the shell's CommandLineInteropTest checks them against qemu-img itself). */
class SizesTest {

    @Test
    void integersWithSuffixesAreExact() throws Exception {
        assertEquals(0, Sizes.parse("0"));
        assertEquals(1024, Sizes.parse("1k"));
        assertEquals(1024, Sizes.parse("1K"));
        assertEquals(5L << 40, Sizes.parse("5T"));
        assertEquals(7L << 60, Sizes.parse("7E"));
        assertEquals(Long.MAX_VALUE, Sizes.parse("9223372036854775807"));
        assertEquals((1L << 53) + 1, Sizes.parse("9007199254740993"));
        assertEquals(256, Sizes.parse("0x100"));
        assertEquals(16 << 20, Sizes.parse("0x10M"));
        assertEquals(1024, Sizes.parse(" +1k"));
    }

    @Test
    void fractionsAreReadAsQemuReadsThem() throws Exception {
        assertEquals(1610612736, Sizes.parse("1.5G"));
        assertEquals(1741, Sizes.parse("1.7k")); // 1740.8, rounded half up
        assertEquals(307, Sizes.parse("0.3k"));
        assertEquals(1268213655067531680L, Sizes.parse("1.1E")); // 0.1 as a double, in 64 fractional bits
        assertEquals(1, Sizes.parse("1."));
        assertEquals(1, Sizes.parse("1.0"));
        assertEquals(1, Sizes.parse("1.00000000000000000001")); // below 2^-64: no fraction left
        assertEquals(1729382256910270464L, Sizes.parse("1.5e")); // e is the suffix, not an exponent
    }

    @Test
    void whatIsNotASizeIsRefused() {
        for (String s : new String[] {"", "k", "-1", "-0", "1.5", "0.5", "1.5b", "1k ", "1 k", "1kB", "1e3",
                "1.5e3k", ".5k", "0x", "0x1.5k", "abc", "1.-5k"}) {
            Sizes.InvalidSizeException e = assertThrows(Sizes.InvalidSizeException.class, () -> Sizes.parse(s), s);
            assertFalse(e.tooLarge(), s);
        }
        for (String s : new String[] {"8E", "9223372036854775808", "99999999999999999999", "0x8000000000000000"}) {
            assertTrue(assertThrows(Sizes.InvalidSizeException.class, () -> Sizes.parse(s), s).tooLarge(), s);
        }
    }

    @Test
    void optionsFailWithTheWordsOfQemusOptionParser() {
        assertEquals(65536, Sizes.parseOption("cluster_size", "64k"));
        assertEquals("Value '20E' is out of range for parameter 'size'",
                assertThrows(IllegalArgumentException.class, () -> Sizes.parseOption("size", "20E")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sizes.parseOption("log_size", "1.5x"))
                .getMessage().startsWith("Parameter 'log_size' expects a non-negative number below 2^64"));
    }

    @Test
    void humanSizesHaveThreeDigits() {
        assertEquals("0 B", Sizes.human(0));
        assertEquals("0.999 KiB", Sizes.human(1023));
        assertEquals("64 MiB", Sizes.human(64L << 20));
        assertEquals("1.5 GiB", Sizes.human(3L << 29));
    }
}
