package org.strata.testkit.fuzz;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

import org.strata.api.Preallocation;
import org.strata.api.Storage;

/**
 * A sparse storage in memory for fuzzing: its size may be anything a hostile image makes a driver ask for
 * (up to {@link #MAX_SIZE}), while memory goes only to the 4 KiB pages actually written, at most
 * {@link #MAX_WRITTEN} bytes of them; past that a write fails as a full disk does. So a driver that writes at
 * a far offset an image names costs nothing, and one that writes without bound fails clearly.
 * Not thread-safe beyond what one fuzzing worker needs (every method is synchronized).
 */
public final class SparseStorage implements Storage {

    /**
     * The largest size: a fuzzed image lies on a small disk, since checking an image costs memory and time in
     * proportion to its file's size (a count per cluster, as in qemu-img), which a huge sparse file would make
     * look like a fault.
     */
    public static final long MAX_SIZE = 1L << 30;
    /** The most bytes written pages may hold. */
    public static final long MAX_WRITTEN = 64L << 20;

    private static final int PAGE = 4096;
    /** What a hole reads as, a page at a time (a driver may read hundreds of MiB of holes: a table a header claims). */
    private static final byte[] ZEROES = new byte[PAGE];

    private final String location;
    private final boolean writable;
    private final Map<Long, byte[]> pages;
    private long size;

    public SparseStorage(String location, long size) {
        this(location, new HashMap<>(), size, true);
    }

    private SparseStorage(String location, Map<Long, byte[]> pages, long size, boolean writable) {
        this.location = location;
        this.pages = pages;
        this.size = size;
        this.writable = writable;
    }

    /** A copy of the content, writable or not. */
    public synchronized SparseStorage copy(boolean copyWritable) {
        Map<Long, byte[]> copied = new HashMap<>();
        pages.forEach((k, v) -> copied.put(k, v.clone()));
        return new SparseStorage(location, copied, size, copyWritable);
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public String driverName() {
        return "memory";
    }

    @Override
    public synchronized long size() {
        return size;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public synchronized void read(ByteBuffer dst, long offset) throws IOException {
        checkRange(offset, dst.remaining());
        long pos = offset;
        while (dst.hasRemaining()) {
            int inPage = (int) (pos % PAGE);
            int n = Math.min(dst.remaining(), PAGE - inPage);
            byte[] page = pos < size ? pages.get(pos / PAGE) : null;
            int inside = page == null ? 0 : (int) Math.min(n, size - pos);
            if (inside > 0) {
                dst.put(page, inPage, inside);
            }
            dst.put(ZEROES, 0, n - inside);
            pos += n;
        }
    }

    @Override
    public synchronized void write(ByteBuffer src, long offset) throws IOException {
        checkWritable();
        checkRange(offset, src.remaining());
        long pos = offset;
        while (src.hasRemaining()) {
            int inPage = (int) (pos % PAGE);
            int n = Math.min(src.remaining(), PAGE - inPage);
            src.get(page(pos / PAGE), inPage, n);
            pos += n;
        }
        size = Math.max(size, pos);
    }

    private byte[] page(long index) throws IOException {
        byte[] page = pages.get(index);
        if (page == null) {
            if ((pages.size() + 1L) * PAGE > MAX_WRITTEN) {
                throw new IOException("No space left on device (fuzzing storage " + location + ")");
            }
            page = new byte[PAGE];
            pages.put(index, page);
        }
        return page;
    }

    @Override
    public synchronized void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        checkWritable();
        checkRange(offset, length);
        long end = offset + length;
        // over the pages written (few), not over the range (which may be huge)
        for (var it = pages.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            long from = Math.max(offset, e.getKey() * PAGE);
            long to = Math.min(end, (e.getKey() + 1) * PAGE);
            if (to - from == PAGE) {
                it.remove();
            } else if (from < to) {
                java.util.Arrays.fill(e.getValue(), (int) (from % PAGE), (int) (from % PAGE + (to - from)), (byte) 0);
            }
        }
        size = Math.max(size, end);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        writeZeroes(offset, Math.max(0, Math.min(length, size() - offset)), true);
    }

    @Override
    public void flush() {
    }

    @Override
    public void sync() {
    }

    @Override
    public synchronized void resize(long newSize, Preallocation prealloc) throws IOException {
        checkWritable();
        checkRange(newSize, 0);
        if (newSize < size) {
            pages.keySet().removeIf(index -> index * PAGE >= newSize);
            byte[] last = pages.get(newSize / PAGE);
            if (last != null) {
                java.util.Arrays.fill(last, (int) (newSize % PAGE), PAGE, (byte) 0);
            }
        }
        size = newSize;
    }

    @Override
    public synchronized long allocatedSize() {
        return (long) pages.size() * PAGE;
    }

    @Override
    public void close() {
    }

    /** Writes the content to {@code file} as a sparse file (for looking at a finding with qemu-img). */
    public synchronized void saveTo(java.nio.file.Path file) throws IOException {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
            for (var e : pages.entrySet()) {
                f.seek(e.getKey() * PAGE);
                f.write(e.getValue(), 0, (int) Math.min(PAGE, size - e.getKey() * PAGE));
            }
        }
    }

    private void checkWritable() throws IOException {
        if (!writable) {
            throw new IOException("storage " + location + " is read-only");
        }
    }

    /** A negative offset or one past the largest size is a driver's bug (a file would refuse it too). */
    private static void checkRange(long offset, long length) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative offset or length: " + offset + ", " + length);
        }
        if (offset + length > MAX_SIZE || offset + length < 0) {
            throw new IOException("File too large (offset " + offset + ")");
        }
    }
}
