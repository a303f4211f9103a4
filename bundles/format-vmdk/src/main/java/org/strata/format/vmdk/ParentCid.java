package org.strata.format.vmdk;

import java.io.IOException;
import java.util.Map;

import org.strata.api.FormatAccess;

/**
 * QEMU's parent CID check: a child records its parent's CID, and once the parent has been written (so has a new CID)
 * reading through the child from the parent fails with "Invalid argument", while block status (qemu-img map) still
 * shows the chain. The child's unallocated ranges then map to data whose reads fail (block status shows them as
 * data of the child, where QEMU shows the chain).
 */
final class ParentCid {

    private ParentCid() {
    }

    /** Why reading {@code child}'s parent must fail, or null when its CID matches. */
    static String mismatch(VmdkImage child, FormatAccess parent) throws IOException {
        String name = child.location();
        Long cid = cidOf(parent);
        if (cid == null) {
            return name + ": Invalid argument (the parent is not a vmdk image, so it has no CID)";
        }
        if (cid == child.parentCid()) {
            return null;
        }
        return name + ": Invalid argument (the parent CID " + Long.toHexString(child.parentCid())
                + " does not match the CID " + Long.toHexString(cid) + " of its parent"
                + ": the parent was changed after this image was made)";
    }

    /** A vmdk image's CID, as its {@code image:info} shows it; null for an image of another format. */
    static Long cidOf(FormatAccess image) throws IOException {
        if (!image.formatName().equals("vmdk")) {
            return null;
        }
        Map<String, Object> specific = image.info().formatSpecific();
        return specific != null && specific.get("cid") instanceof Long cid ? cid : null;
    }
}
