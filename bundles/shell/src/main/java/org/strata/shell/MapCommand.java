package org.strata.shell;

import java.util.ArrayList;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageService;

/** {@code image:map}: qemu-img map. */
final class MapCommand extends ImageCommand {

    MapCommand(ImageService images) {
        super(images);
    }

    @Override
    public String name() {
        return "image:map";
    }

    @Override
    public String usage() {
        return "usage: image:map [-f FMT] [--output=human|json] [-s START] [-l LENGTH] [-U] FILE\n"
                + "  --output=json     one entry per run: start, length, depth, present, zero, data, offset\n"
                + "  -s START          begin at this guest offset\n"
                + "  -l LENGTH         map only this many bytes";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = spec().flag('U', FORCE_SHARE)
                .value((char) 0, "output").value('s', "start-offset").value('l', "max-length")
                .parse(inv.args);
        String file = o.operands(1, 1, "filename").get(0);
        boolean json = o.json();
        // qemu-img reads the range before it opens the image
        long start = o.has("start-offset") ? Sizes.parse(o.get("start-offset"), "start offset") : 0;
        Long maxLength = o.has("max-length") ? Sizes.parse(o.get("max-length"), "max length") : null;
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
