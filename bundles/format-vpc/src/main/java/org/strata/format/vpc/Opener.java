package org.strata.format.vpc;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.strata.api.Align;
import org.strata.api.ImageFormatException;
import org.strata.api.Storage;

/**
 * Reads a VHD's structures as qemu 7.2 does, accepting what it accepts and refusing what it refuses, with its
 * words: the footer at the start (a dynamic disk's copy) or else at the end (a fixed disk), its checksum, the
 * disk's size, and a dynamic disk's header and table. Nothing is allocated for a size the file does not hold.
 */
final class Opener {

    /** What an open VHD is: its footer, its size in sectors and how its file holds the guest disk. */
    record Opened(Footer footer, long sectors, Layout layout) {
    }

    /** qemu's BDRV_MAX_LENGTH: it cannot read at or beyond this offset. */
    private static final long MAX_OFFSET = 0x7fffffffc0000000L;
    /** qemu's BDRV_REQUEST_MAX_BYTES: the most it reads at once. */
    private static final long MAX_READ = 0x7ffffe00L;

    private Opener() {
    }

    static Opened open(Storage file, boolean writable) throws IOException {
        long fileSize = file.size();
        Footer footer = Footer.of(read(file, 0, Footer.SIZE));
        boolean atStart = footer.hasCookie();
        if (!atStart) {
            if (fileSize < Footer.SIZE) {
                throw new ImageFormatException("File too small for a VHD header");
            }
            footer = Footer.of(read(file, fileSize - Footer.SIZE, Footer.SIZE));
            if (!footer.hasCookie() || !footer.isFixed()) {
                throw new ImageFormatException("invalid VPC image");
            }
        }
        if (!footer.checksumValid()) {
            throw new ImageFormatException("Incorrect header checksum");
        }
        long sectors = footer.guestSectors();
        if (sectors > Footer.MAX_SECTORS) {
            throw new ImageFormatException("File too large");
        }
        if (!atStart) {
            // nothing may be written over the footer, nor past it (the footer must stay the file's last sector)
            return new Opened(footer, sectors, new FlatLayout(file, writable,
                    new Metadata().add(fileSize - Footer.SIZE, -1)));
        }
        return openDynamic(file, writable, footer, sectors, fileSize);
    }

    /**
     * A disk whose footer copy starts the file: its header and table are read and checked whatever the footer's
     * disk type; the mapping is still flat if that type says fixed (as in qemu).
     */
    private static Opened openDynamic(Storage file, boolean writable, Footer footer, long sectors, long fileSize)
            throws IOException {
        long headerOffset = footer.dataOffset();
        if (!readable(headerOffset, Footer.SIZE)) {
            throw new ImageFormatException("Error reading dynamic VHD header");
        }
        DynamicHeader header = DynamicHeader.parse(read(file, headerOffset, Footer.SIZE));
        if (header == null) {
            throw new ImageFormatException("Invalid header magic");
        }
        long blockSize = Integer.toUnsignedLong(header.blockSize());
        if (Long.bitCount(blockSize) != 1 || blockSize < 512) {
            throw new ImageFormatException("Invalid block size " + blockSize);
        }
        long bitmapSize = (blockSize / (8 * 512) + 511) & ~511L;
        int entries = header.maxTableEntries();
        // qemu multiplies as unsigned 64-bit: a negative count passes here and fails below
        if (entries >= 0 && entries * blockSize < sectors * 512) {
            throw new ImageFormatException("Page table too small");
        }
        if (entries < 0 || entries > Integer.MAX_VALUE / 4) {
            throw new ImageFormatException("Max Table Entries too large (" + entries + ")");
        }
        long tableOffset = header.tableOffset();
        long tableBytes = 4L * entries;
        if (tableBytes > MAX_READ || !readable(tableOffset, tableBytes)) {
            throw new ImageFormatException("Error reading pagetable");
        }
        // a table past the end of the file is checked before it is read: qemu reads zeroes there, then says this
        long end = Align.up(tableOffset + tableBytes, 512);
        if (end <= fileSize) {
            end = Bat.endOfBlocks(file, tableOffset, entries, bitmapSize + blockSize);
        }
        if (end > fileSize) {
            throw new ImageFormatException("block-vpc: free_data_block_offset points after the end of file. "
                    + "The image has been truncated.");
        }
        Metadata metadata = new Metadata().add(0, Footer.SIZE).add(headerOffset, DynamicHeader.SIZE)
                .add(tableOffset, tableBytes);
        if (footer.isFixed()) {
            return new Opened(footer, sectors, new FlatLayout(file, writable, metadata));
        }
        Bat bat = new Bat(file, tableOffset, entries);
        BlockAllocator allocator = new BlockAllocator(file, footer, bat, blockSize, bitmapSize, end);
        return new Opened(footer, sectors,
                new DynamicLayout(file, writable, blockSize, bitmapSize, bat, metadata, allocator));
    }

    /** Whether qemu can read {@code length} bytes at the unsigned {@code offset}. */
    private static boolean readable(long offset, long length) {
        return offset >= 0 && offset <= MAX_OFFSET && length <= MAX_OFFSET - offset;
    }

    private static ByteBuffer read(Storage file, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        file.read(b, offset);
        return b.flip();
    }
}
