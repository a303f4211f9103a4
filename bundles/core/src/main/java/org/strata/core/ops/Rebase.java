package org.strata.core.ops;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.strata.api.FormatAccess;
import org.strata.api.ShallowMapping;

/**
 * Gives an image another backing file (qemu-img rebase), or none. Safe mode copies into the image every block
 * it does not allocate itself and where the old chain and the new backing file differ, so the guest sees the same
 * content before and after; then the header names the new backing file. Streaming is a safe rebase onto a base
 * further down (or onto nothing): the data of the layers in between is pulled into the image.
 */
public final class Rebase implements Operation {

    private static final int BLOCK = 64 * 1024;

    private final FormatAccess image;
    private final FormatAccess newBacking;
    private final String newName;
    private final String newFormat;
    private final boolean safe;

    /**
     * @param image      the image, opened writable with its current backing chain (when safe)
     * @param newBacking the new backing image opened read-only, or null for none
     * @param newName    the new backing file name as it is to be recorded, or null for none
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
        // the header changes only after every block the guest could miss is in the image
        image.image().changeBackingFile(newName, newName == null ? null : newFormat);
        image.flush();
    }

    private void copyDifferences(JobControl control) throws IOException {
        long size = image.size();
        control.total(size);
        FormatAccess oldBacking = image.image().backing();
        long pos = 0;
        while (pos < size) {
            control.checkCancelled();
            ShallowMapping m = image.getShallowMapping(pos, Math.min(Ranges.CHUNK, size - pos));
            int n = (int) m.length();
            if (!Ranges.allocated(m)) {
                ByteBuffer before = Ranges.read(oldBacking, pos, n);
                ByteBuffer after = readNew(pos, n);
                Ranges.writeDifferences(image, pos, before, after, BLOCK);
            }
            control.advance(n);
            pos += n;
        }
        image.flush();
    }

    private ByteBuffer readNew(long pos, int n) throws IOException {
        return Ranges.read(newBacking, pos, n);
    }
}
