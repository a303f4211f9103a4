package org.strata.core.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.strata.api.CreateOption;
import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.api.FormatImage;
import org.strata.api.ImageContext;
import org.strata.api.ImageInfo;
import org.strata.api.Preallocation;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;

/**
 * A test format whose whole content is its backing file: the file holds {@code LINK <format|-> <name>}. It
 * exercises the reference gate without depending on a real format driver.
 */
final class LinkFormat implements FormatDriver {

    static final String MAGIC = "LINK ";

    @Override
    public String name() {
        return "link";
    }

    @Override
    public int probe(ByteBuffer head, long size) {
        byte[] m = new byte[Math.min(head.remaining(), MAGIC.length())];
        head.get(m);
        return new String(m, StandardCharsets.US_ASCII).equals(MAGIC) ? 100 : 0;
    }

    @Override
    public FormatImage open(Storage storage, ImageContext context) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) storage.size());
        storage.read(b, 0);
        String[] parts = new String(b.array(), StandardCharsets.UTF_8).trim().split(" ", 3);
        String format = parts[1].equals("-") ? null : parts[1];
        FormatAccess backing = context.openBacking(parts[2], format);
        return new Image(storage, backing);
    }

    @Override
    public Map<String, String> create(Storage storage, CreateRequest request, ImageContext context) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<CreateOption> createOptions() {
        return List.of();
    }

    private record Image(Storage storage, FormatAccess backing) implements FormatImage {
        @Override
        public String formatName() {
            return "link";
        }

        @Override
        public long size() {
            return backing.size();
        }

        @Override
        public boolean isWritable() {
            return false;
        }

        @Override
        public long zeroGranularity() {
            return 1;
        }

        @Override
        public ShallowMapping getMapping(long offset, long maxLength) {
            return new ShallowMapping.Indirect(backing, offset, maxLength);
        }

        @Override
        public ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) {
            throw new UnsupportedOperationException();
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
        public void resize(long newSize, Preallocation prealloc) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Storage> storages() {
            return List.of(storage);
        }

        @Override
        public ImageInfo info() {
            return ImageInfo.simple(size());
        }

        @Override
        public void close() {
        }
    }
}
