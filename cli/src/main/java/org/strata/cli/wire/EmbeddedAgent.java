package org.strata.cli.wire;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * The agent's side of {@code strata run}. The ctl bundle registers one as a service when the framework runs in
 * {@link Endpoint#RUN} mode, as soon as the bundle starts; the launcher looks it up through the framework. Both
 * sides compile against this one interface (see the package documentation), so a change of signature fails the
 * build, not a run.
 */
public interface EmbeddedAgent {

    /**
     * Applies etc/'s {@code *.cfg} and {@code *.config} files through Config Admin, as FileInstall does in the
     * daemon. The launcher calls it before Declarative Services starts, so every component activates with its
     * configuration in place.
     */
    void pushConfigurations(Path etc) throws IOException;

    /**
     * Runs one command ({@link Request#EXEC}: its name and arguments, the caller's directory and settings) with the
     * conventions of the management socket, and returns its exit status.
     *
     * @param in  the command's stdin
     * @param out the command's stdout
     * @param err the command's stderr
     */
    int execute(Request request, InputStream in, OutputStream out, OutputStream err) throws InterruptedException;
}
