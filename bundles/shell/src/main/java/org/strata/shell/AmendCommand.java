package org.strata.shell;

import java.util.Map;

import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageService;

/** {@code image:amend}: qemu-img amend. */
final class AmendCommand extends ImageCommand {

    AmendCommand(ImageService images) {
        super(images);
    }

    @Override
    public String name() {
        return "image:amend";
    }

    @Override
    public String summary() {
        return "change format options of an existing image";
    }

    @Override
    public String usage() {
        return "usage: image:amend [-f FMT] -o OPTS [-p] [-q] FILE\n"
                + "  -o OPTS  format options, e.g. compat=1.1,lazy_refcounts=on (see image:create -o help)";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = spec().value('o', "options").flag('p', "progress").parse(inv.args);
        String file = o.operands(1, 1, "filename").get(0);
        Map<String, String> options = CreateOptions.parse(o.all("options"));
        if (options.isEmpty()) {
            throw new UsageException("Must specify options (-o)");
        }
        try (FormatAccess image = images.opener().open(file, request(inv, o, "format", true).withOpenBacking(false))) {
            if (options.containsKey("help")) {
                inv.out.println(CreateOptions.help(image.formatName(),
                        images.drivers().format(image.formatName()).createOptions()));
                return 0;
            }
            image.image().amend(options);
            image.flush();
        }
        return 0;
    }
}
