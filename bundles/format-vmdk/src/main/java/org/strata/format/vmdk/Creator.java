package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.ImageContext;
import org.strata.api.Preallocation;
import org.strata.api.Storage;

/**
 * Writes a new VMDK image as qemu-img lays it out: a sparse file with its descriptor embedded at sector 1
 * (monolithicSparse, streamOptimized), or a descriptor file next to its extents (monolithicFlat: NAME-flat.EXT;
 * the twoGbMaxExtent subformats: NAME-s001.EXT or NAME-f001.EXT, ... of 2 GiB each). Extent files are created
 * through the image context, beside the descriptor.
 */
final class Creator {

    /** qemu-img's extents of the twoGbMaxExtent subformats: 2 GiB each. */
    private static final long SPLIT_SIZE = 0x80000000L;
    private static final int CHUNK = 64 * 1024;

    private Creator() {
    }

    static Map<String, String> create(Storage storage, CreateRequest req, ImageContext context) throws IOException {
        CreateOptions o = CreateOptions.parse(req);
        long parentCid = 0xffffffffL;
        long size = o.size;
        if (o.backingFile != null) {
            // as QEMU, the parent is opened even with -u: its CID goes into the new descriptor
            FormatAccess parent = context.openBacking(o.backingFile, "vmdk");
            Long cid = ParentCid.cidOf(parent);
            if (cid == null) {
                throw new IOException("Failed to read parent CID");
            }
            parentCid = cid;
            if (size < 0) {
                size = parent.size();
            }
        }
        if (size < 0) {
            throw new IllegalArgumentException("Image creation needs a size parameter");
        }
        Map<String, String> printed = new LinkedHashMap<>();
        printed.put("size", Long.toString(size));
        printed.putAll(o.printed);
        long total = (size + 511) / 512 * 512;
        String base = basename(context.location());
        List<String> extentLines = new ArrayList<>();
        long descOffset;
        if (!o.flat() && !o.split()) {
            SparseHeader h = SparseHeader.forNew(total / 512, o.compressed(), o.zeroedGrain);
            writeSparse(storage, h);
            extentLines.add(line(total, "SPARSE", base, false));
            descOffset = Layout.EMBEDDED_DESCRIPTOR;
        } else {
            String[] parts = splitName(base);
            long extentSize = o.split() ? SPLIT_SIZE : total;
            int index = 1;
            for (long done = 0; done < total; done += extentSize, index++) {
                long n = Math.min(total - done, extentSize);
                String name = parts[0] + (o.split() ? String.format("-%c%03d", o.flat() ? 'f' : 's', index)
                        : "-flat") + parts[1];
                Storage extent = context.createFile(name);
                if (o.flat()) {
                    extent.resize(n, Preallocation.OFF);
                } else {
                    writeSparse(extent, SparseHeader.forNew(n / 512, false, o.zeroedGrain));
                }
                extent.flush();
                extentLines.add(line(n, o.flat() ? "FLAT" : "SPARSE", name, o.flat()));
            }
            descOffset = 0;
        }
        byte[] desc = descriptor(o, total, parentCid, extentLines).getBytes(StandardCharsets.UTF_8);
        if (descOffset != 0 && desc.length > Descriptor.DESC_SIZE) {
            throw new IllegalArgumentException("The descriptor does not fit the image's descriptor area ("
                    + desc.length + " bytes)");
        }
        storage.write(ByteBuffer.wrap(desc), descOffset);
        if (descOffset == 0) {
            storage.resize(desc.length, Preallocation.OFF);
        }
        return printed;
    }

    private static String line(long bytes, String type, String name, boolean flat) {
        return "RW " + (bytes + 511) / 512 + " " + type + " \"" + name + "\"" + (flat ? " 0" : "") + "\n";
    }

    /** The descriptor qemu-img writes. */
    private static String descriptor(CreateOptions o, long total, long parentCid, List<String> extentLines) {
        long heads = o.adapterType.equals("ide") ? 16 : 255;
        return "# Disk DescriptorFile\n"
                + "version=1\n"
                + "CID=" + Integer.toHexString(ThreadLocalRandom.current().nextInt()) + "\n"
                + "parentCID=" + Long.toHexString(parentCid) + "\n"
                + "createType=\"" + o.subformat + "\"\n"
                + (o.backingFile != null ? "parentFileNameHint=\"" + o.backingFile + "\"" : "") + "\n"
                + "# Extent description\n"
                + String.join("", extentLines)
                + "\n"
                + "# The Disk Data Base\n"
                + "#DDB\n"
                + "\n"
                + "ddb.virtualHWVersion = \"" + o.hwVersion + "\"\n"
                + "ddb.geometry.cylinders = \"" + total / (63 * heads * 512) + "\"\n"
                + "ddb.geometry.heads = \"" + heads + "\"\n"
                + "ddb.geometry.sectors = \"63\"\n"
                + "ddb.adapterType = \"" + o.adapterType + "\"\n"
                + "ddb.toolsVersion = \"" + o.toolsVersion + "\"\n";
    }

    /** A new sparse extent: header, backup grain directory and tables, grain directory and tables. */
    static void writeSparse(Storage s, SparseHeader h) throws IOException {
        s.resize(0, Preallocation.OFF);
        s.write(h.encode(), 0);
        s.resize(h.grainOffset * 512, Preallocation.OFF);
        writeDirectory(s, h.rgdOffset, h);
        writeDirectory(s, h.gdOffset, h);
    }

    /** A grain directory at {@code sector}, its grain tables right after it. */
    private static void writeDirectory(Storage s, long sector, SparseHeader h) throws IOException {
        long firstTable = sector + h.gdSectors();
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        long written = 0;
        for (long i = 0; i < h.gdEntries; i++) {
            chunk.putInt((int) (firstTable + i * SparseHeader.gtSectors(h)));
            if (!chunk.hasRemaining() || i + 1 == h.gdEntries) {
                chunk.flip();
                int n = chunk.remaining();
                s.write(chunk, sector * 512 + written);
                written += n;
                chunk.clear();
            }
        }
    }

    private static String basename(String location) {
        return location.substring(location.lastIndexOf('/') + 1);
    }

    /** qemu's split of a file name into the part before its last dot and the rest. */
    private static String[] splitName(String base) {
        int dot = base.lastIndexOf('.');
        return dot < 0 ? new String[] {base, ""} : new String[] {base.substring(0, dot), base.substring(dot)};
    }
}
