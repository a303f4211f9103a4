package org.strata.format.vhdx;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.strata.testkit.fuzz.FormatFuzzing;

/**
 * Fuzzes everything vhdx reads from an image: file identifier, both headers, region tables, metadata, BAT
 * and the log (replayed when the image opens for writing) (seeds: qemu-img's images of each kind, and every finding; see docs/reliability.md). The
 * suite runs the seeds; the build's execution "fuzz" and scripts/fuzz.sh fuzz.
 */
class VhdxFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void image(byte[] input) {
        FormatFuzzing.exercise(new VhdxFormatDriver(), input);
    }
}
