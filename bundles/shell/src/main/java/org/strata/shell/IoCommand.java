package org.strata.shell;

import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.cli.Options;
import org.strata.core.agent.ImageService;
import org.strata.core.image.OpenRequest;

/**
 * {@code image:io}: a qemu-io subset. Each {@code -c} is one qemu-io command line ({@link IoRequest}), run in turn
 * as qemu-io runs them: a command that fails prints why and the next one still runs; the status is 1 when any
 * failed.
 */
final class IoCommand extends ImageCommand {

    private static final Options.Spec OPTIONS = withSharedOptions(new Options.Spec("image:io", "FILE")
            .value('f', "format", "FMT", FORMAT_HELP)
            .value('c', "cmd", "CMD", "a command to run (see below); given once or more, run in order").repeatable()
            .value('t', "cache", "CACHE", CACHE_HELP)
            .flag('U', FORCE_SHARE, FORCE_SHARE_HELP)
            .flag('r', "read-only", "open the image read-only: write and discard fail")
            .note("commands (as qemu-io's; r, w, d and f are short for them):\n"
                    + "  read [-q] [-P PATTERN] OFFSET LENGTH        read; with -P check every byte is PATTERN\n"
                    + "  write [-cquz] [-P PATTERN] OFFSET LENGTH    write PATTERN (default 0xcd); -z zeroes (-u may"
                    + " deallocate them); -c compressed\n"
                    + "  discard [-q] OFFSET LENGTH                  discard (reads as zeroes after)\n"
                    + "  flush                                       write everything back")
            .note("OFFSET and LENGTH take the suffixes k, M, G, T, P, E; requests must lie inside the image; -q"
                    + " prints no statistics; the status is 1 when a command fails"));

    IoCommand(ImageService images) {
        super(images);
    }

    @Override
    public String summary() {
        return "read, write, zero and discard ranges of an image (a qemu-io subset)";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = OPTIONS.parse(inv.args);
        String file = o.operands(1, 1, "filename").get(0);
        List<String> lines = o.all("cmd");
        boolean readOnly = o.has("read-only");
        OpenRequest request = request(inv, o, "format", !readOnly && lines.stream().anyMatch(IoRequest::writes))
                .build();
        boolean ok = true;
        try (FormatAccess image = open(inv, file, request)) {
            if (!readOnly && !request.writable()) {
                // qemu-io opens the image for writing unless -r, whatever its commands do
                warnIfProbedRaw(inv, file, request, image.formatName());
            }
            for (String line : lines) {
                ok &= IoRequest.run(line, image, readOnly, inv.out, inv.err);
            }
        }
        return ok ? 0 : 1;
    }
}
