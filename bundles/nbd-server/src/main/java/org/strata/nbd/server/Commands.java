package org.strata.nbd.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.api.Mapping;
import org.strata.nbd.protocol.Nbd;
import org.strata.nbd.protocol.Request;

/**
 * Carries out transmission requests on an export's image. Every request runs inside one
 * {@link org.strata.core.agent.ImageHandle#call}, so it waits while the image is paused; its reply is sent after the call.
 * Any failure becomes an error reply for that request alone.
 */
final class Commands {

    private static final System.Logger LOG = System.getLogger("org.strata.nbd");
    private static final int CACHE_LIMIT = 32 << 20;
    private static final int CACHE_STEP = 1 << 20;

    private final Export export;
    private final Session session;
    private final ReplyWriter out;
    private final BufferPool buffers;
    private final String peer;

    Commands(Export export, Session session, ReplyWriter out, BufferPool buffers, String peer) {
        this.export = export;
        this.session = session;
        this.out = out;
        this.buffers = buffers;
        this.peer = peer;
    }

    /** The command flags a request type accepts (FUA is valid for every command once advertised). */
    static int allowedFlags(int type, boolean chunked, boolean extended) {
        int flags = Nbd.CMD_FLAG_FUA;
        switch (type) {
            case Nbd.CMD_READ -> flags |= chunked ? Nbd.CMD_FLAG_DF : 0;
            case Nbd.CMD_WRITE -> flags |= extended ? Nbd.CMD_FLAG_PAYLOAD_LEN : 0;
            case Nbd.CMD_WRITE_ZEROES -> flags |= Nbd.CMD_FLAG_NO_HOLE | Nbd.CMD_FLAG_FAST_ZERO;
            case Nbd.CMD_BLOCK_STATUS -> flags |= Nbd.CMD_FLAG_REQ_ONE;
            default -> {
            }
        }
        return flags;
    }

    /**
     * Runs the request and sends its reply, counted in the export's and its node's statistics; an IOException
     * means the reply could not be sent.
     */
    void run(Request r, ByteBuffer payload) throws IOException {
        long start = export.started();
        boolean ok = false;
        try {
            ok = execute(r, payload);
        } finally {
            export.ended(start, ok && r.type() == Nbd.CMD_READ ? r.length() : 0,
                    ok && r.type() == Nbd.CMD_WRITE ? r.length() : 0, !ok);
        }
    }

    /** Runs the request and sends its reply; false when the reply was an error. */
    private boolean execute(Request r, ByteBuffer payload) throws IOException {
        try {
            int unknown = r.flags() & ~allowedFlags(r.type(), session.chunked(), session.extended());
            if (unknown != 0) {
                throw new NbdError(Nbd.EINVAL, "flags 0x" + Integer.toHexString(unknown) + " are not valid for "
                        + Nbd.commandName(r.type()));
            }
            switch (r.type()) {
                case Nbd.CMD_READ -> read(r);
                case Nbd.CMD_WRITE -> write(r, payload);
                case Nbd.CMD_FLUSH -> flush(r);
                case Nbd.CMD_TRIM -> trim(r);
                case Nbd.CMD_WRITE_ZEROES -> writeZeroes(r);
                case Nbd.CMD_BLOCK_STATUS -> blockStatus(r);
                case Nbd.CMD_CACHE -> cache(r);
                default -> throw new NbdError(Nbd.EINVAL, "unknown command " + r.type());
            }
            return true;
        } catch (NbdError e) {
            out.error(r, e.code, e.getMessage());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> peer + ": " + r + " on export '" + export.name + "' failed", e);
            out.error(r, errorCode(e), Nbd.commandName(r.type()) + " failed: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, peer + ": " + r + " on export '" + export.name + "' failed", e);
            out.error(r, Nbd.EIO, Nbd.commandName(r.type()) + " failed: " + e);
        } catch (OutOfMemoryError e) {
            out.error(r, Nbd.ENOMEM, "out of memory");
        }
        return false;
    }

    /** The NBD error for a failed request, as QEMU's server maps errno values (EPERM and EROFS are NBD_EPERM). */
    private static int errorCode(IOException e) {
        if (e instanceof AccessDeniedException) {
            return Nbd.EPERM; // e.g. a write a probed raw image's guard refuses
        }
        String m = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        if (m != null && (m.contains("No space left") || m.contains("Disk quota") || m.contains("File too large"))) {
            return Nbd.ENOSPC;
        }
        if (m != null && m.contains("Read-only file system")) {
            return Nbd.EPERM;
        }
        return Nbd.EIO;
    }

    private void read(Request r) throws IOException {
        int length = (int) r.length(); // bounded by the reader
        ByteBuffer buf = buffers.acquire(length);
        try {
            boolean holes = session.chunked() && !r.has(Nbd.CMD_FLAG_DF);
            List<ReadPlan.Segment> segments = export.handle.call(a -> {
                checkRange(a, r, Nbd.EINVAL);
                return ReadPlan.read(a, r.offset(), buf, holes);
            });
            out.read(r, segments, buf);
        } finally {
            buffers.release(buf);
        }
    }

    private void write(Request r, ByteBuffer payload) throws IOException {
        checkWritable(r);
        export.handle.call(a -> {
            checkWritable(a);
            checkRange(a, r, Nbd.ENOSPC);
            a.write(payload, r.offset());
            if (r.has(Nbd.CMD_FLAG_FUA)) {
                a.sync();
            }
            return null;
        });
        out.ok(r);
    }

    private void flush(Request r) throws IOException {
        if (r.offset() != 0 || r.length() != 0) {
            throw new NbdError(Nbd.EINVAL, "FLUSH takes offset and length 0");
        }
        if (export.writable) {
            export.handle.call(a -> {
                a.sync();
                return null;
            });
        }
        out.ok(r);
    }

    private void trim(Request r) throws IOException {
        checkWritable(r);
        export.handle.call(a -> {
            checkWritable(a);
            checkRange(a, r, Nbd.EINVAL);
            if (r.length() > 0) {
                a.discardToAny(r.offset(), r.length());
                if (r.has(Nbd.CMD_FLAG_FUA)) {
                    a.sync();
                }
            }
            return null;
        });
        out.ok(r);
    }

    private void writeZeroes(Request r) throws IOException {
        checkWritable(r);
        export.handle.call(a -> {
            checkWritable(a);
            checkRange(a, r, Nbd.ENOSPC);
            if (r.length() == 0) {
                return null;
            }
            boolean noHole = r.has(Nbd.CMD_FLAG_NO_HOLE);
            if (r.has(Nbd.CMD_FLAG_FAST_ZERO)) {
                // Only a range that already reads as zeroes is sure to be fast: then there is nothing to do.
                // Elsewhere zeroing may write data, so the client is told to write zeroes itself.
                if (noHole || !readsAsZeroes(a, r.offset(), r.length())) {
                    throw new NbdError(Nbd.ENOTSUP, "zeroing this range would not be faster than writing");
                }
                return null;
            }
            if (noHole) {
                a.writeZeroes(r.offset(), r.length());
            } else {
                a.discardToZero(r.offset(), r.length());
            }
            if (r.has(Nbd.CMD_FLAG_FUA)) {
                a.sync();
            }
            return null;
        });
        out.ok(r);
    }

    private static boolean readsAsZeroes(FormatAccess a, long offset, long length) throws IOException {
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            Mapping m = a.getMapping(pos, end - pos);
            if (!(m instanceof Mapping.Zero || m instanceof Mapping.Eof)) {
                return false;
            }
            pos += m.length();
        }
        return true;
    }

    private void blockStatus(Request r) throws IOException {
        List<MetaContext> contexts = session.contexts();
        if (contexts.isEmpty()) {
            throw new NbdError(Nbd.EINVAL, "BLOCK_STATUS needs a metadata context (NBD_OPT_SET_META_CONTEXT)");
        }
        if (r.length() == 0) {
            throw new NbdError(Nbd.EINVAL, "BLOCK_STATUS of length 0");
        }
        long maxExtent = session.extended() ? Long.MAX_VALUE : 0xffff_f000L;
        List<List<long[]>> extents = export.handle.call(a -> {
            checkRange(a, r, Nbd.EINVAL);
            return BlockStatusCollector.collect(a, contexts, r.offset(), r.length(), maxExtent,
                    r.has(Nbd.CMD_FLAG_REQ_ONE));
        });
        out.blockStatus(r, contexts, extents);
    }

    /** Reads (at most 32 MiB of) the range so the host caches it; the data is dropped. */
    private void cache(Request r) throws IOException {
        ByteBuffer buf = buffers.acquire(CACHE_STEP);
        try {
            export.handle.call(a -> {
                checkRange(a, r, Nbd.EINVAL);
                long n = Math.min(r.length(), CACHE_LIMIT);
                for (long done = 0; done < n; done += CACHE_STEP) {
                    buf.clear().limit((int) Math.min(CACHE_STEP, n - done));
                    a.read(buf, r.offset() + done);
                }
                return null;
            });
        } finally {
            buffers.release(buf);
        }
        out.ok(r);
    }

    private void checkWritable(Request r) throws NbdError {
        if (!export.writable) {
            throw new NbdError(Nbd.EPERM, Nbd.commandName(r.type()) + " on read-only export '" + export.name + "'");
        }
    }

    private void checkWritable(FormatAccess a) throws NbdError {
        if (!a.isWritable()) {
            throw new NbdError(Nbd.EPERM, "the image of export '" + export.name + "' is read-only now");
        }
    }

    private void checkRange(FormatAccess a, Request r, int error) throws NbdError {
        long size = a.size();
        export.sawSize(size);
        if (r.offset() < 0 || r.length() < 0 || r.offset() > size || r.length() > size - r.offset()) {
            throw new NbdError(error, Nbd.commandName(r.type()) + " at offset " + Long.toUnsignedString(r.offset())
                    + ", length " + Long.toUnsignedString(r.length()) + " is beyond the end of export '" + export.name
                    + "' (" + size + " bytes)");
        }
    }
}
