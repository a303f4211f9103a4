package org.strata.core.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CacheMode;
import org.strata.format.raw.RawFormatDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.OpenFlags;
import org.strata.testkit.TestEngines;

/** Nodes: added, persisted, detached when their driver leaves, reattached when it returns. */
class NodeManagerTest {

    @TempDir
    Path home;

    private DriverRegistry registry(RawFormatDriver raw) {
        DriverRegistry r = new DriverRegistry();
        r.addStorage(new FileStorageDriver());
        r.addFormat(raw);
        return r;
    }

    /** The nodes of a daemon whose home is {@code home}. */
    private NodeManager daemonNodes(DriverRegistry registry) {
        return new NodeManager(new ImageService(registry, TestEngines.ioThreads(), home, Mode.DAEMON, List.of(), 10),
                registry);
    }

    private static byte[] read(Node n, long off, int len) throws IOException {
        return n.call(a -> {
            ByteBuffer b = ByteBuffer.allocate(len);
            a.read(b, off);
            return b.array();
        });
    }

    @Test
    void aNodeWaitsWhileItsDriverIsAwayAndContinuesWhenItReturns() throws Exception {
        Files.write(home.resolve("disk.img"), new byte[] {1, 2, 3, 4});
        RawFormatDriver raw = new RawFormatDriver();
        DriverRegistry registry = registry(raw);
        NodeManager nodes = daemonNodes(registry);
        Node n = nodes.add(null, "disk.img", null, false, CacheMode.WRITEBACK, home, List.of());
        assertEquals("disk", n.name());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, read(n, 0, 4));

        registry.removeFormat(raw);
        assertFalse(n.isAttached());
        assertTrue(n.detachReason().contains("raw"), n.detachReason());
        CompletableFuture<byte[]> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return read(n, 1, 2);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(300);
        assertFalse(waiting.isDone(), "a request waits while the node is detached");

        RawFormatDriver upgraded = new RawFormatDriver();
        registry.addFormat(upgraded);
        assertArrayEquals(new byte[] {2, 3}, waiting.get(5, TimeUnit.SECONDS));
        assertTrue(n.isAttached());
        nodes.deactivate();
    }

    @Test
    void nodesArePersistedAndComeBack() throws Exception {
        Files.write(home.resolve("a.img"), new byte[512]);
        RawFormatDriver raw = new RawFormatDriver();
        DriverRegistry registry = registry(raw);
        NodeManager first = daemonNodes(registry);
        first.add("vm1", "a.img", "raw", true, CacheMode.WRITEBACK, home, List.of());
        assertThrows(IllegalArgumentException.class, () -> first.add("vm1", "a.img", "raw", true, CacheMode.WRITEBACK, home, List.of()));
        first.deactivate();

        DriverRegistry again = registry(new RawFormatDriver());
        NodeManager second = daemonNodes(again);
        Node n = second.get("vm1");
        assertEquals(512L, (long) n.call(a -> a.size()));
        assertTrue(n.spec().readOnly());
        second.remove("vm1");
        assertTrue(second.list().isEmpty());
        second.deactivate();
    }

    @Test
    void aNodeOpensInItsCacheModeAndKeepsItAcrossRestarts() throws Exception {
        Path disk = home.resolve("sync.img");
        Files.write(disk, new byte[4096]);
        DriverRegistry registry = registry(new RawFormatDriver());
        NodeManager first = daemonNodes(registry);
        first.add("vm", "sync.img", "raw", false, CacheMode.DIRECTSYNC, home, List.of());
        int directSync = OpenFlags.O_DIRECT | OpenFlags.O_DSYNC;
        assertTrue(OpenFlags.someHas(disk, directSync), "directsync: O_DIRECT and O_DSYNC " + OpenFlags.of(disk));
        first.deactivate();
        assertTrue(OpenFlags.of(disk).isEmpty(), "closed with the agent");

        DriverRegistry again = registry(new RawFormatDriver());
        NodeManager second = daemonNodes(again);
        Node n = second.get("vm");
        assertEquals(CacheMode.DIRECTSYNC, n.spec().cacheMode());
        assertEquals(4096L, (long) n.call(a -> a.size()));
        assertTrue(OpenFlags.someHas(disk, directSync), "reopened in directsync " + OpenFlags.of(disk));
        second.deactivate();
    }
}
