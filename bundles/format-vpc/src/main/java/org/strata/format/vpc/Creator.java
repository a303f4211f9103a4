package org.strata.format.vpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;

import org.strata.api.Align;
import org.strata.api.CreateRequest;
import org.strata.api.Preallocation;
import org.strata.api.Storage;

/**
 * Writes a new VHD as qemu-img 7.2 does. Its size is rounded up to a sector, then (without force_size) to the
 * first CHS geometry that covers it, as Virtual PC sizes a disk by its geometry; a disk larger than any geometry
 * gets the largest one and keeps its size. A dynamic disk: footer copy, header, table (all unallocated), footer;
 * a fixed disk: the guest's bytes (a hole) and the footer.
 */
final class Creator {

    /** Where qemu puts the table of a new dynamic disk: after the footer copy and the header. */
    private static final long TABLE_OFFSET = Footer.SIZE + DynamicHeader.SIZE;

    private Creator() {
    }

    static Map<String, String> create(Storage file, CreateRequest request) throws IOException {
        if (request.backingFile() != null) {
            throw new IllegalArgumentException("Backing file not supported for file format 'vpc'");
        }
        CreateOptions options = CreateOptions.parse(request);
        if (request.size() < 0) {
            throw new IllegalArgumentException("Image creation needs a size parameter");
        }
        long sectors = Align.up(request.size(), 512) / 512;
        Chs chs = options.forceSize() ? Chs.MAX : Chs.covering(sectors);
        if (!chs.equals(Chs.MAX)) {
            sectors = chs.sectors();
        } else if (sectors > Footer.MAX_SECTORS) {
            throw new IllegalArgumentException("The image size is too large for file format 'vpc'");
        }
        long size = sectors * 512;
        if (options.fixed()) {
            file.resize(size + Footer.SIZE, Preallocation.OFF);
            file.write(Footer.create(size, chs, Footer.TYPE_FIXED, options.forceSize()).buffer(), size);
        } else {
            createDynamic(file, Footer.create(size, chs, Footer.TYPE_DYNAMIC, options.forceSize()), sectors);
        }
        return CreateOptions.printed(request);
    }

    private static void createDynamic(Storage file, Footer footer, long sectors) throws IOException {
        int blockSize = DynamicHeader.DEFAULT_BLOCK_SIZE;
        long entries = Align.up(sectors, blockSize / 512) / (blockSize / 512);
        long tableBytes = Align.up(4 * entries, 512);
        file.write(footer.buffer(), 0);
        file.write(new DynamicHeader(TABLE_OFFSET, (int) entries, blockSize).bytes(), Footer.SIZE);
        byte[] unallocated = new byte[(int) Math.min(tableBytes, 1 << 20)];
        Arrays.fill(unallocated, (byte) 0xff);
        for (long done = 0; done < tableBytes; done += unallocated.length) {
            file.write(ByteBuffer.wrap(unallocated, 0, (int) Math.min(unallocated.length, tableBytes - done)),
                    TABLE_OFFSET + done);
        }
        file.write(footer.buffer(), TABLE_OFFSET + tableBytes);
    }
}
