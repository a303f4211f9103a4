package org.strata.shell;

import java.util.ArrayList;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.cli.Options;
import org.strata.core.agent.ImageService;

/** {@code image:map}: qemu-img map. */
final class MapCommand extends ImageCommand {

    private static final Options.Spec OPTIONS = withSharedOptions(new Options.Spec("image:map", "FILE")
            .value('f', "format", "FMT", FORMAT_HELP)
            .value((char) 0, "output", "human|json", "human (default) or json: one entry per run with start, length,"
                    + " depth, present, zero, data, offset")
            .value('s', "start-offset", "START", "begin at this guest offset")
            .value('l', "max-length", "LENGTH", "map only this many bytes")
            .flag('U', FORCE_SHARE, FORCE_SHARE_HELP));

    MapCommand(ImageService images) {
        super(images);
    }

    @Override
    public String summary() {
        return "show where an image's data lies: which layer, which host offset";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = OPTIONS.parse(inv.args);
        String file = o.operands(1, "one image file name").get(0);
        boolean json = o.json();
        // qemu-img reads the range before it opens the image
        long start = o.has("start-offset") ? size(o.get("start-offset"), "start offset") : 0;
        Long maxLength = o.has("max-length") ? size(o.get("max-length"), "max length") : null;
        try (FormatAccess top = open(inv, o, file, false)) {
            long size = top.size();
            // start + length wraps around as in qemu-img (which then prints one empty entry)
            long end = maxLength != null ? Math.min(size, start + maxLength) : size;
            // as qemu-img: a start at or past the end gives one empty entry
            List<MapEntry> entries = start >= end ? List.of(new MapEntry(start, 0, 0, false, false, false, -1, file))
                    : MapEntry.all(top, layerNames(top, file), start, end);
            if (json) {
                StringBuilder sb = new StringBuilder("[");
                for (int i = 0; i < entries.size(); i++) {
                    sb.append(entries.get(i).json()).append(i + 1 < entries.size() ? ",\n" : "");
                }
                inv.out.println(sb.append(']'));
            } else {
                inv.out.printf("%-16s%-16s%-16s%s%n", "Offset", "Length", "Mapped to", "File");
                for (MapEntry e : entries) {
                    if (e.data() && e.offset() < 0) {
                        throw new CommandFailure("File contains external, encrypted or compressed clusters.", 1);
                    }
                    if (e.data() && !e.zero()) {
                        inv.out.printf("%-16s%-16s%-16s%s%n", hex(e.start()), hex(e.length()), hex(e.offset()),
                                e.file());
                    }
                }
            }
        }
        return 0;
    }

    private static String hex(long v) {
        return v == 0 ? "0" : "0x" + Long.toHexString(v);
    }

    /** The layers' names as qemu shows them: the name given, then each backing name combined with its parent's. */
    static List<String> layerNames(FormatAccess top, String file) throws java.io.IOException {
        List<String> names = new ArrayList<>();
        String name = file;
        for (FormatAccess a = top; a != null; a = a.backing()) {
            names.add(name);
            String b = a.info().backingFilename();
            name = b == null ? "?" : InfoReport.fullBackingName(name, b);
        }
        return names;
    }
}
