package org.strata.nbd.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.api.Mapping;

/**
 * Reads a request's range, splitting it by the image's mappings into data segments (read into the buffer) and
 * holes (ranges that read as zeroes, sent as hole chunks without reading anything).
 */
final class ReadPlan {

    /** Holes shorter than this between data are read and sent as data: a chunk costs more than the bytes. */
    private static final int MIN_HOLE = 4096;
    /** Beyond this many segments the whole range is read as one data segment. */
    private static final int MAX_SEGMENTS = 1024;

    /** A part of the reply: {@code length} bytes at export {@code offset}, at {@code bufferOffset} in the buffer. */
    record Segment(long offset, int length, boolean hole, int bufferOffset) {
    }

    private ReadPlan() {
    }

    /**
     * Fills {@code buf} (position 0, limit = request length) with the range at {@code offset}, skipping holes
     * when {@code holes} is allowed, and returns the segments to send.
     */
    static List<Segment> read(FormatAccess access, long offset, ByteBuffer buf, boolean holes) throws IOException {
        int length = buf.limit();
        if (length == 0) {
            return List.of();
        }
        List<Segment> segments = holes ? plan(access, offset, length) : null;
        if (segments == null) {
            access.read(buf.duplicate(), offset);
            return List.of(new Segment(offset, length, false, 0));
        }
        for (Segment s : segments) {
            if (!s.hole()) {
                access.read(buf.slice(s.bufferOffset(), s.length()), s.offset());
            }
        }
        return segments;
    }

    /** The segments of the range, or null when they are too many to be worth it. */
    private static List<Segment> plan(FormatAccess access, long offset, int length) throws IOException {
        List<Segment> out = new ArrayList<>();
        int done = 0;
        while (done < length) {
            Mapping m = access.getMapping(offset + done, length - done);
            int n = (int) Math.min(m.length(), length - done);
            boolean hole = m instanceof Mapping.Zero || m instanceof Mapping.Eof;
            add(out, new Segment(offset + done, n, hole, done));
            if (out.size() > MAX_SEGMENTS) {
                return null;
            }
            done += n;
        }
        return absorbSmallHoles(out);
    }

    private static void add(List<Segment> out, Segment s) {
        if (!out.isEmpty()) {
            Segment last = out.get(out.size() - 1);
            if (last.hole() == s.hole()) {
                out.set(out.size() - 1, new Segment(last.offset(), last.length() + s.length(), s.hole(),
                        last.bufferOffset()));
                return;
            }
        }
        out.add(s);
    }

    private static List<Segment> absorbSmallHoles(List<Segment> in) {
        List<Segment> out = new ArrayList<>(in.size());
        for (Segment s : in) {
            Segment t = s.hole() && s.length() < MIN_HOLE && in.size() > 1
                    ? new Segment(s.offset(), s.length(), false, s.bufferOffset()) : s;
            add(out, t);
        }
        return out;
    }
}
