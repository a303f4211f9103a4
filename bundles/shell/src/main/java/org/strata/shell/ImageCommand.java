package org.strata.shell;

import java.io.IOException;

import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.core.agent.ImageService;
import org.strata.core.image.OpenRequest;

/** A command that works on image files: the options every image command shares, and opening. */
abstract class ImageCommand implements Command {

    /** {@code -U}: open without taking locks. */
    static final String FORCE_SHARE = "force-share";

    protected final ImageService images;

    ImageCommand(ImageService images) {
        this.images = images;
    }

    /**
     * The options every image command takes: {@code -f}, {@code -t}, {@code --allow-root}, {@code -q}. The commands
     * that only read an image (or a chain's backing files) add {@code -U} with {@link #FORCE_SHARE}, as qemu-img's do.
     */
    static Options.Spec spec() {
        return new Options.Spec()
                .value('f', "format")
                .value('t', "cache")
                .value((char) 0, "allow-root")
                .flag('q', "quiet");
    }

    /** How to open {@code -f}'s image (read-only unless {@code writable}), with -U, -t and --allow-root. */
    static OpenRequest request(Invocation inv, Options o, String formatOption, boolean writable) {
        return request(inv, o, formatOption, writable, "writeback");
    }

    /**
     * As {@link #request(Invocation, Options, String, boolean)}, with the cache mode used when {@code -t} is not
     * given (qemu-img convert writes its target with "unsafe": no flushes).
     */
    static OpenRequest request(Invocation inv, Options o, String formatOption, boolean writable,
                               String defaultCache) {
        String cache = o.get("cache", defaultCache);
        boolean direct = switch (cache) {
            case "none", "directsync" -> true;
            case "writeback", "writethrough", "unsafe" -> false;
            default -> throw new UsageException("Invalid cache option: " + cache);
        };
        boolean forceShare = o.has(FORCE_SHARE);
        if (forceShare && writable) {
            throw new UsageException("force-share=on can only be used with read-only images");
        }
        return inv.openRequest(o).withFormat(o.get(formatOption)).withWritable(writable)
                .withForceShare(forceShare).withDirect(direct).withNoFlush(cache.equals("unsafe"));
    }

    /**
     * How to open an image the command writes besides the one {@code -f} names (convert's target): -U shares only
     * the images the command reads, so it never applies here.
     */
    static OpenRequest targetRequest(Invocation inv, Options o, String formatOption, String defaultCache) {
        return request(inv, o, formatOption, false, defaultCache).withForceShare(false).withWritable(true);
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
        return open(file, request(inv, o, "format", writable));
    }

    /**
     * Opens {@code file} as {@code request} says. A writable open fails, as qemu's does, where the image can only be
     * read (a qcow2 image marked corrupt opens read-only until {@code image:check -r all} repairs it).
     */
    FormatAccess open(String file, OpenRequest request) throws IOException {
        FormatAccess a = images.opener().open(file, request);
        if (request.writable() && !a.isWritable()) {
            var specific = a.image().info().formatSpecific();
            String why = specific != null && Boolean.TRUE.equals(specific.get("corrupt"))
                    ? a.formatName() + ": Image is corrupt; cannot be opened read/write" : "the image can only be read";
            a.close();
            throw new IOException("Could not open '" + file + "': " + why);
        }
        return a;
    }
}
