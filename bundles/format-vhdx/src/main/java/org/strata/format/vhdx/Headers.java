package org.strata.format.vhdx;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;

/**
 * The two headers and which is current. An update writes the other slot with the next sequence number and makes
 * it current; like QEMU it updates twice, so that both slots hold the new state. The file write GUID becomes this
 * session's before the first change of the file, the data write GUID a new one before the first change a guest
 * could see (data, size, log replay).
 */
final class Headers {

    private final Storage file;
    private final Guid session = Guid.random();
    private Header current;
    private long currentOffset;
    private boolean dataWriteGuidChanged;

    private Headers(Storage file, Header current, long currentOffset) {
        this.file = file;
        this.current = current;
        this.currentOffset = currentOffset;
    }

    /** Reads both headers and picks the current one as QEMU does. */
    static Headers read(Storage file, String name) throws IOException {
        Header h1 = readOne(file, Layout.HEADER1);
        Header h2 = readOne(file, Layout.HEADER2);
        Header chosen;
        if (h1 == null || h2 == null) {
            chosen = h1 != null ? h1 : h2;
        } else if (h1.sequence() != h2.sequence()) {
            chosen = Long.compareUnsigned(h1.sequence(), h2.sequence()) > 0 ? h1 : h2;
        } else {
            // identical headers with equal sequence numbers (Microsoft's Disk2VHD writes them) are fine
            chosen = h1.equals(h2) ? h1 : null;
        }
        if (chosen == null) {
            throw new ImageFormatException(name + ": No valid VHDX header found");
        }
        return new Headers(file, chosen, chosen == h1 ? Layout.HEADER1 : Layout.HEADER2);
    }

    private static Header readOne(Storage file, long offset) throws IOException {
        ByteBuffer b = Layout.buffer(Layout.HEADER_SIZE);
        file.read(b, offset);
        return Header.decode(b);
    }

    Header current() {
        return current;
    }

    /** Writes both headers of a new image; the second (current) one has the higher sequence number. */
    static void create(Storage file, Header first) throws IOException {
        file.write(first.encode().rewind(), Layout.HEADER1);
        Header second = new Header(first.sequence() + 1, first.fileWriteGuid(), first.dataWriteGuid(),
                first.logGuid(), first.logVersion(), first.version(), first.logLength(), first.logOffset());
        file.write(second.encode().rewind(), Layout.HEADER2);
    }

    /** Before the first change a guest could see: a new data write GUID, once per session. */
    void beforeVisibleChange() throws IOException {
        if (!dataWriteGuidChanged) {
            dataWriteGuidChanged = true;
            update(true, null);
        }
    }

    /** Records a new log GUID ({@link Guid#ZERO}: the log is empty). */
    void setLogGuid(Guid logGuid) throws IOException {
        update(false, logGuid);
    }

    private void update(boolean newDataWriteGuid, Guid logGuid) throws IOException {
        for (int i = 0; i < 2; i++) {
            Header next = current.next(session, newDataWriteGuid, logGuid);
            long offset = currentOffset == Layout.HEADER1 ? Layout.HEADER2 : Layout.HEADER1;
            file.write(next.encode().rewind(), offset);
            file.sync();
            current = next;
            currentOffset = offset;
        }
    }
}
