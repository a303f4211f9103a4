package org.strata.shell;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.strata.api.BitmapChange;
import org.strata.api.FormatAccess;
import org.strata.cli.Options;
import org.strata.core.agent.ImageService;
import org.strata.core.image.Errors;

/**
 * {@code image:bitmap}: qemu-img bitmap. Its actions run in the order given, on the image opened for writing; the
 * first that fails ends the command with qemu-img's message, the ones before it done.
 */
final class BitmapCommand extends ImageCommand {

    private static final List<String> ACTIONS = List.of("add", "remove", "clear", "enable", "disable", "merge");

    private static final Options.Spec OPTIONS = withSharedOptions(new Options.Spec("image:bitmap", "FILE BITMAP")
            .value('f', "format", "FMT", FORMAT_HELP)
            .flag((char) 0, "add", "add BITMAP, empty and enabled (with -g's granularity)")
            .flag((char) 0, "remove", "remove BITMAP")
            .flag((char) 0, "clear", "clear every bit of BITMAP")
            .flag((char) 0, "enable", "BITMAP records writes from now on")
            .flag((char) 0, "disable", "BITMAP records no more writes")
            .value((char) 0, "merge", "SOURCE", "set the bits of bitmap SOURCE (of -b's image, else FILE's) in BITMAP")
            .repeatable()
            .value('g', "granularity", "GRANULARITY", "bytes per bit of a bitmap --add makes (a power of two, at least"
                    + " 512; default the cluster size, within 4k and 64k)")
            .value('b', "source-file", "SOURCE_FILE", "the image of --merge's source bitmap")
            .value('F', "source-format", "SOURCE_FMT", "the format of SOURCE_FILE")
            .note("the actions run in the order given"));

    BitmapCommand(ImageService images) {
        super(images);
    }

    @Override
    public String summary() {
        return "add, remove, clear, enable, disable or merge a persistent dirty bitmap (qemu-img bitmap)";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = OPTIONS.parse(inv.args);
        long granularity = o.has("granularity") ? size(o.get("granularity"), "granularity") : 0;
        List<Options.Given> actions = new ArrayList<>(o.inOrder());
        actions.removeIf(g -> !ACTIONS.contains(g.name()));
        if (actions.isEmpty()) {
            throw new CommandFailure("Need at least one of --add, --remove, --clear, --enable, --disable, or --merge",
                    1);
        }
        String refused = o.has("granularity") && !o.has("add") ? "granularity only supported with --add"
                : o.has("source-format") && !o.has("source-file") ? "-F only supported with -b"
                : o.has("source-file") && !o.has("merge") ? "Merge bitmap source file only supported with --merge"
                : o.operands().size() != 2 ? "Expecting filename and bitmap name" : null;
        if (refused != null) {
            throw new CommandFailure(refused, 1);
        }
        String file = o.operands().get(0);
        String bitmap = o.operands().get(1);
        try (FormatAccess image = open(inv, o, file, true);
             FormatAccess source = o.has("source-file") ? open(inv, o.get("source-file"),
                     baseRequest(inv, o).format(o.get("source-format")).build()) : null) {
            for (Options.Given action : actions) {
                try {
                    image.changeBitmap(change(action, bitmap, granularity, source != null ? source : image));
                } catch (IllegalArgumentException | IOException e) {
                    throw new CommandFailure("Operation " + action.name() + " on bitmap " + bitmap + " failed: "
                            + Errors.oneLine(e), 1, e);
                }
            }
        }
        return 0;
    }

    private static BitmapChange change(Options.Given action, String bitmap, long granularity, FormatAccess source)
            throws IOException {
        return switch (action.name()) {
            case "add" -> BitmapChange.add(bitmap, granularity);
            case "merge" -> BitmapChange.merge(bitmap, source.dirtyBits(action.value()));
            default -> BitmapChange.of(BitmapChange.Action.valueOf(action.name().toUpperCase(Locale.ROOT)), bitmap);
        };
    }
}
