package org.strata.storage.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;

import org.strata.api.Buffers;

/** Opening with O_DIRECT ({@code -t none}) and finding the alignment it then requires. */
final class DirectIo {

    private static final int MAX_ALIGN = 64 * 1024;

    private DirectIo() {
    }

    /** The JDK's O_DIRECT open option (in jdk.unsupported, imported optionally by this bundle). */
    static OpenOption option() throws IOException {
        try {
            return com.sun.nio.file.ExtendedOpenOption.DIRECT;
        } catch (LinkageError e) {
            throw new IOException("O_DIRECT (cache mode none) is not available in this Java runtime");
        }
    }

    /**
     * The smallest offset, length and buffer alignment the channel accepts. The JDK itself insists on the
     * file system's block size; a device may want its logical block size; beyond those a probe read tells
     * (the kernel answers EINVAL to a misaligned O_DIRECT read).
     */
    static int probeAlignment(FileChannel channel, Path path, int deviceBlockSize) throws IOException {
        long fsBlock = Files.getFileStore(path).getBlockSize();
        int align = 512;
        while (align < Math.max(fsBlock, deviceBlockSize)) {
            align <<= 1;
        }
        IOException last = null;
        for (; align <= MAX_ALIGN; align <<= 1) {
            try {
                channel.read(Buffers.allocateAligned(align, align), 0);
                return align;
            } catch (IOException e) {
                last = e;
            }
        }
        throw FileErrors.openFailure(path.toString(), "Could not find working O_DIRECT alignment ("
                + (last == null ? "no alignment up to " + MAX_ALIGN : FileErrors.reason(last)) + ")");
    }
}
