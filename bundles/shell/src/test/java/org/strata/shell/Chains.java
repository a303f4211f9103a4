package org.strata.shell;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Backing chains built by qemu-img, the same in every directory they are built in. */
final class Chains {

    /** The layers of {@link #depthFive}, top first, by the names they have relative to the directory. */
    static final List<String> LAYERS = List.of("top.qcow2", "l3.qcow2", "sub/l2.qcow2", "sub/l1.qcow2", "base.raw");

    private Chains() {
    }

    /**
     * A chain of depth 5 mixing raw and qcow2 with different options: a raw base, a compat=0.10 layer with 4k
     * clusters, an extended_l2 layer with zero clusters and discards, a shorter layer with 512-byte clusters,
     * and a top with data past that shorter layer's end. Two layers lie in {@code sub/}, and every backing name is
     * relative to the image that records it.
     */
    static void depthFive(Qemu q) throws Exception {
        Files.createDirectories(q.dir().resolve("sub"));
        q.img("create", "-q", "-f", "raw", "base.raw", "8M");
        q.io("-f", "raw", "-c", "write -P 1 0 3M", "-c", "write -P 11 6M 512k", "base.raw");
        q.img("create", "-q", "-f", "qcow2", "-o", "compat=0.10,cluster_size=4k", "-b", "../base.raw", "-F", "raw",
                "sub/l1.qcow2");
        q.io("-c", "write -P 2 1M 1M", "-c", "write -z 2560k 64k", "sub/l1.qcow2");
        q.img("create", "-q", "-f", "qcow2", "-o", "extended_l2=on", "-b", "l1.qcow2", "-F", "qcow2",
                "sub/l2.qcow2");
        q.io("-c", "write -P 3 1536k 100k", "-c", "write -z 4M 256k", "-c", "discard 2M 64k", "sub/l2.qcow2");
        q.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=512", "-b", "sub/l2.qcow2", "-F", "qcow2",
                "l3.qcow2", "6M");
        q.io("-c", "write -P 4 5M 300k", "-c", "write -P 4 0 4k", "l3.qcow2");
        q.img("create", "-q", "-f", "qcow2", "-b", "l3.qcow2", "-F", "qcow2", "top.qcow2", "8M");
        q.io("-c", "write -P 5 7M 512k", "-c", "write -P 5 64k 64k", "-c", "write -z 6M 64k", "top.qcow2");
    }

    /**
     * qemu-img map's JSON without host offsets (which depend on the order a writer allocated clusters in), runs
     * with the same status joined: what the guest sees from which layer, one line per run. Two differences that
     * do not change what any guest reads are allowed: data under which the file has a hole (see Extent), and zeroes
     * recorded as a zero cluster where the other writer left the cluster unallocated in a layer without backing.
     */
    static String mapWithoutOffsets(String mapJson) {
        StringBuilder sb = new StringBuilder();
        long start = 0;
        long length = 0;
        String status = null;
        for (var e : com.google.gson.JsonParser.parseString(mapJson).getAsJsonArray()) {
            var o = e.getAsJsonObject();
            // data that the file holds as a hole is still data (how a writer fills a cluster's tail is its own);
            // zeroes read the same whether the layer records them or just has nothing there
            boolean data = o.get("data").getAsBoolean();
            boolean zero = !data && o.get("zero").getAsBoolean();
            String s = "depth " + o.get("depth") + (zero ? "" : " present " + o.get("present")) + " zero " + zero
                    + " data " + data;
            if (s.equals(status) && o.get("start").getAsLong() == start + length) {
                length += o.get("length").getAsLong();
                continue;
            }
            if (status != null) {
                sb.append(start).append('+').append(length).append(' ').append(status).append('\n');
            }
            start = o.get("start").getAsLong();
            length = o.get("length").getAsLong();
            status = s;
        }
        if (status != null) {
            sb.append(start).append('+').append(length).append(' ').append(status).append('\n');
        }
        return sb.toString();
    }
}
