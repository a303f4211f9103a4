package org.strata.shell;

import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageService;

/**
 * {@code image:io}: a qemu-io subset. Each {@code -c} is one qemu-io command line ({@link IoRequest}), run in turn
 * as qemu-io runs them: a command that fails prints why and the next one still runs; the status is 1 when any
 * failed.
 */
final class IoCommand extends ImageCommand {

    IoCommand(ImageService images) {
        super(images);
    }

    @Override
    public String name() {
        return "image:io";
    }

    @Override
    public String usage() {
        return "usage: image:io [-f FMT] [-U] [-t CACHE] -c CMD [-c CMD...] FILE\n"
                + "  commands (as qemu-io's; r, w, d and f are short for them):\n"
                + "    read [-q] [-P PATTERN] OFFSET LENGTH       read; with -P check every byte is PATTERN\n"
                + "    write [-cquz] [-P PATTERN] OFFSET LENGTH  write PATTERN (default 0xcd); -z zeroes (-u may\n"
                + "                                               deallocate them); -c compressed\n"
                + "    discard [-q] OFFSET LENGTH                  discard (reads as zeroes after)\n"
                + "    flush                                      write everything back\n"
                + "  OFFSET and LENGTH take the suffixes K, M, G, T, P, E; requests must lie inside the image;\n"
                + "  -q prints no statistics; the status is 1 when a command fails";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = spec().flag('U', FORCE_SHARE).value('t', "cache").value('c', "cmd").parse(inv.args);
        String file = o.operands(1, 1, "filename").get(0);
        List<String> lines = o.all("cmd");
        boolean writes = lines.stream().anyMatch(IoRequest::writes);
        boolean ok = true;
        try (FormatAccess image = open(inv, o, file, writes)) {
            for (String line : lines) {
                ok &= IoRequest.run(line, image, inv.out, inv.err);
            }
        }
        return ok ? 0 : 1;
    }
}
