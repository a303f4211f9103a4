package org.strata.format.vhdx;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.strata.api.Storage;
import org.strata.testkit.ForwardingStorage;

/** A storage whose writes to one range fail, as a crash would stop them: to leave images mid-update. */
final class FailingStorage extends ForwardingStorage {

    private final long from;
    private final long to;

    FailingStorage(Storage inner, long from, long to) {
        super(inner);
        this.from = from;
        this.to = to;
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        if (offset < to && offset + src.remaining() > from) {
            throw new IOException("injected failure writing at " + offset);
        }
        super.write(src, offset);
    }
}
