package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.api.FormatImage;
import org.strata.api.ImageFormatException;
import org.strata.api.ImageInfo;
import org.strata.api.Preallocation;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * QEMU's parent CID check: a child records its parent's CID, and once the parent has been written (so has a new CID)
 * reading through the child from the parent fails with "Invalid argument", while block status (qemu-img map) still
 * shows the chain. The child's unallocated ranges then map to a guard layer whose data nobody can read.
 */
final class ParentCid {

    private ParentCid() {
    }

    /** Why reading {@code child}'s parent must fail, or null when its CID matches. */
    static String mismatch(VmdkImage child, FormatAccess parent) {
        String name = child.location();
        if (!(parent.image() instanceof VmdkImage p)) {
            return name + ": Invalid argument (the parent is not a vmdk image, so it has no CID)";
        }
        if (p.cid() == child.parentCid()) {
            return null;
        }
        return name + ": Invalid argument (the parent CID " + Long.toHexString(child.parentCid())
                + " does not match the CID " + Long.toHexString(p.cid()) + " of '" + p.location()
                + "': the parent was changed after this image was made)";
    }

    /** A layer as large as {@code parent} that fails every read with {@code message}. */
    static FormatAccess guard(FormatAccess parent, String message) {
        return new FormatAccess(new Guard(parent.size(), message));
    }

    private record Guard(long size, String message) implements FormatImage {

        @Override
        public String formatName() {
            return "vmdk";
        }

        @Override
        public boolean isWritable() {
            return false;
        }

        @Override
        public long zeroGranularity() {
            return 512;
        }

        @Override
        public ShallowMapping getMapping(long offset, long maxLength) {
            return new ShallowMapping.Special(offset, maxLength);
        }

        @Override
        public void readSpecial(ByteBuffer dst, long offset) throws IOException {
            throw new ImageFormatException(message);
        }

        @Override
        public ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) throws IOException {
            throw new UnsupportedFeatureException("read-only");
        }

        @Override
        public boolean ensureZeroMapping(long offset, long length) throws IOException {
            throw new UnsupportedFeatureException("read-only");
        }

        @Override
        public boolean discardToZero(long offset, long length) throws IOException {
            throw new UnsupportedFeatureException("read-only");
        }

        @Override
        public void discardToAny(long offset, long length) throws IOException {
            throw new UnsupportedFeatureException("read-only");
        }

        @Override
        public void discardToBacking(long offset, long length) throws IOException {
            throw new UnsupportedFeatureException("read-only");
        }

        @Override
        public void flush() {
            // nothing
        }

        @Override
        public void invalidateCache() {
            // nothing
        }

        @Override
        public void resize(long newSize, Preallocation prealloc) throws IOException {
            throw new UnsupportedFeatureException("read-only");
        }

        @Override
        public List<Storage> storages() {
            return List.of();
        }

        @Override
        public FormatAccess backing() {
            return null;
        }

        @Override
        public ImageInfo info() {
            return ImageInfo.simple(size);
        }

        @Override
        public void close() {
            // nothing
        }
    }
}
