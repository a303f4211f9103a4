package org.strata.shell;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.strata.api.CreateRequest;
import org.strata.api.FormatDriver;
import org.strata.api.Sizes;
import org.strata.cli.Options;
import org.strata.core.agent.ImageService;
import org.strata.core.image.CreatedImage;
import org.strata.core.image.Errors;
import org.strata.core.image.OpenRequest;

/** {@code image:create}: qemu-img create. */
final class CreateCommand extends ImageCommand {

    private static final Options.Spec OPTIONS = withSharedOptions(new Options.Spec("image:create", "FILE [SIZE]")
            .value('f', "format", "FMT", "the format of the new image (raw, qcow2, ...; default raw)")
            .value('o', "options", "OPT=VAL[,...]", "creation options of the format; -o help lists them").repeatable()
            .value('b', "backing", "BACKING", "the backing file (recorded as given; relative to FILE's directory)")
            .value('F', "backing-format", "BACKING_FMT", "the backing file's format (required with -b)")
            .flag('u', "unsafe", "do not open the backing file (SIZE is then required)")
            .operand("SIZE", "bytes, or with a suffix k, M, G, T, P, E (powers of 1024)"));

    CreateCommand(ImageService images) {
        super(images);
    }

    @Override
    public String summary() {
        return "create a new image";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = OPTIONS.parse(inv.args);
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
            inv.out.println(CreateOptions.help(format, driver.createOptions(), !o.operands().isEmpty()));
            return 0;
        }
        List<String> operands = o.operands(1, 2, "image file name");
        String file = operands.get(0);
        long size = operands.size() == 2 ? size(operands.get(1), "image size") : -1;
        OpenRequest where = baseRequest(inv, o).build();
        CreatedImage created;
        try {
            created = images.opener().create(file, format, request(o, file, driver, options, size), where);
        } catch (CommandFailure | IOException | IllegalArgumentException e) {
            // as qemu-img create: what goes wrong while formatting is reported with the file's name
            throw new CommandFailure(file + ": " + reason(e, format, options), 1, e);
        }
        if (!o.has("quiet")) {
            StringBuilder sb = new StringBuilder("Formatting '" + file + "', fmt=" + format);
            created.options().forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
            inv.out.println(sb);
        }
        return 0;
    }

    /** qemu-img's words for a failure while formatting: a size the file cannot have is too large for the format. */
    private static String reason(Exception e, String format, Map<String, String> options) {
        String why = Errors.oneLine(e);
        return why.endsWith("File too large") ? "The image size is too large for file format '" + format + "'"
                + (options.containsKey("cluster_size") ? " (try using a larger cluster size)" : "") : why;
    }

    /** What the options ask for, checked in qemu-img's order before the format driver sees them. */
    private static CreateRequest request(Options o, String file, FormatDriver driver, Map<String, String> options,
                                         long size) throws CommandFailure {
        CreateOptions.check(options, driver.createOptions());
        String sizeOption = options.remove("size");
        if (sizeOption != null && size >= 0) {
            throw new CommandFailure("The image size must be specified only once", 1);
        }
        if (sizeOption != null) {
            size = Sizes.parseOption("size", sizeOption);
        }
        String backing = o.get("backing", options.remove("backing_file"));
        String backingFormat = o.get("backing-format", options.remove("backing_fmt"));
        CreateOptions.checkBacking(driver, backing, backingFormat);
        if (file.equals(backing)) {
            throw new CommandFailure("Error: Trying to create an image with the same filename as the backing file", 1);
        }
        if (backing != null && backing.isEmpty()) {
            throw new CommandFailure("Expected backing file name, got empty string", 1);
        }
        if (backing != null && backingFormat == null) {
            throw new CommandFailure("Backing file specified without backing format", 1);
        }
        boolean unsafe = o.has("unsafe");
        if (size < 0 && (backing == null || unsafe)) {
            // qemu-img says the same with -u
            throw new CommandFailure("Image creation needs a size parameter", 1);
        }
        return new CreateRequest(size, options, backing, backingFormat, !unsafe);
    }
}
