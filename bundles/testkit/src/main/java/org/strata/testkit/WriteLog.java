package org.strata.testkit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything that reached the storages of a test, in order (recorded by {@link RecordingStorage}): each write,
 * write of zeroes, discard and resize with the moments it was issued and completed, and each sync with the moments
 * it began and returned, on one clock for all files. From it {@link #crashState} builds what a power cut at any
 * moment may leave on disk, which a crash of the process (the page cache survives) never shows.
 *
 * <p>The model of a power cut at moment {@code cut}, for each file: a change is durable when it completed before a
 * sync of that file began, and that sync returned before the cut. Every other change issued before the cut may be
 * lost or kept, each {@code granularity}-aligned piece of it (a sector or a page) independently and in any order.
 */
public final class WriteLog {

    /** A change to one file; {@code completed} stays -1 while it is in flight (or when it failed). */
    private abstract static class Change {
        final String file;
        final long issued;
        volatile long completed = -1;

        Change(String file, long issued) {
            this.file = file;
            this.issued = issued;
        }

        /** Applies the part of this change in [from, to) of the file. */
        abstract void apply(Content c, long from, long to);

        /** The file range this change writes, or null for a resize. */
        abstract long[] range();
    }

    private static final class Write extends Change {
        final long offset;
        final long length;
        final byte[] data; // null: zeroes

        Write(String file, long issued, long offset, byte[] data, long length) {
            super(file, issued);
            this.offset = offset;
            this.length = length;
            this.data = data;
        }

        @Override
        void apply(Content c, long from, long to) {
            c.put(from, data, data == null ? -1 : (int) (from - offset), (int) (to - from));
        }

        @Override
        long[] range() {
            return new long[] {offset, offset + length};
        }
    }

    private static final class Resize extends Change {
        final long size;

        Resize(String file, long issued, long size) {
            super(file, issued);
            this.size = size;
        }

        @Override
        void apply(Content c, long from, long to) {
            c.resize(size);
        }

        @Override
        long[] range() {
            return null;
        }
    }

    private record Sync(String file, long began, long returned) {
    }

    /** A piece of a pending change: the part of it in [from, to). */
    private record Piece(Change change, long from, long to) {
    }

    private final AtomicLong clock = new AtomicLong();
    private final List<Change> changes = Collections.synchronizedList(new ArrayList<>());
    private final List<Sync> syncs = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, byte[]> initial = Collections.synchronizedMap(new LinkedHashMap<>());

    /** The moment of the next event: a cut at {@code now()} keeps everything recorded so far. */
    public long now() {
        return clock.get();
    }

    /** How many changes (writes, writes of zeroes, discards, resizes) were recorded. */
    public int changes() {
        return changes.size();
    }

    /** How many syncs returned. */
    public int syncs() {
        return syncs.size();
    }

    /** The files written through this log (their locations), in the order they were first opened. */
    public List<String> files() {
        synchronized (initial) {
            return List.copyOf(initial.keySet());
        }
    }

    /**
     * The moments just after every sync of {@code file} returned: power cuts there keep exactly what that sync made
     * durable (and whatever completed since).
     */
    public List<Long> syncPoints(String file) {
        List<Long> points = new ArrayList<>();
        synchronized (syncs) {
            for (Sync s : syncs) {
                if (s.file.equals(file)) {
                    points.add(s.returned + 1);
                }
            }
        }
        return points;
    }

    /**
     * The moments at which a cut may leave something new: just after each change was issued and just after each
     * sync returned (and the start). Cutting at each of them tries every point of the run.
     */
    public List<Long> cutPoints() {
        java.util.TreeSet<Long> points = new java.util.TreeSet<>(List.of(0L));
        synchronized (changes) {
            for (Change c : changes) {
                points.add(c.issued + 1);
            }
        }
        synchronized (syncs) {
            for (Sync s : syncs) {
                points.add(s.returned + 1);
            }
        }
        return List.copyOf(points);
    }

    /**
     * What each file may hold after a power cut at {@code cut}: its durable content, plus a random subset of the
     * {@code granularity}-sized pieces of what was not yet durable, applied in random order.
     */
    public Map<String, byte[]> crashState(long cut, Random rnd, int granularity) {
        double keep = rnd.nextDouble();
        return crashState(cut, granularity, pending -> {
            List<Piece> kept = new ArrayList<>();
            for (Piece p : pending) {
                if (rnd.nextDouble() < keep) {
                    kept.add(p);
                }
            }
            Collections.shuffle(kept, rnd);
            return kept;
        });
    }

    /**
     * What each file may hold after a power cut at {@code cut} if, of all that was not yet durable, only the change
     * issued last survived: a write that should have waited for a sync after the ones before it shows here.
     */
    public Map<String, byte[]> crashStateKeepingOnlyTheLast(long cut) {
        long last = -1;
        synchronized (changes) {
            for (Change c : changes) {
                if (c.issued < cut) {
                    last = Math.max(last, c.issued);
                }
            }
        }
        long newest = last;
        return crashState(cut, Integer.MAX_VALUE, pending -> pending.stream()
                .filter(p -> p.change.issued == newest).toList());
    }

    /** Which of the pieces not yet durable (in the order issued) survive a cut, in the order they land. */
    private interface Survivors {
        List<Piece> of(List<Piece> pending);
    }

    private Map<String, byte[]> crashState(long cut, int granularity, Survivors survivors) {
        Map<String, byte[]> state = new LinkedHashMap<>();
        for (String file : files()) {
            long durableBefore = -1;
            synchronized (syncs) {
                for (Sync s : syncs) {
                    if (s.file.equals(file) && s.returned < cut) {
                        durableBefore = Math.max(durableBefore, s.began);
                    }
                }
            }
            Content content = new Content(initial.get(file));
            List<Change> durable = new ArrayList<>();
            List<Piece> pending = new ArrayList<>();
            synchronized (changes) {
                for (Change c : changes) {
                    if (!c.file.equals(file) || c.issued >= cut) {
                        continue;
                    }
                    long done = c.completed;
                    if (done >= 0 && done < durableBefore) {
                        durable.add(c);
                    } else {
                        pieces(c, granularity, pending);
                    }
                }
            }
            durable.sort(Comparator.comparingLong(c -> c.completed));
            for (Change c : durable) {
                long[] r = c.range();
                c.apply(content, r == null ? 0 : r[0], r == null ? 0 : r[1]);
            }
            for (Piece p : survivors.of(pending)) {
                p.change.apply(content, p.from, p.to);
            }
            state.put(file, content.bytes());
        }
        return state;
    }

    private static void pieces(Change c, int granularity, List<Piece> out) {
        long[] r = c.range();
        if (r == null) {
            out.add(new Piece(c, 0, 0));
            return;
        }
        for (long from = r[0]; from < r[1]; ) {
            long to = Math.min(r[1], (from / granularity + 1) * (long) granularity);
            out.add(new Piece(c, from, to));
            from = to;
        }
    }

    // ---------------------------------------------------------------- recording (RecordingStorage)

    /** Starts recording {@code file}, whose content is {@code content} now (the first call for a file counts). */
    void track(String file, byte[] content) {
        initial.putIfAbsent(file, content);
    }

    boolean tracks(String file) {
        return initial.containsKey(file);
    }

    /** A write of {@code data} (null: zeroes) is about to be issued; returns its token for {@link #completed}. */
    Object writing(String file, long offset, byte[] data, long length) {
        Change c = new Write(file, clock.getAndIncrement(), offset, data, length);
        changes.add(c);
        return c;
    }

    Object resizing(String file, long size) {
        Change c = new Resize(file, clock.getAndIncrement(), size);
        changes.add(c);
        return c;
    }

    void completed(Object token) {
        ((Change) token).completed = clock.getAndIncrement();
    }

    long syncBegins() {
        return clock.getAndIncrement();
    }

    void syncReturned(String file, long began) {
        syncs.add(new Sync(file, began, clock.getAndIncrement()));
    }

    /** A file's bytes as changes are applied to it. */
    private static final class Content {
        private byte[] bytes;
        private int size;

        Content(byte[] initial) {
            bytes = initial.clone();
            size = initial.length;
        }

        /** Writes {@code length} bytes of {@code src} from {@code srcOffset} (src null or srcOffset -1: zeroes). */
        void put(long offset, byte[] src, int srcOffset, int length) {
            int end = Math.toIntExact(offset + length);
            if (end > size) {
                resize(end);
            }
            if (src == null || srcOffset < 0) {
                Arrays.fill(bytes, (int) offset, end, (byte) 0);
            } else {
                System.arraycopy(src, srcOffset, bytes, (int) offset, length);
            }
        }

        void resize(long newSize) {
            int n = Math.toIntExact(newSize);
            if (n > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(n, bytes.length * 2));
            } else if (n < size) {
                Arrays.fill(bytes, n, size, (byte) 0);
            }
            size = n;
        }

        byte[] bytes() {
            return Arrays.copyOf(bytes, size);
        }
    }
}
