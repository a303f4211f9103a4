package org.strata.core.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;

import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.engine.WriteGate;

/**
 * Guards the first sector of an image whose format was probed and found raw, as qemu's raw driver does: a write
 * that would leave it looking like another format's header is refused (EPERM, "Operation not permitted"), since the
 * next open without a format would take the guest's data for that format's metadata. Only writes of data that
 * reach into the sector are checked, on the sector as it would be after them, against Strata's formats and the
 * {@link ForeignHeaders} QEMU would also take it for.
 */
final class ProbedRawGuard implements WriteGate {

    /** What qemu probes of the sector written: its first 512 bytes. */
    static final int SECTOR = 512;

    /** The format probing finds in {@code head}, the first bytes of an image of {@code size} bytes. */
    @FunctionalInterface
    interface Prober {
        FormatDriver probe(ByteBuffer head, long size) throws IOException;
    }

    private final String name;
    private final Prober prober;

    /** @param name the image's name, for the error */
    ProbedRawGuard(String name, Prober prober) {
        this.name = name;
        this.prober = prober;
    }

    @Override
    public void check(FormatAccess image, ByteBuffer data, long offset) throws IOException {
        if (offset >= SECTOR || !data.hasRemaining()) {
            return;
        }
        ByteBuffer sector = ByteBuffer.allocate((int) Math.min(SECTOR, image.size()));
        image.read(sector.duplicate(), 0);
        int n = (int) Math.min(data.remaining(), sector.capacity() - offset);
        sector.put((int) offset, data, data.position(), n);
        if (!prober.probe(sector.duplicate(), image.size()).name().equals("raw") || ForeignHeaders.present(sector)) {
            throw new AccessDeniedException(name, null, "Operation not permitted");
        }
    }
}
