package org.strata.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.FormatAccess;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.format.raw.RawFormatDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.storage.rbd.RbdStorageDriver;
import org.strata.testkit.CephCluster;
import org.strata.testkit.TestEngines;

/**
 * The reference gate on Ceph RBD: the directory of an image is its pool (and RBD namespace) on its cluster, as the
 * cluster's configuration and user reach it; anything else must be allowed explicitly.
 */
class RbdGateTest {

    @TempDir
    Path cwd;

    private final CephCluster ceph = CephCluster.shared();
    private final RbdStorageDriver rbd = new RbdStorageDriver();
    private final ImageOpener opener = new ImageOpener(DriverLookup.of(
            List.of(new RawFormatDriver(), new LinkFormat()), List.of(new FileStorageDriver(), rbd)), List.of(), null, TestEngines.ioThreads());

    /** A new image holding {@code content}; returns its name. */
    private String image(String pool, String content) throws IOException {
        String name = ceph.name(pool, CephCluster.uniqueImage("gate"));
        try (Storage s = rbd.create(name, StorageOptions.READ_WRITE)) {
            s.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII)), 0);
        }
        return name;
    }

    private String read(FormatAccess a, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        a.read(b, 0);
        return new String(b.array(), StandardCharsets.US_ASCII);
    }

    @Test
    void anImageMayNameAnotherInItsPool() throws IOException {
        String base = image(CephCluster.POOL, "base data");
        String top = image(CephCluster.POOL, "LINK raw " + base);
        try (FormatAccess a = opener.open(top, OpenRequest.in(cwd).build())) {
            assertEquals("link", a.formatName());
            assertEquals("base data", read(a, 9));
        }
        String json = "json:{\"driver\":\"link\",\"file\":{\"driver\":\"rbd\",\"pool\":\"strata\",\"image\":\""
                + top.substring(top.indexOf('/') + 1, top.indexOf(':', 4)) + "\",\"conf\":\"" + ceph.conf() + "\"}}";
        try (FormatAccess a = opener.open(json, OpenRequest.in(cwd).build())) {
            assertEquals("base data", read(a, 9), "the same image by QEMU's json: name");
        }
    }

    @Test
    void anotherPoolOrClusterIsRefusedUnlessAllowed() throws IOException {
        String other = image(CephCluster.OTHER_POOL, "other pool");
        String top = image(CephCluster.POOL, "LINK raw " + other);
        IOException e = assertThrows(IOException.class, () -> opener.open(top, OpenRequest.in(cwd).build()));
        assertTrue(e.getMessage().contains("outside the allowed roots") && e.getMessage().contains(other),
                e.getMessage());

        OpenRequest allowed = OpenRequest.in(cwd).extraRoots(
                List.of(opener.root("rbd:" + CephCluster.OTHER_POOL + "/:conf=" + ceph.conf(), cwd))).build();
        try (FormatAccess a = opener.open(top, allowed)) {
            assertEquals("other pool", read(a, 10), "--allow-root rbd:POOL/ allows that pool");
        }

        Path otherConf = cwd.resolve("other-cluster.conf");
        Files.copy(ceph.conf(), otherConf);
        String elsewhere = "rbd:" + CephCluster.POOL + "/x:conf=" + otherConf;
        String naming = image(CephCluster.POOL, "LINK raw " + elsewhere);
        IOException cluster = assertThrows(IOException.class, () -> opener.open(naming, OpenRequest.in(cwd).build()));
        assertTrue(cluster.getMessage().contains("outside the allowed roots"), cluster.getMessage());
    }

    @Test
    void aLocalFileAndAnRbdImageNeverNameEachOtherByDefault() throws IOException {
        String onRbd = image(CephCluster.POOL, "LINK raw /etc/hostname");
        IOException e = assertThrows(IOException.class, () -> opener.open(onRbd, OpenRequest.in(cwd).build()));
        assertTrue(e.getMessage().contains("outside the allowed roots"), e.getMessage());

        String base = image(CephCluster.POOL, "base data");
        Files.writeString(cwd.resolve("top.link"), "LINK raw " + base);
        IOException local = assertThrows(IOException.class, () -> opener.open("top.link", OpenRequest.in(cwd).build()));
        assertTrue(local.getMessage().contains("outside the allowed roots"), local.getMessage());
    }

    @Test
    void aRelativeNameInAnRbdImageIsRefusedClearly() throws IOException {
        String top = image(CephCluster.POOL, "LINK raw base");
        IOException e = assertThrows(IOException.class, () -> opener.open(top, OpenRequest.in(cwd).build()));
        assertTrue(e.getMessage().contains("a relative name means nothing in an RBD image"), e.getMessage());
    }

    @Test
    void rbdNamesAreNotPaths() {
        assertEquals("rbd:p/i:conf=/x", ImageLocation.parse("rbd:p/i:conf=/x", cwd).storage());
        assertEquals("rbd:p/ns/i@s:conf=/c\\:d:id=u:mon_host=10.0.0.1\\:6789;[\\:\\:1]\\:6789",
                ImageLocation.parse("json:{\"driver\":\"rbd\",\"pool\":\"p\",\"namespace\":\"ns\",\"image\":\"i\","
                        + "\"snapshot\":\"s\",\"conf\":\"/c:d\",\"user\":\"u\",\"server\":[{\"host\":\"10.0.0.1\","
                        + "\"port\":\"6789\"},{\"host\":\"::1\",\"port\":\"6789\"}]}", cwd).storage());
        assertArrayEquals(new Object[] {"rbd:p/i", "raw"}, new Object[] {
            ImageLocation.parse("json:{\"driver\":\"raw\",\"file.driver\":\"rbd\",\"file.pool\":\"p\","
                    + "\"file.image\":\"i\"}", cwd).storage(),
            ImageLocation.parse("json:{\"driver\":\"raw\",\"file.driver\":\"rbd\",\"file.pool\":\"p\","
                    + "\"file.image\":\"i\"}", cwd).format()});
    }
}
