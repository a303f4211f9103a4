package org.strata.shell;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.strata.api.CreateRequest;
import org.strata.api.FormatDriver;
import org.strata.core.agent.ImageService;

/** {@code image:create}: qemu-img create. */
final class CreateCommand extends ImageCommand {

    CreateCommand(ImageService images) {
        super(images);
    }

    @Override
    public String name() {
        return "image:create";
    }

    @Override
    public String summary() {
        return "create a new image";
    }

    @Override
    public String usage() {
        return "usage: image:create -f FMT [-o OPT=VAL[,...]] [-b BACKING [-F BACKING_FMT]] [-u] [-q] FILE [SIZE]\n"
                + "  -f FMT          the format of the new image (raw, qcow2, ...)\n"
                + "  -o OPTIONS      creation options of the format; -o help lists them\n"
                + "  -b BACKING      the backing file (recorded as given; relative to FILE's directory)\n"
                + "  -F BACKING_FMT  the backing file's format (required with -b)\n"
                + "  -u              do not open the backing file (SIZE is then required)\n"
                + "  -q              print nothing\n"
                + "  SIZE            bytes, or with a suffix K, M, G, T (powers of 1024)";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = spec().value('o', "options").value('b', "backing").value('F', "backing-format")
                .flag('u', "unsafe").parse(inv.args);
        String format = o.get("format", "raw");
        FormatDriver driver;
        try {
            driver = formatDriver(format);
        } catch (CommandFailure e) {
            // as qemu-img create: the message names the file
            throw o.operands().isEmpty() ? e : new CommandFailure(o.operands().get(0) + ": " + e.getMessage(), 1);
        }
        Map<String, String> options = new LinkedHashMap<>(CreateOptions.parse(o.all("options")));
        if (options.containsKey("help")) {
            inv.out.println(CreateOptions.help(format, driver.createOptions()));
            return 0;
        }
        List<String> operands = o.operands(1, 2, "filename");
        String file = operands.get(0);
        String backing = o.get("backing", options.remove("backing_file"));
        String backingFormat = o.get("backing-format", options.remove("backing_fmt"));
        String sizeOption = options.remove("size");
        long size = -1;
        if (operands.size() == 2) {
            size = Sizes.parse(operands.get(1), "image size");
        } else if (sizeOption != null) {
            size = Sizes.parse(sizeOption, "image size");
        }
        if (backing != null && backing.isEmpty()) {
            backing = null;
        }
        if (backing != null && backingFormat == null) {
            throw new CommandFailure(file + ": Backing file specified without backing format", 1);
        }
        boolean unsafe = o.has("unsafe");
        if (size < 0 && (backing == null || unsafe)) {
            // qemu-img says the same with -u
            throw new CommandFailure(file + ": Image creation needs a size parameter", 1);
        }
        CreateRequest request = new CreateRequest(size, options, backing, backingFormat, !unsafe);
        Map<String, String> printed;
        try {
            printed = images.opener().create(file, format, request, inv.openRequest(o));
        } catch (IllegalArgumentException e) {
            // as qemu-img create: a refused option names the file
            throw new CommandFailure(file + ": " + e.getMessage(), 1, e);
        }
        if (!o.has("quiet")) {
            StringBuilder sb = new StringBuilder("Formatting '" + file + "', fmt=" + format);
            printed.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
            inv.out.println(sb);
        }
        return 0;
    }
}
