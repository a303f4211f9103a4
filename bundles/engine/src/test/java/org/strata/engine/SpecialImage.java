package org.strata.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.strata.api.CheckResult;
import org.strata.api.FormatAccess;
import org.strata.api.FormatImage;
import org.strata.api.ImageInfo;
import org.strata.api.Preallocation;
import org.strata.api.RepairMode;
import org.strata.api.ShallowMapping;
import org.strata.api.SnapshotInfo;
import org.strata.api.Storage;

/**
 * A test format whose bytes only the driver reads (every mapping is special: byte {@code i} reads as
 * {@code i & 0xff}), or, with a backing image, whose bytes all lie below. A read can be held inside the driver,
 * and every metadata operation notes whether it ran while a read was there.
 */
final class SpecialImage implements FormatImage {

    private final long size;
    private final FormatAccess backing;
    private final AtomicInteger readsInDriver = new AtomicInteger();
    private final List<String> ranDuringRead = new ArrayList<>();
    /** Counted down when a held read is inside the driver. */
    final CountDownLatch readHeld = new CountDownLatch(1);
    /** Lets a held read go on. */
    final CountDownLatch releaseRead = new CountDownLatch(1);
    volatile boolean holdReads;

    SpecialImage(long size, FormatAccess backing) {
        this.size = size;
        this.backing = backing;
    }

    /** The metadata operations that ran while a read was inside the driver. */
    synchronized List<String> ranDuringRead() {
        return List.copyOf(ranDuringRead);
    }

    private synchronized void operation(String name) {
        if (readsInDriver.get() > 0) {
            ranDuringRead.add(name);
        }
    }

    @Override
    public void readSpecial(ByteBuffer dst, long offset) throws IOException {
        readsInDriver.incrementAndGet();
        try {
            if (holdReads) {
                readHeld.countDown();
                releaseRead.await();
            }
            for (long pos = offset; dst.hasRemaining(); pos++) {
                dst.put((byte) pos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            readsInDriver.decrementAndGet();
        }
    }

    @Override
    public ShallowMapping getMapping(long offset, long maxLength) {
        return backing != null ? new ShallowMapping.Indirect(backing, offset, maxLength)
                : new ShallowMapping.Special(offset, maxLength);
    }

    @Override
    public CheckResult check(RepairMode mode) {
        operation("check");
        return new CheckResult(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of());
    }

    @Override
    public void createSnapshot(String name) {
        operation("createSnapshot");
    }

    @Override
    public void applySnapshot(String nameOrId) {
        operation("applySnapshot");
    }

    @Override
    public void deleteSnapshot(String nameOrId) {
        operation("deleteSnapshot");
    }

    @Override
    public void changeBackingFile(String name, String format) {
        operation("changeBackingFile");
    }

    @Override
    public void amend(Map<String, String> options) {
        operation("amend");
    }

    @Override
    public String formatName() {
        return "special-test";
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isWritable() {
        return true;
    }

    @Override
    public long zeroGranularity() {
        return 1;
    }

    @Override
    public ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) throws IOException {
        throw new IOException("read-only test format");
    }

    @Override
    public boolean ensureZeroMapping(long offset, long length) {
        return false;
    }

    @Override
    public boolean discardToZero(long offset, long length) {
        return false;
    }

    @Override
    public void discardToAny(long offset, long length) {
    }

    @Override
    public void discardToBacking(long offset, long length) {
    }

    @Override
    public void flush() {
    }

    @Override
    public void invalidateCache() {
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        throw new IOException("fixed size");
    }

    @Override
    public List<Storage> storages() {
        return List.of();
    }

    @Override
    public FormatAccess backing() {
        return backing;
    }

    @Override
    public ImageInfo info() {
        return ImageInfo.simple(size);
    }

    @Override
    public List<SnapshotInfo> snapshots() {
        return List.of();
    }

    @Override
    public void close() {
    }
}
