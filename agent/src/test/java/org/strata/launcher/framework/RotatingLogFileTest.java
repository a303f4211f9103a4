package org.strata.launcher.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's log file: appended to, rotated by size as logrotate names the files, never more than kept. */
class RotatingLogFileTest {

    @TempDir
    Path dir;

    private static final Formatter LINE = new Formatter() {
        @Override
        public String format(LogRecord r) {
            return r.getMessage() + "\n";
        }
    };

    private static void log(RotatingLogFile file, String message) {
        file.publish(new LogRecord(Level.INFO, message));
    }

    @Test
    void aFileAboutToPassItsLimitIsRotatedAndTheOldestGoes() throws Exception {
        Path log = dir.resolve("var/log/strata.log");
        RotatingLogFile file = new RotatingLogFile(log, 20, 2, LINE, System.out);
        log(file, "one 56789"); // 10 bytes each
        log(file, "two 56789");
        assertEquals(List.of("one 56789", "two 56789"), Files.readAllLines(log));
        log(file, "three 789");
        log(file, "four 6789");
        log(file, "five 6789");
        file.close();
        assertEquals(List.of("five 6789"), Files.readAllLines(log));
        assertEquals(List.of("three 789", "four 6789"), Files.readAllLines(dir.resolve("var/log/strata.log.1")));
        assertEquals(List.of("one 56789", "two 56789"), Files.readAllLines(dir.resolve("var/log/strata.log.2")));
        assertFalse(Files.exists(dir.resolve("var/log/strata.log.3")));
    }

    @Test
    void aRestartedDaemonAppendsToTheFileAndCountsWhatIsThere() throws Exception {
        Path log = dir.resolve("strata.log");
        Files.writeString(log, "old 56789\n");
        RotatingLogFile file = new RotatingLogFile(log, 20, 0, LINE, System.out);
        log(file, "new 56789");
        assertEquals(List.of("old 56789", "new 56789"), Files.readAllLines(log));
        log(file, "next 6789"); // past the limit, nothing kept: the file starts again
        file.close();
        assertEquals(List.of("next 6789"), Files.readAllLines(log));
        assertFalse(Files.exists(dir.resolve("strata.log.1")));
    }

    @Test
    void aFileThatCannotBeWrittenAnyMoreIsReportedOnceAndLeftAlone() throws Exception {
        Path log = dir.resolve("strata.log");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        RotatingLogFile file = new RotatingLogFile(log, 20, 1, LINE,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        log(file, "one 56789");
        Files.delete(log);
        Files.createDirectory(dir.resolve("strata.log.1"));
        Files.writeString(dir.resolve("strata.log.1/x"), "a directory that no file can replace");
        log(file, "two 56789");
        log(file, "three 789");
        log(file, "four 6789");
        String said = err.toString(StandardCharsets.UTF_8);
        assertTrue(said.startsWith("strata: warning: cannot write the log file " + log), said);
        assertEquals(1, said.lines().count(), said);
    }
}
