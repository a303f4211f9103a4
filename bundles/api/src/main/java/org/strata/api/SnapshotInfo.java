package org.strata.api;

/**
 * An internal snapshot, with the fields {@code qemu-img snapshot -l} and {@code qemu-img info} show.
 *
 * @param vmStateSize  bytes of saved VM state
 * @param dateSec      creation time, seconds since the epoch
 * @param vmClockNsec  guest clock at creation, nanoseconds
 * @param icount       instruction count, or -1 when not recorded
 */
public record SnapshotInfo(String id, String name, long vmStateSize, long dateSec, long dateNsec, long vmClockNsec,
                           long icount) {
}
