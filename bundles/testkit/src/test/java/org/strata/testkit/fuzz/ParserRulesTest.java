package org.strata.testkit.fuzz;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;

class ParserRulesTest {

    private static final int MIB = 1 << 20;

    /** Where allocated chunks go, so that no compiler can leave an allocation out. */
    static volatile byte[] sink;

    /** Allocates {@code mib} MiB, one MiB at a time (never more than one live: what counts is the total). */
    static void allocate(int mib) {
        for (int i = 0; i < mib; i++) {
            sink = new byte[MIB];
        }
    }

    @Test
    void aParserWithinTheLimitPasses() {
        assertDoesNotThrow(() -> ParserRules.check(() -> allocate(8)));
    }

    @Test
    void aParserPastTheLimitIsReported() {
        int mib = (int) (ParserRules.MAX_ALLOCATION / MIB) + 32;
        AssertionError e = assertThrows(AssertionError.class, () -> ParserRules.check(() -> allocate(mib)));
        assertTrue(e.getMessage().startsWith("allocated "), e.getMessage());
    }

    /** A parser's first input loads its classes (and the fuzzer instruments them): it is judged all the same. */
    @Test
    void aParserPastTheLimitIsReportedOnTheInputThatLoadsItsClasses() {
        AssertionError e = assertThrows(AssertionError.class, () -> ParserRules.check(Hungry::parse));
        assertTrue(e.getMessage().startsWith("allocated "), e.getMessage());
    }

    /** What loading a parser's classes allocates (here its static initializer) is not the parser's doing. */
    @Test
    void whatLoadingClassesAllocatesIsNotCounted() {
        assertDoesNotThrow(() -> ParserRules.check(CostlyToLoad::parse));
    }

    @Test
    void aClearIOExceptionIsARefusalAndAnythingElseIsReported() {
        assertDoesNotThrow(() -> ParserRules.check(() -> {
            throw new IOException("Invalid header");
        }));
        assertThrows(AssertionError.class, () -> ParserRules.check(() -> {
            throw new IOException();
        }));
        assertThrows(AssertionError.class, () -> ParserRules.check(() -> {
            throw new IllegalStateException("bad");
        }));
    }

    /** A parser that allocates past the limit, first used by one test only. */
    private static final class Hungry {
        static void parse() {
            allocate((int) (ParserRules.MAX_ALLOCATION / MIB) + 32);
        }
    }

    /** A parser whose class costs past the limit to load, first used by one test only; parsing costs little. */
    private static final class CostlyToLoad {
        static {
            allocate((int) (ParserRules.MAX_ALLOCATION / MIB) + 32);
        }

        static void parse() {
            allocate(1);
        }
    }
}
