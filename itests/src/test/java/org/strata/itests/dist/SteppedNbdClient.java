package org.strata.itests.dist;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;

/**
 * A libnbd client on one connection that reads the first 64 KiB of its export each time it is told to, and
 * says how it went: "read ok" (the bytes are 0x5a), "read wrong data", or "read failed: ERROR".
 */
final class SteppedNbdClient implements AutoCloseable {

    private static final String SCRIPT = """
            import nbd, sys
            h = nbd.NBD()
            h.connect_uri(sys.argv[1])
            print("connected", flush=True)
            for line in sys.stdin:
                try:
                    print("read " + ("ok" if h.pread(65536, 0) == b"\\x5a" * 65536 else "wrong data"), flush=True)
                except nbd.Error as e:
                    print("read failed: " + str(e), flush=True)
            """;

    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;

    SteppedNbdClient(String uri) throws IOException {
        process = new ProcessBuilder(NbdLoad.PYTHON, "-c", SCRIPT, uri).redirectErrorStream(true).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream()));
        in = new PrintWriter(process.getOutputStream(), true);
        String first = out.readLine();
        if (!"connected".equals(first)) {
            throw new IOException("the NBD client did not connect: " + first);
        }
    }

    /** Sends a read; {@link #result} says how it went. */
    void startRead() {
        in.println();
    }

    /** Waits for the outcome of the read started last. */
    String result() throws IOException {
        return out.readLine();
    }

    String read() throws IOException {
        startRead();
        return result();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
