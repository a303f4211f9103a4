package org.strata.format.vhdx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * The region table (at 192 KiB, a copy at 256 KiB): where the BAT and the metadata region lie. Regions must not
 * overlap each other or the log; a required region of an unknown kind makes the file unreadable.
 */
final class RegionTable {

    static final Guid BAT = Guid.of("2DC27766-F623-4200-9D64-115E9BFD4A08");
    static final Guid METADATA = Guid.of("8B7CA206-4790-4B9A-B8FE-575F050F886E");

    private static final int SIGNATURE = Layout.signature4("regi");
    private static final int CHECKSUM = 4;
    private static final int MAX_ENTRIES = 2047;
    private static final int ENTRY = 32;
    private static final int REQUIRED = 1;

    /** A range of the file that holds a structure. */
    record Region(long offset, long length) {
        long end() {
            return offset + length;
        }

        boolean overlaps(long start, long len) {
            return Long.compareUnsigned(start, end()) < 0 && Long.compareUnsigned(offset, start + len) < 0;
        }

        @Override
        public String toString() {
            return Long.toUnsignedString(offset) + "-" + Long.toUnsignedString(end());
        }
    }

    /** The table as read (kept to write changed copies of it) and the two regions it names. */
    private final ByteBuffer raw;
    private final int batEntry;
    final Region bat;
    final Region metadata;
    /** The log and every region, for overlap checks. */
    final List<Region> regions;

    private RegionTable(ByteBuffer raw, int batEntry, Region bat, Region metadata, List<Region> regions) {
        this.raw = raw;
        this.batEntry = batEntry;
        this.bat = bat;
        this.metadata = metadata;
        this.regions = regions;
    }

    static RegionTable read(Storage file, Region log, String name) throws IOException {
        ByteBuffer b = Layout.buffer(Layout.TABLE_SIZE);
        file.read(b, Layout.REGION_TABLE1);
        if (!Checksum.isValid(b, CHECKSUM) || b.getInt(0) != SIGNATURE) {
            throw new ImageFormatException(name + ": invalid VHDX region table (bad signature or checksum)");
        }
        long count = Integer.toUnsignedLong(b.getInt(8));
        if (count > MAX_ENTRIES) {
            throw new ImageFormatException(name + ": VHDX region table has " + count + " entries (at most "
                    + MAX_ENTRIES + ")");
        }
        List<Region> regions = new ArrayList<>(List.of(log));
        Region bat = null;
        Region metadata = null;
        int batEntry = -1;
        for (int i = 0; i < count; i++) {
            int at = 16 + i * ENTRY;
            Guid guid = Guid.read(b, at);
            Region r = new Region(b.getLong(at + 16), Integer.toUnsignedLong(b.getInt(at + 24)));
            for (Region other : regions) {
                if (other.overlaps(r.offset, r.length)) {
                    throw new ImageFormatException(name + ": VHDX region " + r + " overlaps with region " + other);
                }
            }
            regions.add(r);
            if (guid.equals(BAT) || guid.equals(METADATA)) {
                if ((guid.equals(BAT) ? bat : metadata) != null) {
                    throw new ImageFormatException(name + ": VHDX region table names the "
                            + (guid.equals(BAT) ? "BAT" : "metadata region") + " twice");
                }
                if (guid.equals(BAT)) {
                    bat = r;
                    batEntry = at;
                } else {
                    metadata = r;
                }
            } else if ((b.getInt(at + 28) & REQUIRED) != 0) {
                throw new UnsupportedFeatureException(name + ": VHDX region " + guid
                        + " is required but not supported");
            }
        }
        if (bat == null || metadata == null) {
            throw new ImageFormatException(name + ": VHDX region table lacks the " + (bat == null ? "BAT"
                    : "metadata region"));
        }
        return new RegionTable(b, batEntry, bat, metadata, List.copyOf(regions));
    }

    /** A new image's table: the BAT, then the metadata region. */
    static ByteBuffer create(Region bat, Region metadata) {
        ByteBuffer b = Layout.buffer(Layout.TABLE_SIZE);
        b.putInt(0, SIGNATURE).putInt(8, 2);
        putEntry(b, 16, BAT, bat);
        putEntry(b, 16 + ENTRY, METADATA, metadata);
        Checksum.seal(b, CHECKSUM);
        return b;
    }

    private static void putEntry(ByteBuffer b, int at, Guid guid, Region r) {
        guid.write(b, at);
        b.putLong(at + 16, r.offset).putInt(at + 24, (int) r.length);
    }

    /** This table with the BAT moved to {@code newBat}, as the 64 KiB both table copies get. */
    ByteBuffer withBat(Region newBat) {
        ByteBuffer b = Layout.buffer(Layout.TABLE_SIZE).put(raw.duplicate().clear()).clear();
        b.putLong(batEntry + 16, newBat.offset).putInt(batEntry + 24, (int) newBat.length);
        Checksum.seal(b, CHECKSUM);
        return b;
    }
}
