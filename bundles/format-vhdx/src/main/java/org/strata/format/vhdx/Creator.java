package org.strata.format.vhdx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.strata.api.CreateRequest;
import org.strata.api.Preallocation;
import org.strata.api.Storage;

/**
 * Writes a new VHDX image as qemu-img lays it out: the header section (file identifier, two headers, two region
 * tables), the log at 1 MiB, the BAT, a 1 MiB metadata region, and data from 5 MiB past the BAT's end. A fixed
 * image's data area follows; with {@code block_state_zero} (the default) its blocks are still marked ZERO, as
 * QEMU marks them.
 */
final class Creator {

    private Creator() {
    }

    static Map<String, String> create(Storage file, CreateRequest req, int logicalSectorSize) throws IOException {
        CreateOptions o = CreateOptions.parse(req, req.size());
        long size = Layout.roundUp(o.size, logicalSectorSize);
        long bs = o.blockSize();
        long chunk = Bat.chunkRatio(bs, logicalSectorSize);
        if (Bat.usedEntries(size, bs, chunk) > Bat.MAX_ENTRIES) {
            throw new IllegalArgumentException("The image size is too large for file format 'vhdx' (try using a"
                    + " larger block size)");
        }
        RegionTable.Region bat = new RegionTable.Region(Layout.roundUp(Layout.HEADER_SECTION_END + o.logSize,
                Layout.MIB), Bat.regionLength(size, bs, chunk));
        RegionTable.Region metadata = new RegionTable.Region(Layout.roundUp(bat.end(), Layout.MIB), Layout.MIB);
        long data = bat.end() + 5 * Layout.MIB;
        file.resize(o.fixed ? data + size : data, Preallocation.OFF);

        ByteBuffer id = Layout.buffer(8 + 2 * creator().length()).putLong(Layout.FILE_SIGNATURE);
        id.put(creator().getBytes(StandardCharsets.UTF_16LE));
        file.write(id.flip(), 0);
        Headers.create(file, Header.fresh(ThreadLocalRandom.current().nextInt() & 0xFFFFFFFFL, o.logSize));
        int state = o.zeroBlocks ? Bat.ZERO : o.fixed ? Bat.FULLY_PRESENT : Bat.NOT_PRESENT;
        if (state != Bat.NOT_PRESENT) {
            file.write(Bat.create(size, bs, chunk, state, data).clear(), bat.offset());
        }
        ByteBuffer table = RegionTable.create(bat, metadata);
        file.write(table.duplicate(), Layout.REGION_TABLE1);
        file.write(table.duplicate(), Layout.REGION_TABLE2);
        file.write(Metadata.create(bs, o.fixed, size, logicalSectorSize), metadata.offset());
        return o.printed;
    }

    private static String creator() {
        return "Strata";
    }
}
