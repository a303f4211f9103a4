package org.strata.format.qcow2;

import java.io.IOException;

import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * qcow2 on storage of a fixed size (a host block device, as oVirt keeps disks on logical volumes): the storage is
 * never resized, so what the image needs must fit in it, checked before anything is written.
 */
final class FixedSize {

    private FixedSize() {
    }

    /** Refuses an image that would reach {@code end} (bytes) on a storage of fixed size that ends before. */
    static void checkFits(Storage storage, long end) throws IOException {
        if (storage.fixedSize() && end > storage.size()) {
            throw new IOException(storage.location() + ": the device is too small: the image needs " + end
                    + " bytes, the device holds " + storage.size() + " (a device is never resized)");
        }
    }

    /** Refuses the preallocation modes that reserve space by resizing the file, as qemu-img does on devices. */
    static void checkPreallocation(Storage storage, Preallocation mode) throws UnsupportedFeatureException {
        if (storage.fixedSize() && (mode == Preallocation.FALLOC || mode == Preallocation.FULL)) {
            throw new UnsupportedFeatureException(storage.location() + ": Preallocation mode '" + mode.optionName()
                    + "' unsupported for this non-regular file");
        }
    }
}
