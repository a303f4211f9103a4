package org.strata.nbd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.FormatAccess;
import org.strata.api.Storage;
import org.strata.engine.Engine;
import org.strata.engine.WriteGate;
import org.strata.format.raw.RawFormatDriver;
import org.strata.nbd.protocol.Nbd;
import org.strata.testkit.MemoryStorage;
import org.strata.testkit.Patterns;
import org.strata.testkit.StandaloneContext;
import org.strata.testkit.TestEngines;

/** The protocol as the specification words it, driven byte by byte. */
class ProtocolTest {

    private static final int SIZE = 4 << 20;

    @TempDir
    Path dir;
    private NbdTestServer nbd;
    private Path rawFile;

    @BeforeEach
    void start() throws IOException {
        nbd = new NbdTestServer();
        rawFile = TestImages.createRaw(dir.resolve("disk.raw"), SIZE);
        nbd.exportRaw("disk", rawFile, true);
        nbd.exportRaw("ro", TestImages.createRaw(dir.resolve("ro.raw"), SIZE), false);
    }

    @AfterEach
    void stop() throws IOException {
        nbd.close();
    }

    private RawClient client() throws IOException {
        RawClient c = new RawClient(nbd.port);
        assertEquals(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES, c.handshake());
        return c;
    }

    private RawClient connected(String export, boolean structured) throws IOException {
        RawClient c = client();
        if (structured) {
            c.negotiateStructured();
        }
        c.go(export);
        return c;
    }

    @Test
    void goDescribesTheExport() throws IOException {
        try (RawClient c = client()) {
            c.negotiateStructured();
            List<RawClient.OptReply> replies = c.option(Nbd.OPT_GO,
                    RawClient.goData("disk", Nbd.INFO_BLOCK_SIZE, Nbd.INFO_NAME, Nbd.INFO_DESCRIPTION));
            RawClient.expectAck(replies);
            ByteBuffer export = null;
            ByteBuffer blockSize = null;
            String description = null;
            for (RawClient.OptReply r : replies) {
                if (r.type() == Nbd.REP_INFO) {
                    ByteBuffer b = ByteBuffer.wrap(r.data());
                    int type = b.getShort();
                    if (type == Nbd.INFO_EXPORT) {
                        export = b;
                    } else if (type == Nbd.INFO_BLOCK_SIZE) {
                        blockSize = b;
                    } else if (type == Nbd.INFO_DESCRIPTION) {
                        description = StandardCharsets.UTF_8.decode(b).toString();
                    }
                }
            }
            assertEquals(SIZE, export.getLong());
            int flags = export.getShort() & 0xffff;
            assertEquals(0, flags & Nbd.FLAG_READ_ONLY);
            for (int f : new int[] {Nbd.FLAG_HAS_FLAGS, Nbd.FLAG_SEND_FLUSH, Nbd.FLAG_SEND_FUA, Nbd.FLAG_SEND_TRIM,
                    Nbd.FLAG_SEND_WRITE_ZEROES, Nbd.FLAG_SEND_FAST_ZERO, Nbd.FLAG_SEND_DF, Nbd.FLAG_CAN_MULTI_CONN,
                    Nbd.FLAG_SEND_CACHE}) {
                assertTrue((flags & f) != 0, "flag " + f);
            }
            assertEquals(1, blockSize.getInt());
            assertEquals(4096, blockSize.getInt());
            assertEquals(32 << 20, blockSize.getInt());
            assertEquals("raw image disk.raw", description);
        }
        try (RawClient c = client()) {
            RawClient.Export e = c.go("ro");
            assertTrue((e.flags() & Nbd.FLAG_READ_ONLY) != 0);
            assertEquals(0, e.flags() & (Nbd.FLAG_SEND_TRIM | Nbd.FLAG_SEND_WRITE_ZEROES | Nbd.FLAG_SEND_DF));
        }
    }

    @Test
    void listNamesEveryExport() throws IOException {
        try (RawClient c = client()) {
            List<RawClient.OptReply> replies = c.option(Nbd.OPT_LIST, new byte[0]);
            RawClient.expectAck(replies);
            Set<String> names = new HashSet<>();
            for (RawClient.OptReply r : replies.subList(0, replies.size() - 1)) {
                assertEquals(Nbd.REP_SERVER, r.type());
                ByteBuffer b = ByteBuffer.wrap(r.data());
                byte[] name = new byte[b.getInt()];
                b.get(name);
                names.add(new String(name, StandardCharsets.UTF_8));
            }
            assertEquals(Set.of("disk", "ro"), names);
            assertEquals(Nbd.REP_ERR_INVALID, c.option(Nbd.OPT_LIST, new byte[3]).get(0).type());
        }
    }

    @Test
    void refusedOptionsLeaveTheHandshakeUsable() throws IOException {
        try (RawClient c = client()) {
            RawClient.OptReply r = c.option(Nbd.OPT_GO, RawClient.goData("nope")).get(0);
            assertEquals(Nbd.REP_ERR_UNKNOWN, r.type());
            assertTrue(r.text().contains("nope"), r.text());
            assertEquals(Nbd.REP_ERR_UNSUP, c.option(99, new byte[10]).get(0).type());
            assertEquals(Nbd.REP_ERR_INVALID, c.option(Nbd.OPT_GO, new byte[] {0, 0, 0, 50, 1, 2}).get(0).type());
            // metadata contexts need structured replies first
            assertEquals(Nbd.REP_ERR_INVALID,
                    c.option(Nbd.OPT_SET_META_CONTEXT, RawClient.metaContextData("disk", "base:allocation")).get(0)
                            .type());
            assertEquals(Nbd.REP_ERR_POLICY, c.option(Nbd.OPT_STARTTLS, new byte[0]).get(0).type());
            assertEquals(SIZE, c.go("disk").size());
        }
    }

    @Test
    void abortEndsTheSession() throws IOException {
        try (RawClient c = client()) {
            assertEquals(Nbd.REP_ACK, c.option(Nbd.OPT_ABORT, new byte[0]).get(0).type());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void exportNameEntersTransmissionTheOldWay() throws IOException {
        try (RawClient c = client()) {
            c.sendOption(Nbd.OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
            assertEquals(SIZE, c.in.readLong());
            int flags = c.in.readUnsignedShort(); // no zero padding: we asked for NO_ZEROES
            assertEquals(0, flags & Nbd.FLAG_READ_ONLY);
            c.request(0, Nbd.CMD_WRITE, 1, 4096, 4, new byte[] {1, 2, 3, 4});
            assertEquals(0, c.read(0).errorCode());
            c.request(0, Nbd.CMD_READ, 2, 4096, 4, null);
            assertArrayEquals(new byte[] {1, 2, 3, 4}, c.read(4).payload());
        }
    }

    @Test
    void simpleRepliesCarryReadData() throws IOException {
        byte[] data = Patterns.random(new Random(3), 100_000);
        try (RawClient c = connected("disk", false)) {
            c.request(Nbd.CMD_FLAG_FUA, Nbd.CMD_WRITE, 7, 12345, data.length, data);
            RawClient.Reply w = c.read(0);
            assertEquals(7, w.cookie());
            assertEquals(0, w.errorCode());
            c.request(0, Nbd.CMD_READ, 8, 12345, data.length, null);
            RawClient.Reply r = c.read(data.length);
            assertEquals(Nbd.SIMPLE_REPLY_MAGIC, r.magic());
            assertArrayEquals(data, r.payload());
            c.request(0, Nbd.CMD_FLUSH, 9, 0, 0, null);
            assertEquals(0, c.read(0).errorCode());
        }
        byte[] onDisk = Files.readAllBytes(rawFile);
        assertArrayEquals(data, java.util.Arrays.copyOfRange(onDisk, 12345, 12345 + data.length));
    }

    @Test
    void structuredReadsSendHolesAndDfSendsOneChunk() throws IOException {
        FormatAccess sparse = nbd.export("sparse", SparseTestImage.open(SIZE, null), true);
        byte[] data = Patterns.filled(SparseTestImage.CLUSTER, 0x5a).array();
        sparse.write(ByteBuffer.wrap(data), SparseTestImage.CLUSTER);
        try (RawClient c = connected("sparse", true)) {
            int len = 4 * SparseTestImage.CLUSTER;
            c.request(0, Nbd.CMD_READ, 1, 0, len, null);
            List<RawClient.Reply> chunks = c.readAll(0);
            assertEquals(List.of(Nbd.REPLY_TYPE_OFFSET_HOLE, Nbd.REPLY_TYPE_OFFSET_DATA, Nbd.REPLY_TYPE_OFFSET_HOLE),
                    chunks.stream().map(RawClient.Reply::type).toList());
            byte[] expected = new byte[len];
            System.arraycopy(data, 0, expected, SparseTestImage.CLUSTER, data.length);
            assertArrayEquals(expected, RawClient.assemble(chunks, 0, len));

            c.request(Nbd.CMD_FLAG_DF, Nbd.CMD_READ, 2, 0, len, null);
            List<RawClient.Reply> one = c.readAll(0);
            assertEquals(1, one.size());
            assertEquals(Nbd.REPLY_TYPE_OFFSET_DATA, one.get(0).type());
            assertArrayEquals(expected, RawClient.assemble(one, 0, len));
        }
    }

    @Test
    void aWriteTheImageRefusesIsEpermAsQemusServerAnswersIt() throws IOException {
        // what the opener's write gate throws for a probed raw image's block 0 (core's ProbedRawGuard)
        WriteGate refusesBlock0 = (image, data, offset) -> {
            if (offset == 0) {
                throw new AccessDeniedException("guarded.raw", null, "Operation not permitted");
            }
        };
        Storage storage = new MemoryStorage("guarded.raw", SIZE);
        FormatAccess guarded = new Engine(new RawFormatDriver().open(storage, new StandaloneContext("guarded.raw",
                true)), storage, TestEngines.ioThreads(), refusesBlock0);
        nbd.export("guarded", guarded, true);
        try (RawClient c = connected("guarded", true)) {
            c.request(0, Nbd.CMD_WRITE, 1, 0, 512, new byte[512]);
            assertEquals(Nbd.EPERM, c.read(0).errorCode());
            c.request(0, Nbd.CMD_WRITE, 2, 512, 512, new byte[512]);
            assertEquals(0, c.read(0).errorCode());
        }
    }

    @Test
    void badRequestsGetTheSpecifiedErrorsAndTheConnectionGoesOn() throws IOException {
        try (RawClient c = connected("disk", true)) {
            c.request(0, Nbd.CMD_READ, 1, SIZE - 10, 20, null);
            assertEquals(Nbd.EINVAL, c.read(0).errorCode());
            c.request(0, Nbd.CMD_WRITE, 2, SIZE - 10, 20, new byte[20]);
            assertEquals(Nbd.ENOSPC, c.read(0).errorCode());
            c.request(0, Nbd.CMD_WRITE_ZEROES, 3, SIZE, 1, null);
            assertEquals(Nbd.ENOSPC, c.read(0).errorCode());
            c.request(0, Nbd.CMD_TRIM, 4, -4096L, 8192, null);
            assertEquals(Nbd.EINVAL, c.read(0).errorCode());
            c.request(0, 42, 5, 0, 0, null);
            assertEquals(Nbd.EINVAL, c.read(0).errorCode());
            c.request(Nbd.CMD_FLAG_REQ_ONE, Nbd.CMD_READ, 6, 0, 512, null);
            assertEquals(Nbd.EINVAL, c.read(0).errorCode());
            c.request(0, Nbd.CMD_BLOCK_STATUS, 7, 0, 512, null);
            assertEquals(Nbd.EINVAL, c.read(0).errorCode(), "no metadata context was negotiated");
            c.request(0, Nbd.CMD_READ, 8, 0, (32 << 20) + 1, null);
            assertEquals(Nbd.EOVERFLOW, c.read(0).errorCode());
            c.request(0, Nbd.CMD_FLUSH, 9, 1, 0, null);
            assertEquals(Nbd.EINVAL, c.read(0).errorCode());
            // still serving
            c.request(0, Nbd.CMD_READ, 10, 0, 512, null);
            List<RawClient.Reply> ok = c.readAll(0);
            assertEquals(10, ok.get(0).cookie());
            assertEquals(0, ok.get(ok.size() - 1).errorCode());
        }
        try (RawClient c = connected("disk", false)) {
            c.request(0, Nbd.CMD_READ, 1, 0, (32 << 20) + 1, null);
            assertEquals(Nbd.EINVAL, c.read(0).errorCode());
            c.request(0, Nbd.CMD_READ, 2, SIZE, 1, null);
            assertEquals(Nbd.EINVAL, c.read(1).errorCode());
        }
    }

    @Test
    void readOnlyExportRefusesWrites() throws IOException {
        try (RawClient c = connected("ro", true)) {
            c.request(0, Nbd.CMD_WRITE, 1, 0, 4, new byte[4]);
            RawClient.Reply r = c.read(0);
            assertEquals(Nbd.EPERM, r.errorCode());
            assertTrue(new String(r.payload(), 6, r.payload().length - 6, StandardCharsets.UTF_8).contains("read-only"));
            c.request(0, Nbd.CMD_TRIM, 2, 0, 4096, null);
            assertEquals(Nbd.EPERM, c.read(0).errorCode());
            c.request(0, Nbd.CMD_WRITE_ZEROES, 3, 0, 4096, null);
            assertEquals(Nbd.EPERM, c.read(0).errorCode());
            c.request(0, Nbd.CMD_FLUSH, 4, 0, 0, null);
            assertEquals(0, c.read(0).errorCode());
            c.request(0, Nbd.CMD_CACHE, 5, 0, SIZE, null);
            assertEquals(0, c.read(0).errorCode());
        }
    }

    @Test
    void blockStatusReportsAllocationAndDepth() throws IOException {
        int cl = SparseTestImage.CLUSTER;
        FormatAccess base = SparseTestImage.open(SIZE, null);
        base.write(Patterns.filled(cl, 1), 0);
        FormatAccess top = nbd.export("top", SparseTestImage.open(SIZE, base), true);
        top.write(Patterns.filled(cl, 2), 2L * cl);
        top.writeZeroes(3L * cl, cl);
        try (RawClient c = client()) {
            c.negotiateStructured();
            List<RawClient.OptReply> set = c.option(Nbd.OPT_SET_META_CONTEXT,
                    RawClient.metaContextData("top", "base:allocation", "qemu:allocation-depth", "x-other:thing"));
            RawClient.expectAck(set);
            assertEquals(3, set.size());
            c.go("top");
            c.request(0, Nbd.CMD_BLOCK_STATUS, 1, 0, 5L * cl, null);
            List<RawClient.Reply> chunks = c.readAll(0);
            assertEquals(2, chunks.size());
            for (RawClient.Reply r : chunks) {
                assertEquals(Nbd.REPLY_TYPE_BLOCK_STATUS, r.type());
                ByteBuffer b = ByteBuffer.wrap(r.payload());
                int id = b.getInt();
                long[][] extents = new long[b.remaining() / 8][];
                for (int i = 0; i < extents.length; i++) {
                    extents[i] = new long[] {Integer.toUnsignedLong(b.getInt()), b.getInt()};
                }
                if (id == MetaContext.BASE_ALLOCATION.id) {
                    // backing data, unallocated (hole), top data, zero cluster, unallocated
                    assertArrayEquals(new long[][] {{cl, 0}, {cl, 3}, {cl, 0}, {2L * cl, 3}}, extents);
                } else {
                    assertEquals(MetaContext.ALLOCATION_DEPTH.id, id);
                    assertArrayEquals(new long[][] {{cl, 2}, {cl, 0}, {2L * cl, 1}, {cl, 0}}, extents);
                }
            }
            c.request(Nbd.CMD_FLAG_REQ_ONE, Nbd.CMD_BLOCK_STATUS, 2, 0, 100, null);
            for (RawClient.Reply r : c.readAll(0)) {
                assertEquals(12, r.payload().length, "one extent only");
                assertEquals(100, ByteBuffer.wrap(r.payload()).getInt(4));
            }
            c.request(0, Nbd.CMD_BLOCK_STATUS, 3, SIZE - 512, 1024, null);
            assertEquals(Nbd.EINVAL, c.read(0).errorCode());
        }
    }

    @Test
    void listMetaContextsByNamespace() throws IOException {
        try (RawClient c = client()) {
            c.negotiateStructured();
            assertEquals(List.of("base:allocation", "qemu:allocation-depth"), contexts(c));
            assertEquals(List.of("qemu:allocation-depth"), contexts(c, "qemu:"));
            assertEquals(List.of("base:allocation"), contexts(c, "base:", "unknown:x"));
        }
    }

    private static List<String> contexts(RawClient c, String... queries) throws IOException {
        List<RawClient.OptReply> replies = c.option(Nbd.OPT_LIST_META_CONTEXT,
                RawClient.metaContextData("disk", queries));
        RawClient.expectAck(replies);
        return replies.subList(0, replies.size() - 1).stream()
                .map(r -> new String(r.data(), 4, r.data().length - 4, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void writeZeroesAndFastZero() throws IOException {
        int cl = SparseTestImage.CLUSTER;
        FormatAccess sparse = nbd.export("sparse", SparseTestImage.open(SIZE, null), true);
        sparse.write(Patterns.filled(2 * cl, 9), 0);
        try (RawClient c = connected("sparse", true)) {
            c.request(Nbd.CMD_FLAG_FAST_ZERO, Nbd.CMD_WRITE_ZEROES, 1, 0, cl, null);
            assertEquals(Nbd.ENOTSUP, c.read(0).errorCode(), "zeroing data cannot be promised fast");
            c.request(Nbd.CMD_FLAG_FAST_ZERO, Nbd.CMD_WRITE_ZEROES, 2, 4L * cl, 4L * cl, null);
            assertEquals(0, c.read(0).errorCode(), "the range reads as zeroes already");
            c.request(0, Nbd.CMD_WRITE_ZEROES, 3, 0, cl, null);
            assertEquals(0, c.read(0).errorCode());
            c.request(Nbd.CMD_FLAG_NO_HOLE | Nbd.CMD_FLAG_FUA, Nbd.CMD_WRITE_ZEROES, 4, cl + 100, 200, null);
            assertEquals(0, c.read(0).errorCode());
        }
        byte[] got = new byte[2 * cl];
        sparse.read(ByteBuffer.wrap(got), 0);
        for (int i = 0; i < got.length; i++) {
            boolean zero = i < cl || (i >= cl + 100 && i < cl + 300);
            assertEquals(zero ? 0 : 9, got[i], "byte " + i);
        }
    }

    @Test
    void extendedHeadersFrameEverything() throws IOException {
        byte[] data = Patterns.random(new Random(5), 70_000);
        try (RawClient c = client()) {
            c.negotiateExtended();
            RawClient.expectAck(c.option(Nbd.OPT_SET_META_CONTEXT, RawClient.metaContextData("disk",
                    "base:allocation")));
            assertEquals(Nbd.REP_ERR_EXT_HEADER_REQD, c.option(Nbd.OPT_STRUCTURED_REPLY, new byte[0]).get(0).type());
            c.go("disk");
            c.request(Nbd.CMD_FLAG_PAYLOAD_LEN, Nbd.CMD_WRITE, 1, 5000, data.length, data);
            RawClient.Reply w = c.read(0);
            assertEquals(Nbd.EXTENDED_REPLY_MAGIC, w.magic());
            assertEquals(Nbd.REPLY_TYPE_NONE, w.type());
            assertEquals(5000, w.offset());
            c.request(0, Nbd.CMD_READ, 2, 5000, data.length, null);
            List<RawClient.Reply> chunks = c.readAll(0);
            assertEquals(5000, chunks.get(0).offset());
            assertArrayEquals(data, RawClient.assemble(chunks, 5000, data.length));
            c.request(0, Nbd.CMD_BLOCK_STATUS, 3, 0, 1L << 40, null);
            assertEquals(Nbd.EINVAL, c.read(0).errorCode(), "beyond the end");
            c.request(0, Nbd.CMD_BLOCK_STATUS, 4, 0, SIZE, null);
            RawClient.Reply bs = c.read(0);
            assertEquals(Nbd.REPLY_TYPE_BLOCK_STATUS_EXT, bs.type());
            ByteBuffer b = ByteBuffer.wrap(bs.payload());
            assertEquals(MetaContext.BASE_ALLOCATION.id, b.getInt());
            int count = b.getInt();
            assertEquals(8 + 16 * count, bs.payload().length);
            long covered = 0;
            for (int i = 0; i < count; i++) {
                long length = b.getLong();
                long flags = b.getLong();
                if (covered <= 5000 && 5000 < covered + length) {
                    assertEquals(0, flags, "written data is allocated");
                }
                covered += length;
            }
            assertEquals(SIZE, covered);
            c.request(0, Nbd.CMD_WRITE, 5, 0, 4, null);
            assertEquals(Nbd.EINVAL, c.read(0).errorCode(), "a write without PAYLOAD_LEN");
            c.request(Nbd.CMD_FLAG_PAYLOAD_LEN, Nbd.CMD_TRIM, 6, 0, 3, new byte[3]);
            assertEquals(Nbd.EINVAL, c.read(0).errorCode(), "a trim with a payload");
            c.request(0, Nbd.CMD_FLUSH, 7, 0, 0, null);
            assertEquals(0, c.read(0).errorCode());
        }
    }

    @Test
    void manyRequestsInFlightOnOneConnection() throws IOException {
        int n = 200;
        try (RawClient c = connected("disk", true)) {
            for (int i = 0; i < n; i++) {
                c.request(0, Nbd.CMD_WRITE, 1000 + i, i * 4096L, 4096, Patterns.filled(4096, i).array());
            }
            Set<Long> cookies = new HashSet<>();
            for (int i = 0; i < n; i++) {
                RawClient.Reply r = c.read(0);
                assertEquals(0, r.errorCode());
                cookies.add(r.cookie());
            }
            assertEquals(n, cookies.size());
            for (int i = 0; i < n; i++) {
                c.request(0, Nbd.CMD_READ, i, i * 4096L, 4096, null);
            }
            for (int i = 0; i < n; i++) {
                List<RawClient.Reply> chunks = c.readAll(0);
                long cookie = chunks.get(0).cookie();
                assertArrayEquals(Patterns.filled(4096, (int) cookie).array(),
                        RawClient.assemble(chunks, cookie * 4096, 4096));
            }
        }
    }

    @Test
    void malformedInputClosesOnlyThatConnection() throws IOException {
        try (RawClient good = connected("disk", true)) {
            // garbage instead of client flags and options
            try (RawClient c = new RawClient(nbd.port)) {
                c.in.readNBytes(18);
                c.out.write(Patterns.random(new Random(1), 300));
                c.out.flush();
                assertTrue(c.closedByServer());
            }
            // an option claiming 4 GiB of data
            try (RawClient c = client()) {
                c.out.writeLong(Nbd.IHAVEOPT);
                c.out.writeInt(Nbd.OPT_GO);
                c.out.writeInt(-1);
                c.out.flush();
                assertTrue(c.closedByServer());
            }
            // a write claiming a 2 GiB payload
            try (RawClient c = connected("disk", true)) {
                c.request(0, Nbd.CMD_WRITE, 1, 0, 0x7fff_ffffL, null);
                assertTrue(c.closedByServer());
            }
            // a request with a wrong magic
            try (RawClient c = connected("disk", false)) {
                c.out.writeInt(0x12345678);
                c.out.write(new byte[24]);
                c.out.flush();
                assertTrue(c.closedByServer());
            }
            // unknown client flags
            try (RawClient c = new RawClient(nbd.port)) {
                c.in.readNBytes(18);
                c.out.writeInt(0x80);
                c.out.flush();
                assertTrue(c.closedByServer());
            }
            good.request(0, Nbd.CMD_READ, 77, 0, 4096, null);
            assertEquals(77, good.readAll(0).get(0).cookie());
        }
        try (RawClient c = connected("disk", true)) {
            c.request(0, Nbd.CMD_FLUSH, 1, 0, 0, null);
            assertEquals(0, c.read(0).errorCode());
        }
    }

    @Test
    void discEndsAfterRepliesInFlight() throws IOException {
        try (RawClient c = connected("disk", true)) {
            c.request(0, Nbd.CMD_WRITE, 1, 0, 4096, Patterns.filled(4096, 3).array());
            c.request(0, Nbd.CMD_DISC, 2, 0, 0, null);
            assertEquals(1, c.read(0).cookie());
            assertTrue(c.closedByServer());
        }
        assertArrayEquals(Patterns.filled(4096, 3).array(),
                java.util.Arrays.copyOf(Files.readAllBytes(rawFile), 4096), "the write before DISC landed");
    }
}
