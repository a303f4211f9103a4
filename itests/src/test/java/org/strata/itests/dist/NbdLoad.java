package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NBD clients under load: each a libnbd client (nbd-load.py under Debian's /usr/bin/python3, which has the
 * python3-libnbd binding) writing, zeroing, trimming if asked, flushing and verifying its own region of an export
 * until stopped.
 */
final class NbdLoad implements AutoCloseable {

    static final String PYTHON = "/usr/bin/python3";
    private static final Path SCRIPT = Path.of(System.getProperty("itest.testClasses"), "nbd-load.py");
    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\": (\"[^\"]*\"|[0-9.]+|null)");

    /** What one client reports. */
    record Result(long requests, long failures, long wrongBytes, long disconnects, double longestMillis,
                  String firstError, byte[] region) {
    }

    private final Path stopFile;
    private final List<Process> clients = new ArrayList<>();
    private final List<Path> outputs = new ArrayList<>();
    private final long regionSize;

    /** Starts {@code count} clients on regions of {@code regionSize} bytes, one after the other from offset 0. */
    NbdLoad(String uri, int count, long regionSize, Path workDir) throws IOException {
        this(uri, count, regionSize, workDir, 0);
    }

    /** The same, with {@code trimShare} of the requests trims (a trimmed block may read as anything, but stably). */
    NbdLoad(String uri, int count, long regionSize, Path workDir, double trimShare) throws IOException {
        assertTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is missing (install python3-libnbd)");
        this.regionSize = regionSize;
        this.stopFile = workDir.resolve("stop-load");
        Files.deleteIfExists(stopFile);
        for (int i = 0; i < count; i++) {
            Path out = workDir.resolve("load-" + i + ".json");
            outputs.add(out);
            clients.add(new ProcessBuilder(PYTHON, SCRIPT.toString(), uri, Long.toString(i * regionSize),
                    Long.toString(regionSize), Integer.toString(i), stopFile.toString(), Double.toString(trimShare))
                    .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.appendTo(out.toFile()))
                    .start());
        }
    }

    /** Tells the clients to stop, waits for them, and returns what each reported. */
    List<Result> stop() throws IOException, InterruptedException {
        Files.writeString(stopFile, "");
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            Process p = clients.get(i);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "NBD client " + i + " did not stop");
            String json = Files.readString(outputs.get(i)).trim();
            Matcher m = FIELD.matcher(json);
            java.util.Map<String, String> f = new java.util.HashMap<>();
            while (m.find()) {
                f.put(m.group(1), m.group(2));
            }
            assertTrue(f.containsKey("requests"), "NBD client " + i + " said: " + json);
            Path model = Path.of(stopFile + "." + i);
            results.add(new Result(Long.parseLong(f.get("requests")), Long.parseLong(f.get("failures")),
                    Long.parseLong(f.get("wrong_bytes")), Long.parseLong(f.get("disconnects")),
                    Double.parseDouble(f.get("longest_ms")), f.get("first_error"),
                    Files.exists(model) ? Files.readAllBytes(model) : null));
        }
        return results;
    }

    long regionSize() {
        return regionSize;
    }

    @Override
    public void close() {
        for (Process p : clients) {
            p.destroyForcibly();
        }
    }
}
