package org.strata.shell;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.CacheMode;
import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.api.Sizes;
import org.strata.api.StoragePath;
import org.strata.cli.Options;
import org.strata.cli.UsageException;
import org.strata.core.agent.ImageService;
import org.strata.core.image.Errors;
import org.strata.core.image.OpenRequest;

/** A command that works on image files: the options every image command shares, and opening. */
abstract class ImageCommand implements Command {

    /** {@code -U}: open without taking locks. */
    static final String FORCE_SHARE = "force-share";

    /** What the options that several image commands take do, as their usage says it. */
    static final String FORMAT_HELP = "the image format (probed when not given)";
    static final String FORCE_SHARE_HELP = "open without taking locks (the image may be in use)";
    static final String CACHE_HELP = "the cache mode of the image written: writeback (default), writethrough, none,"
            + " directsync, unsafe";
    static final String SOURCE_CACHE_HELP = "the cache mode of the images only read (default writeback)";
    static final String ALLOW_ROOT_ARGUMENT = "DIR|URL";
    static final String ALLOW_ROOT_HELP = "also open files the image names below DIR or a URL prefix"
            + " (http://HOST/DIR/, nbd://HOST:PORT/)";

    protected final ImageService images;

    ImageCommand(ImageService images) {
        this.images = images;
    }

    /**
     * Adds the options every image command takes after its own: {@code --allow-root} and {@code -q}. Each command
     * declares {@code -f} ("format") itself; those that take a cache mode as qemu-img does add {@code -t} ("cache")
     * and {@code -T} ("source-cache"); the commands that only read an image (or a chain's backing files) add
     * {@code -U} with {@link #FORCE_SHARE}, as qemu-img's do.
     */
    static Options.Spec withSharedOptions(Options.Spec spec) {
        return spec.value((char) 0, "allow-root", ALLOW_ROOT_ARGUMENT, ALLOW_ROOT_HELP).repeatable()
                .flag('q', "quiet", "print nothing but errors");
    }

    /** A size argument or option value, failing with qemu-img's message naming {@code what} (e.g. "image size"). */
    static long size(String text, String what) throws CommandFailure {
        return size(text, what, 0, Long.MAX_VALUE);
    }

    /** As {@link #size(String, String)}, which must lie in {@code [min, max]} (qemu-img's cvtnum_full). */
    static long size(String text, String what, long min, long max) throws CommandFailure {
        long value;
        try {
            value = Sizes.parse(text);
        } catch (Sizes.InvalidSizeException e) {
            if (!e.tooLarge()) {
                throw new CommandFailure("Invalid " + what + " specified. You may use k, M, G, T, P or E suffixes for"
                        + " kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.", 1);
            }
            value = -1;
        }
        if (value < min || value > max) {
            throw new CommandFailure("Invalid " + what + " specified. Must be between " + min + " and " + max + ".",
                    1);
        }
        return value;
    }

    /** The bytes per second {@code -r} allows, 0 (no limit) when it is not given. */
    static long rateLimit(Options o) throws CommandFailure {
        return o.has("rate-limit") ? size(o.get("rate-limit"), "rate limit") : 0;
    }

    /** The cache mode {@code -t} names, or {@code def}; a bad name fails with qemu-img's message. */
    static CacheMode cacheMode(Options o, CacheMode def) {
        String name = o.get("cache");
        return name == null ? def : CacheMode.parse(name);
    }

    /** The cache mode {@code -T} names for the images a command only reads, writeback by default. */
    static CacheMode sourceCacheMode(Options o) {
        String name = o.get("source-cache", CacheMode.WRITEBACK.toString());
        return CacheMode.byName(name)
                .orElseThrow(() -> new IllegalArgumentException("Invalid source cache option: " + name));
    }

    /**
     * The request every open starts from: read-only, relative to the caller, under the roots the caller allows
     * ({@code --allow-root} before the subcommand and as an option: directories and URL prefixes).
     */
    OpenRequest.Builder baseRequest(Invocation inv, Options o) {
        List<StoragePath> roots = new ArrayList<>();
        for (String root : inv.allowRoots(o)) {
            try {
                roots.add(images.opener().root(root, inv.cwd));
            } catch (IOException e) {
                throw new IllegalArgumentException("Invalid --allow-root '" + root + "': " + Errors.oneLine(e), e);
            }
        }
        return OpenRequest.in(inv.cwd).extraRoots(roots);
    }

    /**
     * How to open {@code -f}'s image (read-only unless {@code writable}), with -U, --allow-root and the cache mode
     * {@code -t} names (writeback where the command has no -t or it is not given).
     */
    OpenRequest.Builder request(Invocation inv, Options o, String formatOption, boolean writable) {
        return request(inv, o, formatOption, writable, cacheMode(o, CacheMode.WRITEBACK));
    }

    /** As {@link #request(Invocation, Options, String, boolean)}, in {@code cache} mode. */
    OpenRequest.Builder request(Invocation inv, Options o, String formatOption, boolean writable, CacheMode cache) {
        boolean forceShare = o.has(FORCE_SHARE);
        if (forceShare && writable) {
            throw new UsageException("force-share=on can only be used with read-only images");
        }
        return baseRequest(inv, o).format(o.get(formatOption)).writable(writable).forceShare(forceShare).cache(cache);
    }

    /**
     * How to open an image the command writes besides the one {@code -f} names (convert's target): -U shares only
     * the images the command reads, so it never applies here.
     */
    OpenRequest targetRequest(Invocation inv, Options o, String formatOption, CacheMode cache) {
        return request(inv, o, formatOption, false, cache).forceShare(false).writable(true).build();
    }

    /** The driver of a format the user names for a new image, failing as qemu-img does for an unknown one. */
    FormatDriver formatDriver(String name) throws CommandFailure {
        if (images.drivers().formats().stream().noneMatch(d -> d.name().equals(name))) {
            throw new CommandFailure("Unknown file format '" + name + "'", 1);
        }
        try {
            return images.drivers().format(name);
        } catch (IOException e) {
            throw new CommandFailure("Unknown file format '" + name + "'", 1, e);
        }
    }

    FormatAccess open(Invocation inv, Options o, String file, boolean writable) throws IOException {
        return open(inv, file, request(inv, o, "format", writable).build());
    }

    /**
     * Opens {@code file} as {@code request} says, warning as qemu does when an image to be written was probed as raw.
     * A writable open fails, as qemu's does, where the image can only be read (a qcow2 image marked corrupt opens
     * read-only until {@code image:check -r all} repairs it).
     */
    FormatAccess open(Invocation inv, String file, OpenRequest request) throws IOException {
        FormatAccess a = images.opener().open(file, request);
        if (request.writable()) {
            warnIfProbedRaw(inv, file, request, a.formatName());
        }
        if (request.writable() && !a.isWritable()) {
            var specific = a.info().formatSpecific();
            String why = specific != null && Boolean.TRUE.equals(specific.get("corrupt"))
                    ? a.formatName() + ": Image is corrupt; cannot be opened read/write" : "the image can only be read";
            a.close();
            throw new IOException("Could not open '" + file + "': " + why);
        }
        return a;
    }

    /**
     * qemu's warning (before anything else the command prints) when an image it opens for writing had its format
     * probed and found raw: data written to its first sectors could make it probe as another format next time.
     */
    static void warnIfProbedRaw(Invocation inv, String file, OpenRequest request, String format) {
        if (request.format() == null && format.equals("raw")) {
            inv.err.print("WARNING: Image format was not specified for '" + file + "' and probing guessed raw.\n"
                    + "         Automatically detecting the format is dangerous for raw images, write operations on"
                    + " block 0 will be restricted.\n"
                    + "         Specify the 'raw' format explicitly to remove the restrictions.\n");
        }
    }
}
