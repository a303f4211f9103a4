package org.strata.storage.file;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** qemu-style one-line messages for the file backend's failures. */
final class FileErrors {

    /**
     * A file that could not be opened. {@link #getReason()} is the bare cause ("No such file or directory"),
     * {@link #getMessage()} the whole line ("Could not open 'x.img': No such file or directory").
     */
    static final class OpenFailure extends FileSystemException {
        private static final long serialVersionUID = 1L;

        OpenFailure(String file, String reason, Throwable cause) {
            super(file, null, reason);
            initCause(cause);
        }

        @Override
        public String getMessage() {
            return "Could not open '" + getFile() + "': " + getReason();
        }
    }

    private FileErrors() {
    }

    static OpenFailure openFailure(String location, String reason) {
        return new OpenFailure(location, reason, null);
    }

    static OpenFailure openFailure(String location, IOException e) {
        return e instanceof OpenFailure of ? of : new OpenFailure(location, reason(e), e);
    }

    /** The cause alone, without the file name the JDK puts in front of it. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "File exists";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        if (e instanceof ClosedChannelException) {
            return "the image is closed";
        }
        String msg = e.getMessage();
        return msg == null || msg.isBlank() ? e.getClass().getSimpleName() : msg;
    }

    /** A failed operation on an open file, e.g. "Could not write to 'x.img': No space left on device". */
    static IOException ioFailure(String what, String location, IOException e) {
        return new IOException(what + " '" + location + "': " + reason(e), e);
    }
}
