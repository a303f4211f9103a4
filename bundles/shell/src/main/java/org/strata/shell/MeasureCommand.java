package org.strata.shell;

import java.util.LinkedHashMap;
import java.util.Map;

import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.api.Measurement;
import org.strata.cli.Options;
import org.strata.core.agent.ImageService;

/** {@code image:measure}: qemu-img measure. */
final class MeasureCommand extends ImageCommand {

    private static final Options.Spec OPTIONS = withSharedOptions(new Options.Spec("image:measure", "[FILE]")
            .value('f', "format", "FMT", "the format of FILE (probed when not given)")
            .value((char) 0, "output", "human|json", "human (default) or json, with qemu-img's keys")
            .value('O', "output-format", "OUT_FMT", "the format of the new image (default raw)")
            .value('o', "options", "OPTS", "its creation options").repeatable()
            .value((char) 0, "size", "SIZE", "measure a new image of this size (instead of FILE's data)")
            .flag('U', FORCE_SHARE, FORCE_SHARE_HELP)
            .note("Either --size or FILE is given."));

    MeasureCommand(ImageService images) {
        super(images);
    }

    @Override
    public String summary() {
        return "how much storage a new image needs, for a size or for an image's data";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = OPTIONS.parse(inv.args);
        boolean json = o.json();
        FormatDriver driver = formatDriver(o.get("output-format", "raw"));
        Map<String, String> options = CreateOptions.parse(o.all("options"));
        Measurement m;
        if (o.has("size")) {
            if (!o.operands().isEmpty()) {
                throw new CommandFailure("--size N cannot be used together with a filename.", 1);
            }
            m = driver.measure(size(o.get("size"), "image size"), options, null);
        } else {
            if (o.operands().size() != 1) {
                throw new CommandFailure("Either --size N or one filename must be specified.", 1);
            }
            String file = o.operands().get(0);
            try (FormatAccess src = open(inv, o, file, false)) {
                m = driver.measure(src.size(), options, src);
            }
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("required", m.required());
            out.put("fully-allocated", m.fullyAllocated());
            if (m.bitmaps() >= 0) {
                out.put("bitmaps", m.bitmaps());
            }
            inv.out.println(QemuJson.pretty(out));
        } else {
            inv.out.println("required size: " + m.required());
            inv.out.println("fully allocated size: " + m.fullyAllocated());
            if (m.bitmaps() >= 0) {
                inv.out.println("bitmaps size: " + m.bitmaps());
            }
        }
        return 0;
    }
}
