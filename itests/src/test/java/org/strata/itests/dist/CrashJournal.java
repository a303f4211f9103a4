package org.strata.itests.dist;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one client of crash-clients.py did before its server was killed, and what its region must therefore
 * hold: every block as the last flush that returned left it (exactly), and a block written since then, in each
 * 512-byte sector, as it was at that flush or as one of the writes since left it (a write may be lost or torn).
 */
final class CrashJournal {

    static final int BLOCK = 4096;
    private static final int SECTOR = 512;

    /** A write (or write of zeroes) of {@code count} blocks from {@code first}. */
    private record Write(long seq, int first, int count, boolean zeroes) {
        boolean covers(int block) {
            return block >= first && block < first + count;
        }
    }

    /** What verifying a region found. */
    record Verdict(int exact, int unflushed, int wrong, String firstWrong) {
    }

    private final int client;
    private final List<Write> writes = new ArrayList<>();
    /** How many of {@link #writes} a flush that returned covers. */
    private int flushed;
    private int flushes;

    CrashJournal(Path journal, int client) throws IOException {
        this.client = client;
        int flushing = -1;
        for (String line : Files.readAllLines(journal)) {
            String[] f = line.split(" ");
            switch (f[0]) {
                case "W", "Z" -> writes.add(new Write(Long.parseLong(f[1]), Integer.parseInt(f[2]),
                        Integer.parseInt(f[3]), f[0].equals("Z")));
                case "F" -> flushing = writes.size();
                case "FA" -> {
                    flushed = flushing;
                    flushes++;
                }
                default -> {
                    // A (replies: every write before a flush had its reply) and E (the end)
                }
            }
        }
    }

    int writes() {
        return writes.size();
    }

    int flushes() {
        return flushes;
    }

    /** The 4 KiB a write wrote to a block (crash-clients.py's content()). */
    byte[] content(int block, Write w) {
        byte[] b = new byte[BLOCK];
        if (!w.zeroes) {
            long base = ((long) client << 48) | ((long) block << 32) | (w.seq << 9);
            ByteBuffer words = ByteBuffer.wrap(b);
            for (int i = 0; i < BLOCK / 8; i++) {
                words.putLong(base + i);
            }
        }
        return b;
    }

    /**
     * Checks {@code region} (read after the crash) against what was there before the clients started
     * ({@code before}) and this journal.
     */
    Verdict verify(byte[] before, byte[] region) {
        int exact = 0;
        int unflushed = 0;
        int wrong = 0;
        String firstWrong = null;
        for (int block = 0; block < region.length / BLOCK; block++) {
            List<byte[]> allowed = new ArrayList<>();
            allowed.add(Arrays.copyOfRange(before, block * BLOCK, (block + 1) * BLOCK));
            for (int i = 0; i < writes.size(); i++) {
                Write w = writes.get(i);
                if (!w.covers(block)) {
                    continue;
                }
                if (i < flushed) {
                    allowed.set(0, content(block, w));
                } else {
                    allowed.add(content(block, w));
                }
            }
            if (allowed.size() > 1) {
                unflushed++;
            } else {
                exact++;
            }
            for (int s = 0; s < BLOCK / SECTOR; s++) {
                if (!anyHolds(allowed, region, block, s)) {
                    wrong++;
                    if (firstWrong == null) {
                        firstWrong = "block " + block + " sector " + s + (allowed.size() > 1
                                ? " is none of the " + allowed.size() + " versions it may hold"
                                : " differs from what a flush made durable");
                    }
                    break;
                }
            }
        }
        return new Verdict(exact, unflushed, wrong, firstWrong);
    }

    private static boolean anyHolds(List<byte[]> allowed, byte[] region, int block, int sector) {
        int from = block * BLOCK + sector * SECTOR;
        for (byte[] a : allowed) {
            if (Arrays.equals(a, sector * SECTOR, (sector + 1) * SECTOR, region, from, from + SECTOR)) {
                return true;
            }
        }
        return false;
    }
}
