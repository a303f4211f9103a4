package org.strata.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.strata.api.FormatAccess;
import org.strata.api.RepairMode;

/** The engine's lock around the operations callers once ran on the driver directly, and special data below. */
class EngineTest {

    /** An operation on an open image that changes its metadata. */
    @FunctionalInterface
    interface Operation {
        void run(FormatAccess image) throws Exception;
    }

    static Stream<Arguments> metadataOperations() {
        return Stream.of(
                Arguments.of("check", (Operation) a -> a.check(RepairMode.NONE)),
                Arguments.of("createSnapshot", (Operation) a -> a.createSnapshot("s")),
                Arguments.of("applySnapshot", (Operation) a -> a.applySnapshot("s")),
                Arguments.of("deleteSnapshot", (Operation) a -> a.deleteSnapshot("s")),
                Arguments.of("amend", (Operation) a -> a.amend(Map.of("lazy_refcounts", "on"))),
                Arguments.of("changeBackingFile", (Operation) a -> a.changeBackingFile("b.raw", "raw")));
    }

    /**
     * The driver's contract: what changes metadata runs alone. An operation started while a read is inside the
     * driver waits until the read is done, and never meets it there.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("metadataOperations")
    void metadataOperationsWaitForReadsInFlight(String name, Operation operation) throws Exception {
        SpecialImage image = new SpecialImage(4096, null);
        FormatAccess access = new Engine(image, () -> { }, Runnable::run);
        image.holdReads = true;
        CompletableFuture<Void> read = CompletableFuture.runAsync(() -> {
            try {
                access.read(ByteBuffer.allocate(512), 0);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(image.readHeld.await(10, TimeUnit.SECONDS), "the read never reached the driver");
        CompletableFuture<Void> op = CompletableFuture.runAsync(() -> {
            try {
                operation.run(access);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            assertWaiting(op);
        } finally {
            image.releaseRead.countDown();
        }
        read.get(10, TimeUnit.SECONDS);
        op.get(10, TimeUnit.SECONDS);
        assertEquals(java.util.List.of(), image.ranDuringRead(), name + " ran while a read was in the driver");
        access.close();
    }

    private static void assertWaiting(CompletableFuture<Void> op) throws Exception {
        try {
            op.get(300, TimeUnit.MILLISECONDS);
        } catch (TimeoutException expected) {
            return;
        }
        throw new AssertionError("the operation did not wait for the read in flight");
    }

    /** Special data of a backing layer is read by that layer's driver, through that layer's engine. */
    @Test
    void specialDataBelowTheTopIsReadThroughItsOwnLayer() throws Exception {
        FormatAccess base = new Engine(new SpecialImage(8192, null), () -> { }, Runnable::run);
        FormatAccess top = new Engine(new SpecialImage(8192, base), () -> { }, Runnable::run);
        ByteBuffer b = ByteBuffer.allocate(1000);
        top.read(b, 3000);
        for (int i = 0; i < 1000; i++) {
            assertEquals((byte) (3000 + i), b.get(i), "byte " + (3000 + i));
        }
        top.close();
        base.close();
    }
}
