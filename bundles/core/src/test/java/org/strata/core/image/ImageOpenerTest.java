package org.strata.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CacheMode;
import org.strata.api.FormatAccess;
import org.strata.format.raw.RawFormatDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.TestEngines;

/** The reference gate: relative names, allowed roots, recorded formats, loops. */
class ImageOpenerTest {

    @TempDir
    Path dir;
    ImageOpener opener;

    @BeforeEach
    void setUp() {
        opener = new ImageOpener(DriverLookup.of(List.of(new RawFormatDriver(), new LinkFormat()),
                List.of(new FileStorageDriver())), List.of(), null, TestEngines.ioThreads());
    }

    private void write(String name, String content) throws IOException {
        Files.createDirectories(dir.resolve(name).getParent());
        Files.writeString(dir.resolve(name), content);
    }

    private OpenRequest request() {
        return OpenRequest.in(dir).build();
    }

    @Test
    void backingNamesResolveRelativeToTheImageThatNamesThem() throws IOException {
        write("sub/base.raw", "hello world");
        write("sub/top.link", "LINK raw base.raw");
        try (FormatAccess a = opener.open("sub/top.link", request())) {
            assertEquals("link", a.formatName());
            ByteBuffer b = ByteBuffer.allocate(11);
            a.read(b, 0);
            assertArrayEquals("hello world".getBytes(), b.array());
        }
    }

    @Test
    void filesOutsideTheAllowedRootsAreRefusedWithAMessageNamingThem() throws IOException {
        write("outside/secret.raw", "secret");
        write("images/top.link", "LINK raw ../outside/secret.raw");
        IOException e = assertThrows(IOException.class, () -> opener.open("images/top.link", request()));
        assertTrue(e.getMessage().contains("secret.raw"), e.getMessage());
        assertTrue(e.getMessage().contains("--allow-root"), e.getMessage());
        assertTrue(e.getMessage().contains("outside the allowed roots (" + dir.resolve("images").toRealPath() + ")"),
                "names the roots in force: " + e.getMessage());

        try (FormatAccess a = opener.open("images/top.link",
                OpenRequest.in(dir).extraRoots(List.of(opener.root("outside", dir))).build())) {
            assertEquals(512, a.size(), "raw sizes count whole sectors");
        }
    }

    @Test
    void symbolicLinksCannotLeadOutside() throws IOException {
        write("outside/secret.raw", "secret");
        write("images/top.link", "LINK raw link.raw");
        Files.createSymbolicLink(dir.resolve("images/link.raw"), dir.resolve("outside/secret.raw"));
        assertThrows(IOException.class, () -> opener.open("images/top.link", request()));
    }

    @Test
    void absoluteNamesOutsideAreRefused() throws IOException {
        write("top.link", "LINK raw /etc/passwd");
        IOException e = assertThrows(IOException.class, () -> opener.open("top.link", request()));
        assertTrue(e.getMessage().contains("/etc/passwd"), e.getMessage());
    }

    @Test
    void loopsAreRefused() throws IOException {
        write("a.link", "LINK link b.link");
        write("b.link", "LINK link a.link");
        IOException e = assertThrows(IOException.class, () -> opener.open("a.link", request()));
        assertTrue(e.getMessage().contains("loop"), e.getMessage());
    }

    @Test
    void namedFilesAreNeverProbedToAFormatThatNamesFiles() throws IOException {
        write("base.raw", "plain data");
        write("evil.raw", "LINK raw base.raw");
        write("top.link", "LINK - evil.raw");
        IOException e = assertThrows(IOException.class, () -> opener.open("top.link", request()));
        assertTrue(e.getMessage().contains("never probed"), e.getMessage());
        write("top2.link", "LINK - base.raw");
        try (FormatAccess a = opener.open("top2.link", request())) {
            assertEquals(512, a.size());
        }
    }

    /**
     * A file opened with O_DIRECT takes only aligned requests (the backend says so and does not align them): the
     * opener puts the aligning wrapper in front of it, for the image and for what the image names.
     */
    @Test
    void storagesThatTakeOnlyAlignedRequestsAreAlignedByTheOpener() throws IOException {
        byte[] content = new byte[8192];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 7);
        }
        Files.write(dir.resolve("base.raw"), content);
        write("top.link", "LINK raw base.raw");
        OpenRequest direct = OpenRequest.in(dir).cache(CacheMode.NONE).build();
        try (FormatAccess a = opener.open("base.raw", direct.toBuilder().format("raw").writable(true).build())) {
            assertTrue(a.reqAlign() >= 512, "O_DIRECT was not used: alignment " + a.reqAlign());
            a.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 1001);
            content[1001] = 1;
            content[1002] = 2;
            content[1003] = 3;
        }
        try (FormatAccess a = opener.open("top.link", direct)) {
            ByteBuffer b = ByteBuffer.allocate(3000);
            a.read(b, 7);
            assertArrayEquals(java.util.Arrays.copyOfRange(content, 7, 3007), b.array());
        }
    }

    @Test
    void theNamedImageIsProbed() throws IOException {
        write("base.raw", "data");
        write("top.link", "LINK raw base.raw");
        try (FormatAccess a = opener.open("top.link", request())) {
            assertEquals("link", a.formatName());
        }
        try (FormatAccess a = opener.open("top.link", OpenRequest.in(dir).format("raw").build())) {
            assertEquals("raw", a.formatName());
        }
    }

    @Test
    void chainsShareTheirReadOnlyBaseWhenAsked() throws IOException {
        write("base.raw", "shared base");
        write("a.link", "LINK raw base.raw");
        write("b.link", "LINK raw base.raw");
        SharedLayers shared = new SharedLayers();
        ImageOpener sharing = new ImageOpener(DriverLookup.of(List.of(new RawFormatDriver(), new LinkFormat()),
                List.of(new FileStorageDriver())), List.of(), shared, TestEngines.ioThreads());
        FormatAccess a = sharing.open("a.link", request());
        FormatAccess b = sharing.open("b.link", request());
        assertEquals(1, shared.size());
        assertTrue(a.backing() == b.backing(), "one base for both");
        a.close();
        assertEquals(1, shared.size());
        assertEquals(512, b.size());
        b.close();
        assertEquals(0, shared.size());
    }

    @Test
    void aBaseOpenedBeforeTheDriversChangedIsNotSharedWithLaterOpens() throws IOException {
        write("base.raw", "shared base");
        write("a.link", "LINK raw base.raw");
        write("b.link", "LINK raw base.raw");
        long[] generation = {0};
        DriverLookup fixed = DriverLookup.of(List.of(new RawFormatDriver(), new LinkFormat()),
                List.of(new FileStorageDriver()));
        DriverLookup changing = new DriverLookup() {
            @Override
            public java.util.Collection<org.strata.api.FormatDriver> formats() {
                return fixed.formats();
            }

            @Override
            public java.util.Collection<org.strata.api.StorageDriver> storages() {
                return fixed.storages();
            }

            @Override
            public long generation() {
                return generation[0];
            }
        };
        SharedLayers shared = new SharedLayers();
        ImageOpener sharing = new ImageOpener(changing, List.of(), shared, TestEngines.ioThreads());
        FormatAccess a = sharing.open("a.link", request());
        generation[0]++; // e.g. a newer raw driver took over: b must not run on a's older driver code
        FormatAccess b = sharing.open("b.link", request());
        assertTrue(a.backing() != b.backing(), "a base of its own for b");
        assertEquals(2, shared.size());
        a.close();
        b.close();
        assertEquals(0, shared.size());
    }

    @Test
    void missingFilesGiveOneClearLine() {
        IOException e = assertThrows(IOException.class, () -> opener.open("nope.img", request()));
        assertEquals("Could not open 'nope.img': No such file or directory", e.getMessage());
    }
}
