package org.strata.shell;

import java.util.Map;

import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.cli.Options;
import org.strata.cli.UsageException;
import org.strata.core.agent.ImageService;

/** {@code image:amend}: qemu-img amend. */
final class AmendCommand extends ImageCommand {

    private static final Options.Spec OPTIONS = withSharedOptions(new Options.Spec("image:amend", "FILE")
            .value('f', "format", "FMT", FORMAT_HELP)
            .value('t', "cache", "CACHE", CACHE_HELP)
            .value('o', "options", "OPTS", "the format options to change, e.g. compat=1.1,lazy_refcounts=on (-o help"
                    + " lists them); required").repeatable()
            .flag('p', "progress", "show progress"));

    AmendCommand(ImageService images) {
        super(images);
    }

    @Override
    public String summary() {
        return "change format options of an existing image";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = OPTIONS.parse(inv.args);
        Map<String, String> options = CreateOptions.parse(o.all("options"));
        if (options.isEmpty()) {
            throw new UsageException("Must specify options (-o)");
        }
        if (options.containsKey("help") && o.has("format")) {
            // as qemu-img: the format named, no image is needed
            return help(inv, formatDriver(o.get("format")));
        }
        String file = o.operands(1, "one image file name").get(0);
        try (FormatAccess image = open(inv, file, request(inv, o, "format", true).openBacking(false).build())) {
            if (options.containsKey("help")) {
                return help(inv, images.drivers().format(image.formatName()));
            }
            refuseBackingChange(image, options);
            Progress progress = new Progress(inv.out, o.has("progress") && !o.has("quiet"), 1);
            progress.advance(0);
            image.amend(options);
            image.flush();
            progress.advance(1);
            progress.finish();
        }
        return 0;
    }

    private static int help(Invocation inv, FormatDriver driver) throws CommandFailure {
        if (driver.amendOptions().isEmpty()) {
            throw new CommandFailure("Format driver '" + driver.name() + "' does not support option amendment", 1);
        }
        inv.out.println(CreateOptions.amendHelp(driver.name(), driver.amendOptions()));
        return 0;
    }

    /** As qemu-img: the backing file is changed with rebase; naming the present one is allowed. */
    private static void refuseBackingChange(FormatAccess image, Map<String, String> options) throws Exception {
        if (!options.containsKey("backing_file") && !options.containsKey("backing_fmt")) {
            return;
        }
        var info = image.info();
        if (!java.util.Objects.equals(options.get("backing_file"), info.backingFilename())
                || !java.util.Objects.equals(options.get("backing_fmt"), info.backingFormat())) {
            throw new CommandFailure("Cannot amend the backing file; you can use 'image:rebase' instead", 1);
        }
    }
}
