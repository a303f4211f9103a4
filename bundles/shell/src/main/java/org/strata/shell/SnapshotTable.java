package org.strata.shell;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

import org.strata.api.Sizes;
import org.strata.api.SnapshotInfo;

/** qemu's snapshot table, as {@code qemu-img snapshot -l} and {@code qemu-img info} print it. */
final class SnapshotTable {

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private SnapshotTable() {
    }

    static String format(List<SnapshotInfo> snapshots) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-10s%-17s%8s%20s%13s%11s%n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK", "ICOUNT"));
        for (SnapshotInfo s : snapshots) {
            String date = DATE.format(Instant.ofEpochSecond(s.dateSec()).atZone(ZoneId.systemDefault()));
            long ms = s.vmClockNsec() / 1_000_000;
            String clock = String.format("%02d:%02d:%02d.%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60,
                    ms % 1000);
            String icount = s.icount() == -1 ? "" : Long.toString(s.icount());
            sb.append(String.format("%-9s %-16s %8s%20s%13s%11s%n", s.id(), s.name(), Sizes.human(s.vmStateSize()),
                    date, clock, icount));
        }
        return sb.toString();
    }
}
