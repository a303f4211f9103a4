package org.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.strata.api.Preallocation;

class WriteLogTest {

    private final WriteLog log = new WriteLog();

    private static byte[] filled(int length, int value) {
        return Patterns.filled(length, value).array();
    }

    @Test
    void whatASyncMadeDurableSurvivesEveryCutAfterItAndNothingLaterIsRequired() throws Exception {
        MemoryStorage mem = new MemoryStorage("f", 4096);
        RecordingStorage s = new RecordingStorage(mem, log);
        s.write(ByteBuffer.wrap(filled(1024, 1)), 0);
        long beforeSync = log.now();
        s.sync();
        s.write(ByteBuffer.wrap(filled(1024, 2)), 1024);
        s.resize(8192, Preallocation.OFF);
        long end = log.now();

        assertEquals(List.of("f"), log.files());
        assertEquals(1, log.syncPoints("f").size());
        long afterSync = log.syncPoints("f").get(0);
        Random rnd = new Random(1);
        for (int i = 0; i < 50; i++) {
            byte[] cut = log.crashState(afterSync + rnd.nextInt((int) (end - afterSync + 1)), rnd, 512).get("f");
            assertArrayEquals(filled(1024, 1), java.util.Arrays.copyOf(cut, 1024), "durable");
            for (int sector = 1024; sector < 2048; sector += 512) {
                byte b = cut[sector];
                assertTrue(b == 0 || b == 2, "a pending sector is old or new");
            }
            assertTrue(cut.length == 4096 || cut.length == 8192, "the resize is kept or lost");
        }
        // before the sync returned nothing is required; across cuts the first write is sometimes lost
        boolean lost = false;
        for (int i = 0; i < 50; i++) {
            lost |= log.crashState(beforeSync, rnd, 512).get("f")[0] == 0;
        }
        assertTrue(lost);
        s.sync();
        assertArrayEquals(mem.toByteArray(), log.crashState(log.now(), rnd, 512).get("f"),
                "after a last sync, a cut holds the storage as it is");
    }

    @Test
    void piecesOfPendingWritesSurviveIndependentlyAtTheGranularity() throws Exception {
        RecordingStorage s = new RecordingStorage(new MemoryStorage("f", 16384), log);
        s.write(ByteBuffer.wrap(filled(16384, 7)), 0);
        Random rnd = new Random(3);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            byte[] cut = log.crashState(log.now(), rnd, 4096).get("f");
            StringBuilder pages = new StringBuilder();
            for (int page = 0; page < 4; page++) {
                int first = cut[page * 4096];
                for (int b = page * 4096; b < (page + 1) * 4096; b++) {
                    assertEquals(first, cut[b], "a page survives whole or not at all");
                }
                pages.append(first == 7 ? 'k' : '-');
            }
            seen.add(pages.toString());
        }
        assertTrue(seen.size() > 8, "pages survive independently: " + seen);
    }

    @Test
    void aWriteStillInFlightWhenASyncBeganIsNotDurable() throws Exception {
        RecordingStorage s = new RecordingStorage(new MemoryStorage("f", 512), log);
        Object inFlight = log.writing("f", 0, filled(512, 9), 512);
        long began = log.syncBegins();
        log.completed(inFlight);
        log.syncReturned("f", began);
        boolean lost = false;
        Random rnd = new Random(4);
        for (int i = 0; i < 50; i++) {
            lost |= log.crashState(log.now(), rnd, 512).get("f")[0] == 0;
        }
        assertTrue(lost, "only writes completed before the sync began are durable");
        s.close();
    }

    @Test
    void onlyTheLastChangeInFlightSurvivesWhereAskedAndCutPointsFollowTheChanges() throws Exception {
        RecordingStorage s = new RecordingStorage(new MemoryStorage("f", 1024), log);
        s.write(ByteBuffer.wrap(filled(512, 1)), 0);
        s.write(ByteBuffer.wrap(filled(512, 2)), 512);
        long cut = log.now();
        byte[] state = log.crashStateKeepingOnlyTheLast(cut).get("f");
        assertEquals(0, state[0], "the first write is lost");
        assertEquals(2, state[512], "the last one survives");
        assertEquals(List.of(0L, 1L, 3L), log.cutPoints(), "just after each change was issued");
        s.sync();
        assertEquals(List.of(0L, 1L, 3L, log.now()), log.cutPoints(), "and just after the sync returned");
        assertArrayEquals(new byte[] {1, 2}, new byte[] {log.crashStateKeepingOnlyTheLast(log.now()).get("f")[0],
                log.crashStateKeepingOnlyTheLast(log.now()).get("f")[512]}, "after the sync both are durable");
    }
}
