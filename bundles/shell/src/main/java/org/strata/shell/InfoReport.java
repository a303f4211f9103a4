package org.strata.shell;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.strata.api.FormatAccess;
import org.strata.api.ImageInfo;
import org.strata.api.Sizes;
import org.strata.api.SnapshotInfo;
import org.strata.core.image.ImageLocation;

/** What {@code image:info} says of one layer, with qemu-img's keys and values. */
final class InfoReport {

    private InfoReport() {
    }

    /** The {@code ImageInfo} JSON object of qemu-img for the layer {@code access}, named {@code filename}. */
    static Map<String, Object> of(FormatAccess access, String filename) throws IOException {
        ImageInfo info = access.info();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("virtual-size", info.virtualSize());
        m.put("filename", filename);
        m.put("format", access.formatName());
        long actual = access.allocatedSize();
        if (actual >= 0) {
            m.put("actual-size", actual);
        }
        if (info.encrypted()) {
            m.put("encrypted", true);
        }
        if (info.clusterSize() > 0) {
            m.put("cluster-size", info.clusterSize());
        }
        if (info.backingFilename() != null) {
            m.put("backing-filename", info.backingFilename());
            m.put("full-backing-filename", fullBackingName(filename, info.backingFilename()));
            if (info.backingFormat() != null) {
                m.put("backing-filename-format", info.backingFormat());
            }
        }
        if (!info.snapshots().isEmpty()) {
            List<Map<String, Object>> snaps = new ArrayList<>();
            for (SnapshotInfo s : info.snapshots()) {
                snaps.add(snapshot(s));
            }
            m.put("snapshots", snaps);
        }
        if (info.formatSpecific() != null) {
            Map<String, Object> fs = new LinkedHashMap<>();
            fs.put("type", access.formatName());
            fs.put("data", info.formatSpecific());
            m.put("format-specific", fs);
        }
        m.put("dirty-flag", info.dirty());
        return m;
    }

    static Map<String, Object> snapshot(SnapshotInfo s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("name", s.name());
        m.put("vm-state-size", s.vmStateSize());
        m.put("date-sec", s.dateSec());
        m.put("date-nsec", s.dateNsec());
        m.put("vm-clock-sec", s.vmClockNsec() / 1_000_000_000L);
        m.put("vm-clock-nsec", s.vmClockNsec() % 1_000_000_000L);
        if (s.icount() != -1) {
            m.put("icount", s.icount());
        }
        return m;
    }

    /** A backing name as qemu combines it with the name of the image that records it. */
    static String fullBackingName(String imageName, String backing) {
        if (backing.startsWith("/") || ImageLocation.isUrl(backing) || backing.startsWith("json:")) {
            return backing;
        }
        if (ImageLocation.isUrl(imageName)) {
            return URI.create(imageName).resolve(backing).toString();
        }
        Path parent = Path.of(imageName).getParent();
        return parent == null ? backing : parent.resolve(backing).toString();
    }

    /** qemu-img info's human text for one layer. */
    @SuppressWarnings("unchecked")
    static String human(Map<String, Object> m, List<SnapshotInfo> snapshots) {
        StringBuilder sb = new StringBuilder();
        sb.append("image: ").append(m.get("filename")).append('\n');
        sb.append("file format: ").append(m.get("format")).append('\n');
        long size = (Long) m.get("virtual-size");
        sb.append("virtual size: ").append(Sizes.human(size)).append(" (").append(size).append(" bytes)\n");
        Object actual = m.get("actual-size");
        sb.append("disk size: ").append(actual == null ? "unavailable" : Sizes.human((Long) actual)).append('\n');
        if (m.containsKey("cluster-size")) {
            sb.append("cluster_size: ").append(m.get("cluster-size")).append('\n');
        }
        if (m.containsKey("encrypted")) {
            sb.append("encrypted: yes\n");
        }
        if (m.containsKey("backing-filename")) {
            Object b = m.get("backing-filename");
            Object full = m.get("full-backing-filename");
            sb.append("backing file: ").append(b);
            if (!b.equals(full)) {
                sb.append(" (actual path: ").append(full).append(')');
            }
            sb.append('\n');
            if (m.containsKey("backing-filename-format")) {
                sb.append("backing file format: ").append(m.get("backing-filename-format")).append('\n');
            }
        }
        if (Boolean.TRUE.equals(m.get("dirty-flag"))) {
            sb.append("cleanly shut down: no\n");
        }
        if (!snapshots.isEmpty()) {
            sb.append("Snapshot list:\n").append(SnapshotTable.format(snapshots));
        }
        Object fs = m.get("format-specific");
        if (fs != null) {
            sb.append("Format specific information:\n");
            appendFields(sb, (Map<String, Object>) ((Map<String, Object>) fs).get("data"), 1);
        }
        return sb.toString();
    }

    /** QEMU's {@code dump_qdict}: keys in QDict order, dashes as spaces, nested values indented below. */
    @SuppressWarnings("unchecked")
    private static void appendFields(StringBuilder sb, Map<String, Object> data, int depth) {
        for (String key : QemuJson.qdictOrder(data.keySet())) {
            Object v = data.get(key);
            appendEntry(sb, depth, key.replace('-', ' '), v);
        }
    }

    /** QEMU's {@code dump_qlist}: each item as {@code [i]:}. */
    private static void appendItems(StringBuilder sb, List<?> items, int depth) {
        for (int i = 0; i < items.size(); i++) {
            appendEntry(sb, depth, "[" + i + "]", items.get(i));
        }
    }

    @SuppressWarnings("unchecked")
    private static void appendEntry(StringBuilder sb, int depth, String label, Object v) {
        sb.append("    ".repeat(depth)).append(label).append(':');
        if (v instanceof Map<?, ?> nested) {
            sb.append('\n');
            appendFields(sb, (Map<String, Object>) nested, depth + 1);
        } else if (v instanceof List<?> list) {
            sb.append('\n');
            appendItems(sb, list, depth + 1);
        } else {
            sb.append(' ').append(v).append('\n');
        }
    }
}
