package org.strata.format.vpc;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.strata.testkit.fuzz.FormatFuzzing;

/**
 * Fuzzes everything vpc reads from an image: the footer (and its copy), the dynamic header, the block
 * allocation table and block bitmaps (seeds: qemu-img's images of each kind, and every finding; see docs/reliability.md). The
 * suite runs the seeds; the build's execution "fuzz" and scripts/fuzz.sh fuzz.
 */
class VpcFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void image(byte[] input) {
        FormatFuzzing.exercise(new VpcFormatDriver(), input);
    }
}
