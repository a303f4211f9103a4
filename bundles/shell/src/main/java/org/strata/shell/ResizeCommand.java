package org.strata.shell;

import java.util.ArrayList;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.api.Preallocation;
import org.strata.api.Sizes;
import org.strata.cli.Options;
import org.strata.core.agent.ImageService;

/** {@code image:resize}: qemu-img resize. */
final class ResizeCommand extends ImageCommand {

    private static final Options.Spec OPTIONS = withSharedOptions(new Options.Spec("image:resize", "FILE [+|-]SIZE")
            .value('f', "format", "FMT", FORMAT_HELP)
            .flag((char) 0, "shrink", "allow shrinking (data past the new end is lost)")
            .value((char) 0, "preallocation", "MODE", "off, metadata, falloc or full for the grown part")
            .operand("SIZE", "the new size, or +SIZE / -SIZE relative to the current one"));

    ResizeCommand(ImageService images) {
        super(images);
    }

    @Override
    public String summary() {
        return "change an image's virtual size";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        List<String> args = new ArrayList<>(inv.args);
        // "-1G" as the last argument is a size, not an option (as qemu-img does it)
        String size = null;
        if (!args.isEmpty() && args.get(args.size() - 1).matches("-[0-9].*")) {
            size = args.remove(args.size() - 1);
        }
        Options o = OPTIONS.parse(args);
        List<String> ops = o.operands(size == null ? 2 : 1, size == null ? 2 : 1, "filename and size");
        if (size == null) {
            size = ops.get(1);
        }
        Preallocation prealloc;
        try {
            prealloc = Preallocation.parse(o.get("preallocation", "off"));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("Invalid preallocation mode '" + o.get("preallocation") + "'", 1);
        }
        // qemu-img reads the size before it opens the image
        int sign = size.startsWith("+") ? 1 : size.startsWith("-") ? -1 : 0;
        long amount = Sizes.parseOption("size", sign == 0 ? size : size.substring(1));
        try (FormatAccess image = open(inv, o, ops.get(0), true)) {
            long current = image.size();
            long target = sign == 0 ? amount : sign > 0 ? Math.addExact(current, amount) : current - amount;
            // the checks in qemu-img's order
            if (target <= 0) {
                throw new CommandFailure("New image size must be positive", 1);
            }
            if (target < current && !o.has("shrink")) {
                inv.err.println(name() + ": Use the --shrink option to perform a shrink operation.");
                throw new CommandFailure("warning: Shrinking an image will delete all data beyond the shrunken"
                        + " image's end. Before performing such an operation, make sure there is no important data"
                        + " there.", 1);
            }
            if (target < current && prealloc != Preallocation.OFF) {
                throw new CommandFailure("Preallocation can only be used for growing images", 1);
            }
            // what the format refuses (raw preallocation=metadata, a qcow2 size not in whole sectors), its driver does
            image.resize(target, prealloc);
            image.flush();
        }
        if (!o.has("quiet")) {
            inv.out.println("Image resized.");
        }
        return 0;
    }
}
