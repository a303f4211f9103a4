package org.strata.launcher.framework;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * The daemon's log file, {@code var/log/strata.log} by default, rotated by size as logrotate names the files: when
 * the next record would take it past its limit, {@code strata.log} becomes {@code strata.log.1}, {@code .1} becomes
 * {@code .2}, and so on up to the number kept; the oldest goes. A file that cannot be written is reported once on
 * stderr and then left alone: the log on stderr (the journal under systemd) goes on.
 */
final class RotatingLogFile extends Handler {

    private final Path file;
    private final long limit;
    private final int kept;
    private final PrintStream stderr;
    private OutputStream out;
    private long size;

    /**
     * @param limit  the size in bytes at which the file is rotated
     * @param kept   how many rotated files are kept beside the current one (0: the file is emptied instead)
     * @param stderr where a failure to write the file is reported
     */
    RotatingLogFile(Path file, long limit, int kept, Formatter format, PrintStream stderr) throws IOException {
        this.file = file;
        this.limit = limit;
        this.kept = kept;
        this.stderr = stderr;
        setFormatter(format);
        Files.createDirectories(file.toAbsolutePath().getParent());
        open();
    }

    private void open() throws IOException {
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        size = Files.size(file);
    }

    @Override
    public synchronized void publish(LogRecord record) {
        if (out == null || !isLoggable(record)) {
            return;
        }
        byte[] line = getFormatter().format(record).getBytes(StandardCharsets.UTF_8);
        try {
            if (size > 0 && size + line.length > limit) {
                rotate();
            }
            out.write(line);
            out.flush();
            size += line.length;
        } catch (IOException e) {
            stderr.println("strata: warning: cannot write the log file " + file + ", logging on stderr only: " + e);
            stderr.flush();
            close();
        }
    }

    private void rotate() throws IOException {
        out.close();
        if (kept == 0) {
            Files.newOutputStream(file).close();
        } else {
            Files.deleteIfExists(numbered(kept));
            for (int i = kept - 1; i >= 1; i--) {
                if (Files.exists(numbered(i))) {
                    Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    private Path numbered(int i) {
        return file.resolveSibling(file.getFileName() + "." + i);
    }

    @Override
    public synchronized void flush() {
        try {
            if (out != null) {
                out.flush();
            }
        } catch (IOException e) {
            // reported by the next publish
        }
    }

    @Override
    public synchronized void close() {
        try {
            if (out != null) {
                out.close();
            }
        } catch (IOException e) {
            // nothing more to write
        } finally {
            out = null;
        }
    }
}
