package org.strata.format.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Compressors and decompressors are reused from cluster to cluster and thread to thread: results stay exact. */
class CompressionTest {

    private static final int CLUSTER = 65536;

    @ParameterizedTest
    @ValueSource(ints = {Compression.ZLIB, Compression.ZSTD})
    void clustersRoundTripAndIncompressibleOnesAreLeftAlone(int type) throws Exception {
        byte[] text = new byte[CLUSTER];
        byte[] line = "qcow2 clusters compress; random bytes do not.\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < CLUSTER; i++) {
            text[i] = line[i % line.length];
        }
        byte[] random = new byte[CLUSTER];
        new Random(42).nextBytes(random);
        try (Compression compression = new Compression()) {
            Thread[] threads = new Thread[4];
            Throwable[] failure = new Throwable[1];
            for (int t = 0; t < threads.length; t++) {
                threads[t] = new Thread(() -> {
                    try {
                        for (int i = 0; i < 50; i++) {
                            roundTrip(compression, type, text);
                            assertNull(compression.compress(type, random), "a cluster that does not shrink");
                        }
                    } catch (Throwable e) {
                        failure[0] = e;
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failure[0] != null) {
                throw new AssertionError(failure[0]);
            }
        }
    }

    private static void roundTrip(Compression compression, int type, byte[] cluster) throws IOException {
        byte[] packed = compression.compress(type, cluster);
        assertNotNull(packed);
        assertTrue(packed.length < cluster.length / 10, "compressed to " + packed.length);
        byte[] withTrailingBytes = java.util.Arrays.copyOf(packed, packed.length + 512);
        byte[] back = new byte[CLUSTER];
        compression.decompress(type, withTrailingBytes, back, "test");
        assertArrayEquals(cluster, back);
    }
}
