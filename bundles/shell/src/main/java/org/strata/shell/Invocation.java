package org.strata.shell;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.strata.core.image.ImageLocation;
import org.strata.core.image.OpenRequest;

/** One call of a command: its arguments, where it prints, and the caller's working directory and settings. */
final class Invocation {

    final List<String> args;
    final PrintStream out;
    final PrintStream err;
    final Path cwd;
    final boolean tty;
    final boolean debug;
    final List<Path> allowRoots;

    Invocation(List<String> args, PrintStream out, PrintStream err, Path cwd, boolean tty, boolean debug,
               List<Path> allowRoots) {
        this.args = List.copyOf(args);
        this.out = out;
        this.err = err;
        this.cwd = cwd;
        this.tty = tty;
        this.debug = debug;
        this.allowRoots = List.copyOf(allowRoots);
    }

    /** A read-only open request relative to the caller, with the caller's and the options' allowed roots. */
    OpenRequest openRequest(Options o) {
        List<Path> roots = new ArrayList<>(allowRoots);
        for (String r : o.all("allow-root")) {
            if (ImageLocation.isUrl(r)) {
                // a request carries directories only; URL prefixes are configured (AllowedRoots takes both)
                throw new UsageException("--allow-root takes a directory; allow URL prefixes with allowed.roots in"
                        + " etc/org.strata.agent.cfg: " + r);
            }
            roots.add(cwd.resolve(r).normalize());
        }
        return OpenRequest.readOnly(cwd).withExtraRoots(roots);
    }
}
