package org.strata.format.vmdk;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.strata.testkit.fuzz.FormatFuzzing;

/**
 * Fuzzes everything vmdk reads from an image: sparse extent headers (VMDK4 and COWD), embedded and
 * separate descriptors, grain directories and tables, compressed grains and their markers; files a descriptor names
 * are a MiB of zeroes (seeds: qemu-img's images of each kind, and every finding; see docs/reliability.md). The
 * suite runs the seeds; the build's execution "fuzz" and scripts/fuzz.sh fuzz.
 */
class VmdkFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void image(byte[] input) {
        FormatFuzzing.exercise(new VmdkFormatDriver(), input);
    }
}
