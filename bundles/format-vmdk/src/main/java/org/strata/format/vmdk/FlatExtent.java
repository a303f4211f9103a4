package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

import org.strata.api.ShallowMapping;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/** A flat extent (FLAT, VMFS): the guest's bytes lie in the file from {@code fileOffset} on. */
record FlatExtent(Storage storage, long start, long length, long fileOffset) implements Extent {

    @Override
    public Run lookup(long offset, long max) {
        return new Run(Kind.DATA, storage, fileOffset + offset, Math.min(max, length - offset));
    }

    @Override
    public ShallowMapping.Raw ensureData(long offset, long len, boolean overwrite, Below below) {
        return new ShallowMapping.Raw(storage, fileOffset + offset, Math.min(len, length - offset), true);
    }

    @Override
    public boolean canZero(long offset, long len) {
        return false;
    }

    @Override
    public void zero(long offset, long len) throws IOException {
        throw new UnsupportedFeatureException("flat extents cannot record zeroes");
    }

    @Override
    public void readCompressed(ByteBuffer dst, long offset) throws IOException {
        throw new UnsupportedFeatureException("flat extents hold no compressed grains");
    }

    @Override
    public void flush() {
        // nothing held back
    }

    @Override
    public void clearCache() {
        // nothing cached
    }

    /** QEMU checks only that the extent's data starts inside its file. */
    @Override
    public CheckError check(long offset) throws IOException {
        if (fileOffset >= storage.size()) {
            return new CheckError("cluster offset for sector " + (start + offset) / 512 + " points after EOF",
                    "Invalid argument");
        }
        return null;
    }

    @Override
    public long checkStep() {
        return length;
    }

    @Override
    public Map<String, Object> info(String fileName, String type) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("virtual-size", length);
        m.put("filename", fileName);
        m.put("format", type);
        return m;
    }
}
