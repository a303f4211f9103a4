package org.strata.format.qcow2;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.strata.testkit.fuzz.FormatFuzzing;

/**
 * Fuzzes everything qcow2 reads from an image: header, extensions, L1 and L2 tables, refcounts, snapshot table,
 * bitmap directory, compressed clusters (seeds: qemu-img's images of each kind, and every finding; see
 * docs/reliability.md). The suite runs the seeds; the build's execution "fuzz" and scripts/fuzz.sh fuzz.
 */
class Qcow2FuzzTest {

    @FuzzTest(maxDuration = "10s")
    void image(byte[] input) {
        FormatFuzzing.exercise(new Qcow2FormatDriver(), input);
    }
}
