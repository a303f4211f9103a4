package org.strata.shell;

import java.io.IOException;

import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageService;
import org.strata.core.image.OpenRequest;

/** A command that works on image files: the options every image command shares, and opening. */
abstract class ImageCommand implements Command {

    protected final ImageService images;

    ImageCommand(ImageService images) {
        this.images = images;
    }

    /** The options every image command takes: {@code -f}, {@code -U}, {@code -t}, {@code --allow-root}. */
    static Options.Spec spec() {
        return new Options.Spec()
                .value('f', "format")
                .flag('U', "force-share")
                .value('t', "cache")
                .value((char) 0, "allow-root")
                .flag('q', "quiet");
    }

    /** How to open {@code -f}'s image (read-only unless {@code writable}), with -U, -t and --allow-root. */
    static OpenRequest request(Invocation inv, Options o, String formatOption, boolean writable) {
        String cache = o.get("cache", "writeback");
        boolean direct = switch (cache) {
            case "none", "directsync" -> true;
            case "writeback", "writethrough", "unsafe" -> false;
            default -> throw new UsageException("Invalid cache option: " + cache);
        };
        boolean forceShare = o.has("force-share");
        if (forceShare && writable) {
            throw new UsageException("force-share=on can only be used with read-only images");
        }
        return inv.openRequest(o).withFormat(o.get(formatOption)).withWritable(writable)
                .withForceShare(forceShare).withDirect(direct);
    }

    FormatAccess open(Invocation inv, Options o, String file, boolean writable) throws IOException {
        return images.opener().open(file, request(inv, o, "format", writable));
    }
}
