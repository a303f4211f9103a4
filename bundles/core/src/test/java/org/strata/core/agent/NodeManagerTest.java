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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
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
    private static byte[] read(Node n, long off, int len) throws IOException {
        return n.call(a -> {
            ByteBuffer b = ByteBuffer.allocate(len);
            a.read(b, off);
            return b.array();
        });
    }

    /** A daemon's node manager over {@code registry}, whose detached nodes wait {@code pauseSeconds}. */
    private NodeManager manager(DriverRegistry registry, int pauseSeconds) {
        return new NodeManager(new ImageService(registry, TestEngines.ioThreads(), home, Mode.DAEMON,
                new AgentSettings(List.of(), pauseSeconds, false)), registry);
    }

    @Test
    void withNodesRestrictedToRootsOnlyImagesBelowThemOpen() throws Exception {
        Path images = Files.createDirectories(home.resolve("images"));
        Path elsewhere = Files.createDirectories(home.resolve("elsewhere"));
        Files.write(images.resolve("in.img"), new byte[512]);
        Files.write(elsewhere.resolve("out.img"), new byte[512]);
        Files.createSymbolicLink(images.resolve("link.img"), elsewhere.resolve("out.img"));
        DriverRegistry registry = registry(new RawFormatDriver());
        NodeManager nodes = new NodeManager(new ImageService(registry, TestEngines.ioThreads(), home, Mode.DAEMON,
                new AgentSettings(List.of(images.toString()), 5, true)), registry);

        assertEquals("in", nodes.add(null, "images/in.img", null, true, CacheMode.WRITEBACK, home, List.of()).name());
        for (String outside : List.of("elsewhere/out.img", "images/link.img", "images/../elsewhere/out.img")) {
            IOException e = assertThrows(IOException.class,
                    () -> nodes.add("x", outside, null, true, CacheMode.WRITEBACK, home, List.of()), outside);
            assertEquals("Refusing '" + home.resolve(outside).normalize() + "': it is outside the allowed roots ("
                    + images.toRealPath() + ") and nodes.restrict.to.roots in etc/org.strata.agent.cfg lets nodes "
                    + "open only there", org.strata.core.image.Errors.oneLine(e));
        }
        IOException widened = assertThrows(IOException.class, () -> nodes.add("x", "images/in.img", null, true,
                CacheMode.WRITEBACK, home, List.of(elsewhere.toString())));
        assertTrue(org.strata.core.image.Errors.oneLine(widened).contains("--allow-root may not widen them"),
                widened.getMessage());
        assertEquals(1, nodes.list().size());

        NodeManager unrestricted = manager(registry(new RawFormatDriver()), 5);
        assertEquals("out", unrestricted.add(null, "elsewhere/out.img", null, true, CacheMode.WRITEBACK, home,
                List.of()).name());
    }

    /** A read on another thread, which may wait for the node. */
    private static CompletableFuture<byte[]> readLater(Node n, long off, int len) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return read(n, off, len);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    @Test
    void aNodeWaitsWhileItsDriverIsAwayAndContinuesWhenItReturns() throws Exception {
        Files.write(home.resolve("disk.img"), new byte[] {1, 2, 3, 4});
        RawFormatDriver raw = new RawFormatDriver();
        DriverRegistry registry = registry(raw);
        NodeManager nodes = manager(registry, 10);
        Node n = nodes.add(null, "disk.img", null, false, CacheMode.WRITEBACK, home, List.of());
        assertEquals("disk", n.name());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, read(n, 0, 4));

        registry.removeFormat(raw);
        assertFalse(n.isAttached());
        assertTrue(n.detachReason().contains("raw"), n.detachReason());
        CompletableFuture<byte[]> waiting = readLater(n, 1, 2);
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
        NodeManager first = manager(registry, 10);
        first.add("vm1", "a.img", "raw", true, CacheMode.WRITEBACK, home, List.of());
        assertThrows(IllegalArgumentException.class, () -> first.add("vm1", "a.img", "raw", true, CacheMode.WRITEBACK, home, List.of()));
        first.deactivate();

        DriverRegistry again = registry(new RawFormatDriver());
        NodeManager second = manager(again, 10);
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
        NodeManager first = manager(registry, 10);
        first.add("vm", "sync.img", "raw", false, CacheMode.DIRECTSYNC, home, List.of());
        int directSync = OpenFlags.O_DIRECT | OpenFlags.O_DSYNC;
        assertTrue(OpenFlags.someHas(disk, directSync), "directsync: O_DIRECT and O_DSYNC " + OpenFlags.of(disk));
        first.deactivate();
        assertTrue(OpenFlags.of(disk).isEmpty(), "closed with the agent");

        DriverRegistry again = registry(new RawFormatDriver());
        NodeManager second = manager(again, 10);
        Node n = second.get("vm");
        assertEquals(CacheMode.DIRECTSYNC, n.spec().cacheMode());
        assertEquals(4096L, (long) n.call(a -> a.size()));
        assertTrue(OpenFlags.someHas(disk, directSync), "reopened in directsync " + OpenFlags.of(disk));
        second.deactivate();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String versions(Node n) {
        return n.drivers().stream().map(d -> d.role() + " " + d.version()).sorted().toList().toString();
    }

    private static List<String> states(DriverRegistry registry, String role) {
        return registry.list().stream().filter(d -> d.driver().role().equals(role))
                .map(d -> d.driver().version() + " " + d.state().label()).toList();
    }

    @Test
    void aHigherVersionTakesTheNodesOverAndALowerOneStandsByForARollback() throws Exception {
        Files.write(home.resolve("disk.img"), new byte[] {7, 7, 7, 7});
        DriverRegistry registry = new DriverRegistry();
        registry.addStorage(new FileStorageDriver());
        RawFormatDriver v1 = new RawFormatDriver();
        registry.addFormat(v1, "1.0.0");
        NodeManager nodes = manager(registry, 10);
        Node n = nodes.add("d", "disk.img", "raw", false, CacheMode.WRITEBACK, home, List.of());
        assertTrue(versions(n).contains("format:raw 1.0.0"), versions(n));

        RawFormatDriver v2 = new RawFormatDriver();
        registry.addFormat(v2, "1.1.0");
        assertEquals(Node.State.ATTACHED, n.state());
        assertTrue(versions(n).contains("format:raw 1.1.0"), versions(n));
        assertEquals(List.of("1.0.0 standby", "1.1.0 serving"), states(registry, "format:raw"));
        assertTrue(registry.format("raw") == v2, "images open with the serving version only");

        RawFormatDriver older = new RawFormatDriver();
        registry.addFormat(older, "0.9.0");
        assertTrue(versions(n).contains("format:raw 1.1.0"), "a lower version dropped in changes nothing");

        registry.removeFormat(v2); // rolled back: the highest left serves at once, the node never waits
        assertEquals(Node.State.ATTACHED, n.state());
        assertTrue(versions(n).contains("format:raw 1.0.0"), versions(n));
        assertArrayEquals(new byte[] {7, 7}, read(n, 1, 2));

        registry.removeFormat(older); // a standby leaving touches no node
        assertTrue(versions(n).contains("format:raw 1.0.0"), versions(n));
        nodes.deactivate();
    }

    @Test
    void whileANodeMovesItIsListedDrainingAndSoIsTheDriverBeingReplaced() throws Exception {
        Files.write(home.resolve("disk.img"), new byte[4096]);
        DriverRegistry registry = new DriverRegistry();
        registry.addStorage(new FileStorageDriver());
        registry.addFormat(new RawFormatDriver(), "1.0.0");
        NodeManager nodes = manager(registry, 10);
        Node n = nodes.add("d", "disk.img", "raw", false, CacheMode.WRITEBACK, home, List.of());
        CountDownLatch inFlight = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> slow = CompletableFuture.runAsync(() -> {
            try {
                n.call(a -> {
                    inFlight.countDown();
                    awaitQuietly(release);
                    return null;
                });
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(inFlight.await(5, TimeUnit.SECONDS));
        CompletableFuture<Void> upgrade = CompletableFuture.runAsync(
                () -> registry.addFormat(new RawFormatDriver(), "1.1.0"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (n.state() != Node.State.DRAINING && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(Node.State.DRAINING, nodes.list().get(0).state(), "listing answers during a drain");
        assertEquals(List.of("1.0.0 draining", "1.1.0 serving"), states(registry, "format:raw"));
        assertTrue(n.detachReason().contains("1.1.0"), n.detachReason());
        CompletableFuture<byte[]> waiting = readLater(n, 0, 2);
        Thread.sleep(200);
        assertFalse(waiting.isDone(), "a new request waits while the node drains");

        release.countDown();
        slow.get(5, TimeUnit.SECONDS);
        upgrade.get(5, TimeUnit.SECONDS);
        assertArrayEquals(new byte[2], waiting.get(5, TimeUnit.SECONDS));
        assertEquals(Node.State.ATTACHED, n.state());
        assertEquals(List.of("1.0.0 standby", "1.1.0 serving"), states(registry, "format:raw"));
        nodes.deactivate();
    }

    @Test
    void withoutADriverRequestsFailAfterThePauseTimeoutAndTheNodeReattachesWhenOneComes() throws Exception {
        Files.write(home.resolve("disk.img"), new byte[] {1, 2, 3, 4});
        RawFormatDriver raw = new RawFormatDriver();
        DriverRegistry registry = registry(raw);
        NodeManager nodes = manager(registry, 1);
        Node n = nodes.add("d", "disk.img", "raw", false, CacheMode.WRITEBACK, home, List.of());
        registry.removeFormat(raw);
        assertEquals(Node.State.DETACHED, n.state());
        assertTrue(n.drivers().isEmpty(), "no driver serves a detached node");

        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> read(n, 0, 4));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals("Node 'd' is detached: format driver 'raw' is not available (waited 1 s)", e.getMessage());
        assertTrue(waited >= 900 && waited < 5000, waited + " ms");
        assertEquals(Node.State.DETACHED, n.state());

        registry.addFormat(new RawFormatDriver());
        assertEquals(Node.State.ATTACHED, n.state());
        assertArrayEquals(new byte[] {3, 4}, read(n, 2, 2));
        nodes.deactivate();
    }

    @Test
    void onceNothingWillReattachANodeItsRequestsFailAtOnce() throws Exception {
        Files.write(home.resolve("disk.img"), new byte[4]);
        RawFormatDriver raw = new RawFormatDriver();
        DriverRegistry registry = registry(raw);
        NodeManager nodes = manager(registry, 60);
        Node n = nodes.add("d", "disk.img", "raw", false, CacheMode.WRITEBACK, home, List.of());
        registry.removeFormat(raw);
        CompletableFuture<byte[]> waiting = readLater(n, 0, 4);
        Thread.sleep(200);
        assertFalse(waiting.isDone());
        n.stopWaiting("the agent is stopping");
        ExecutionException failed = assertThrows(ExecutionException.class, () -> waiting.get(2, TimeUnit.SECONDS));
        assertEquals("Node 'd' is detached: format driver 'raw' is not available, and the agent is stopping",
                failed.getCause().getCause().getMessage());
        nodes.deactivate();
        IOException closed = assertThrows(IOException.class, () -> read(n, 0, 4));
        assertEquals("Node 'd' is closed: the agent is stopping", closed.getMessage());
    }
}
