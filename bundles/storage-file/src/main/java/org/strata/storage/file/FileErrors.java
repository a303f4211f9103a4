package org.strata.storage.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;

/** Turns the JDK's file exceptions into qemu-style one-line messages. */
final class FileErrors {
    private FileErrors() {
    }

    static FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException {
        try {
            return FileChannel.open(path, options);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "No such file or directory");
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(path.toString(), null, "Permission denied");
        } catch (FileSystemException e) {
            throw new FileSystemException(path.toString(), null, e.getReason());
        }
    }
}
