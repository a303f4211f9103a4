package org.strata.format.vdi;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.strata.testkit.fuzz.FormatFuzzing;

/**
 * Fuzzes everything vdi reads from an image: the header and the block map (seeds: qemu-img's images of each kind, and every finding; see docs/reliability.md). The
 * suite runs the seeds; the build's execution "fuzz" and scripts/fuzz.sh fuzz.
 */
class VdiFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void image(byte[] input) {
        FormatFuzzing.exercise(new VdiFormatDriver(), input);
    }
}
