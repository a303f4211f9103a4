package org.strata.core.image;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The directories (and URL prefixes) below which files named inside images may be opened. A file is checked by
 * its real path, so a symbolic link cannot lead outside.
 */
public final class AllowedRoots {

    /** Where an administrator allows more roots, for messages. */
    public static final String HOW_TO_ALLOW = "allow it with --allow-root DIR or allowed.roots in etc/org.strata.agent.cfg";

    private final List<Path> directories;
    private final List<String> urlPrefixes;

    private AllowedRoots(List<Path> directories, List<String> urlPrefixes) {
        this.directories = directories;
        this.urlPrefixes = urlPrefixes;
    }

    /** Roots from paths or URL prefixes (anything containing "://" is a URL prefix). */
    public static AllowedRoots of(Collection<String> roots) {
        List<Path> dirs = new ArrayList<>();
        List<String> urls = new ArrayList<>();
        for (String r : roots) {
            if (r.contains("://")) {
                urls.add(r);
            } else if (!r.isBlank()) {
                dirs.add(realOrNormal(Path.of(r)));
            }
        }
        return new AllowedRoots(List.copyOf(dirs), List.copyOf(urls));
    }

    /** These roots plus {@code dir}. */
    public AllowedRoots with(Path dir) {
        List<Path> dirs = new ArrayList<>(directories);
        dirs.add(realOrNormal(dir));
        return new AllowedRoots(List.copyOf(dirs), urlPrefixes);
    }

    /** These roots plus {@code more}. */
    public AllowedRoots withAll(Collection<Path> more) {
        AllowedRoots r = this;
        for (Path p : more) {
            r = r.with(p);
        }
        return r;
    }

    /**
     * Checks a file an image names and returns its real path.
     *
     * @param what   what the file is to the image ("backing file", "data file")
     * @param namedBy the image that names it
     */
    public Path check(Path file, String what, String namedBy) throws IOException {
        Path real;
        try {
            real = file.toRealPath();
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null,
                    "Could not open " + what + " '" + file + "': No such file or directory");
        }
        for (Path root : directories) {
            if (real.startsWith(root)) {
                return real;
            }
        }
        throw refusal(what, file.toString(), namedBy);
    }

    /** Checks the parent directory of a file about to be created. */
    public Path checkNew(Path file, String what, String namedBy) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Path realParent = check(parent, "directory of the " + what, namedBy);
        return realParent.resolve(file.getFileName());
    }

    /** Checks a URL an image names. */
    public void checkUrl(String url, String what, String namedBy) throws IOException {
        for (String prefix : urlPrefixes) {
            if (url.startsWith(prefix)) {
                return;
            }
        }
        throw refusal(what, url, namedBy);
    }

    private IOException refusal(String what, String name, String namedBy) {
        String roots = directories.stream().map(Path::toString).collect(Collectors.joining(", "));
        return new java.nio.file.AccessDeniedException(name, null, "Refusing to open " + what + " '" + name
                + "' named by '" + namedBy + "': it is outside the allowed roots (" + roots + "); " + HOW_TO_ALLOW);
    }

    private static Path realOrNormal(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        try {
            return abs.toRealPath();
        } catch (IOException e) {
            return abs;
        }
    }

    @Override
    public String toString() {
        return directories + " " + urlPrefixes;
    }
}
