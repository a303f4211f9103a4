package org.strata.api;

import java.util.List;
import java.util.Map;

/**
 * What a driver knows about an open image, for {@code image:info}.
 *
 * @param virtualSize      guest-visible size in bytes
 * @param clusterSize      allocation unit in bytes, 0 when the format has none
 * @param dirty            the format's dirty flag (qcow2 with lazy refcounts, after an unclean close)
 * @param backingFilename  the backing file as recorded in the image, or null
 * @param backingFormat    the backing format as recorded, or null
 * @param formatSpecific   qemu-img's {@code format-specific.data} object (ordered), or null
 * @param snapshots        internal snapshots
 * @param encrypted        whether the image is encrypted
 */
public record ImageInfo(long virtualSize, long clusterSize, boolean dirty, String backingFilename,
                        String backingFormat, Map<String, Object> formatSpecific, List<SnapshotInfo> snapshots,
                        boolean encrypted) {

    public static ImageInfo simple(long virtualSize) {
        return new ImageInfo(virtualSize, 0, false, null, null, null, List.of(), false);
    }
}
