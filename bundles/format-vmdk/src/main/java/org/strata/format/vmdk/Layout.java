package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.ImageContext;
import org.strata.api.ImageFormatException;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * What an image is made of, read as QEMU's {@code vmdk_open} reads it: a sparse file with its descriptor embedded at
 * sector 1 (monolithicSparse, streamOptimized), or a descriptor file whose extent lines name the files holding the
 * data. Every file a descriptor names is opened through the image context (the reference gate), which resolves it
 * relative to the descriptor and refuses anything outside the allowed roots before reading a byte of it.
 *
 * @param descOffset where the descriptor QEMU reads the CIDs and the parent from starts in the image's own file
 */
record Layout(String createType, List<Placed> extents, long descOffset, long cid, long parentCid,
              String parentFileNameHint) {

    /** An extent with the name and type qemu-img info shows for it. */
    record Placed(Extent extent, String fileName, String type) {
    }

    /** The descriptor types QEMU accepts in a descriptor file (monolithic ones are only embedded). */
    private static final List<String> DESCRIPTOR_TYPES = List.of("monolithicFlat", "vmfs", "vmfsSparse", "seSparse",
            "twoGbMaxExtentSparse", "twoGbMaxExtentFlat");
    /** Where a sparse file's embedded descriptor is, for QEMU, whatever the header says. */
    static final long EMBEDDED_DESCRIPTOR = 512;

    static Layout read(Storage storage, ImageContext context) throws IOException {
        String name = storage.location();
        Caches caches = new Caches(new TableCache(), new GrainCache());
        int magic = SparseHeader.magic(storage);
        String createType;
        List<Placed> extents;
        long descOffset;
        if (magic == SparseHeader.VMDK4_MAGIC || magic == SparseHeader.VMDK3_MAGIC) {
            SparseHeader h = SparseHeader.read(storage, magic, context.writable());
            if (h.isDescriptorOnly()) {
                Descriptor d = readText(storage, h.descOffset << 9);
                createType = descriptorType(d, name);
                extents = extents(d, context, name, caches);
            } else {
                createType = h.compressed() ? "streamOptimized" : "monolithicSparse";
                extents = List.of(new Placed(new SparseExtent(storage, h, 0, caches), context.location(), ""));
            }
            descOffset = EMBEDDED_DESCRIPTOR;
        } else {
            Descriptor d = readText(storage, 0);
            createType = descriptorType(d, name);
            extents = extents(d, context, name, caches);
            descOffset = 0;
        }
        if (extents.isEmpty()) {
            // QEMU fails an assertion on such an image
            throw new ImageFormatException(name + ": invalid VMDK image descriptor (no extents)");
        }
        long total = 0;
        for (Placed p : extents) {
            total += p.extent().length();
        }
        if (total < 0) {
            throw new ImageFormatException(name + ": Could not refresh total sector count: File too large");
        }
        Descriptor area = Descriptor.of(readArea(storage, descOffset), Descriptor.DESC_SIZE);
        Long cid = area.truncated(Descriptor.DESC_SIZE - 1).cid(false);
        Long parentCid = area.truncated(Descriptor.DESC_SIZE - 1).cid(true);
        String parent = area.parentFileNameHint(name);
        if (cid == null || parentCid == null) {
            throw new ImageFormatException(name + ": Invalid argument (no " + (cid == null ? "CID" : "parentCID")
                    + " in the VMDK descriptor)");
        }
        return new Layout(createType, extents, descOffset, cid, parentCid, parent);
    }

    /** The descriptor's area of the image's own file (zeroes past its end), as QEMU reads it for the CIDs. */
    static byte[] readArea(Storage storage, long descOffset) throws IOException {
        byte[] area = new byte[Descriptor.DESC_SIZE];
        storage.read(ByteBuffer.wrap(area), descOffset);
        return area;
    }

    /** The descriptor text QEMU reads from a descriptor file: at most 1 MiB - 1 bytes. */
    private static Descriptor readText(Storage storage, long offset) throws IOException {
        if (offset < 0) {
            throw new ImageFormatException(storage.location() + ": Could not read from file: Invalid argument");
        }
        int n = (int) Math.min(storage.size(), Descriptor.MAX_FILE_TEXT);
        byte[] text = new byte[n];
        storage.read(ByteBuffer.wrap(text), offset);
        return Descriptor.of(text, n);
    }

    private static String descriptorType(Descriptor d, String name) throws IOException {
        String type = d.option("createType", 128);
        if (type == null) {
            throw new ImageFormatException(name + ": invalid VMDK image descriptor");
        }
        if (!DESCRIPTOR_TYPES.contains(type)) {
            throw new UnsupportedFeatureException(name + ": Unsupported image type '" + type + "'");
        }
        return type;
    }

    /** Opens the extents the descriptor names, through the gate, in order. */
    private static List<Placed> extents(Descriptor d, ImageContext context, String name, Caches caches)
            throws IOException {
        List<Placed> out = new ArrayList<>();
        long start = 0;
        String dir = directoryOf(context.location());
        for (Descriptor.ExtentLine line : d.extents(name)) {
            if (line.type().equals("SESPARSE")) {
                throw new UnsupportedFeatureException(name + ": seSparse extents are not supported");
            }
            Storage file = context.openFile(line.fileName(), context.writable());
            Extent e = switch (line.type()) {
                case "FLAT", "VMFS" -> flat(file, start, line, name);
                default -> sparse(file, start, context.writable(), caches);
            };
            String shown = line.fileName().startsWith("/") ? line.fileName() : dir + line.fileName();
            out.add(new Placed(e, shown, line.type()));
            start += e.length();
            if (start < 0) {
                throw new ImageFormatException(name + ": Could not refresh total sector count: File too large");
            }
        }
        return out;
    }

    private static Extent flat(Storage file, long start, Descriptor.ExtentLine line, String name)
            throws IOException {
        if (line.sectors() > Long.MAX_VALUE / 512) {
            throw new ImageFormatException(name + ": Could not refresh total sector count: File too large");
        }
        if (line.flatOffset() > Long.MAX_VALUE / 512) {
            // QEMU opens it, but no read of it can succeed
            throw new ImageFormatException(name + ": the offset of extent '" + line.fileName() + "' is too large");
        }
        return new FlatExtent(file, start, line.sectors() * 512, line.flatOffset() * 512);
    }

    private static Extent sparse(Storage file, long start, boolean writable, Caches caches) throws IOException {
        int magic = SparseHeader.magic(file);
        if (magic != SparseHeader.VMDK4_MAGIC && magic != SparseHeader.VMDK3_MAGIC) {
            throw new ImageFormatException(file.location() + ": Image not in VMDK format");
        }
        SparseHeader h = SparseHeader.read(file, magic, writable);
        if (h.isDescriptorOnly()) {
            // QEMU would follow it, and loop forever on a descriptor naming itself
            throw new ImageFormatException(file.location() + ": a sparse extent may not be a descriptor itself");
        }
        return new SparseExtent(file, h, start, caches);
    }

    /** QEMU's {@code bdrv_dirname} of the name the image was opened by: up to and with the last slash. */
    private static String directoryOf(String location) {
        int slash = location.lastIndexOf('/');
        return slash < 0 ? "" : location.substring(0, slash + 1);
    }
}
