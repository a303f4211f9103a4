package org.strata.core.ops;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.strata.api.FormatAccess;
import org.strata.api.ShallowMapping;

/**
 * Gives an image another backing file (qemu-img rebase), or none. Safe mode copies into the image, wherever it
 * does not allocate a range itself, the 512-byte sectors where the old backing chain and the new backing file
 * differ, so the guest sees the same content before and after; then the header names the new backing file.
 * Streaming is a safe rebase onto a base further down (or onto nothing): the data of the layers in between is
 * pulled into the image. Until the header changes, the image still reads through its old chain, so a cancelled
 * rebase leaves the guest content as it was.
 */
public final class Rebase implements Operation {

    /** qemu-img rebase compares and copies in sectors. */
    private static final int SECTOR = 512;

    private final FormatAccess image;
    private final FormatAccess newBacking;
    private final String newName;
    private final String newFormat;
    private final boolean safe;

    /**
     * @param image      the image, opened writable with its current backing chain (when safe)
     * @param newBacking the new backing image opened read-only with its chain, or null for none (or unsafe)
     * @param newName    the new backing file name as it is to be recorded, or null for none
     * @param newFormat  its format as it is to be recorded
     * @param safe       copy what differs first (false: only change the header, as {@code -u})
     */
    public Rebase(FormatAccess image, FormatAccess newBacking, String newName, String newFormat, boolean safe) {
        this.image = image;
        this.newBacking = newBacking;
        this.newName = newName;
        this.newFormat = newFormat;
        this.safe = safe;
    }

    @Override
    public void run(JobControl control) throws IOException {
        if (safe) {
            copyDifferences(control);
        }
        // the header changes only after every sector the guest could miss is in the image
        image.changeBackingFile(newName, newName == null ? null : newFormat);
        image.flush();
    }

    private void copyDifferences(JobControl control) throws IOException {
        long size = image.size();
        control.total(size);
        FormatAccess oldBacking = image.backing();
        long oldSize = oldBacking == null ? 0 : oldBacking.size();
        long newSize = newBacking == null ? 0 : newBacking.size();
        ByteBuffer beforeBuf = Ranges.chunkBuffer(image, oldBacking);
        ByteBuffer afterBuf = Ranges.chunkBuffer(image, newBacking);
        long pos = 0;
        while (pos < size) {
            control.checkCancelled();
            ShallowMapping m = image.getShallowMapping(pos, Math.min(Ranges.CHUNK, size - pos));
            long n = m.length();
            if (!Ranges.allocated(m)) {
                // runs end where either backing file ends, so each side is all data or all past its end
                if (pos < oldSize) {
                    n = Math.min(n, oldSize - pos);
                }
                if (pos < newSize) {
                    n = Math.min(n, newSize - pos);
                }
                boolean oldEnded = pos >= oldSize;
                boolean newEnded = pos >= newSize;
                // where both sides read zeroes nothing can differ: nothing is read
                boolean oldZero = oldEnded;
                if (!oldEnded) {
                    Extent e = Extent.above(oldBacking, pos, n);
                    n = e.length();
                    oldZero = e.zero();
                }
                boolean newZero = newEnded;
                if (!newEnded) {
                    Extent e = Extent.above(newBacking, pos, n);
                    n = e.length();
                    newZero = e.zero();
                }
                if (!(oldZero && newZero)) {
                    ByteBuffer before = Ranges.read(oldEnded ? null : oldBacking, pos, (int) n, beforeBuf);
                    ByteBuffer after = Ranges.read(newEnded ? null : newBacking, pos, (int) n, afterBuf);
                    // as qemu-img: zeroes are written as zeroes only where the old chain had ended
                    Ranges.writeDifferences(image, pos, before, after, SECTOR, oldEnded);
                }
            }
            control.advance(n);
            pos += n;
        }
        image.flush();
    }
}
