package org.strata.shell;

import java.util.LinkedHashMap;
import java.util.Map;

import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.api.Measurement;
import org.strata.core.agent.ImageService;

/** {@code image:measure}: qemu-img measure. */
final class MeasureCommand extends ImageCommand {

    MeasureCommand(ImageService images) {
        super(images);
    }

    @Override
    public String name() {
        return "image:measure";
    }

    @Override
    public String usage() {
        return "usage: image:measure [--output=human|json] -O OUT_FMT [-o OPTS] (--size SIZE | [-f FMT] FILE)";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = spec().flag('U', FORCE_SHARE)
                .value((char) 0, "output").value('O', "output-format").value('o', "options")
                .value((char) 0, "size").parse(inv.args);
        boolean json = o.json();
        FormatDriver driver = formatDriver(o.get("output-format", "raw"));
        Map<String, String> options = CreateOptions.parse(o.all("options"));
        Measurement m;
        if (o.has("size")) {
            if (!o.operands().isEmpty()) {
                throw new CommandFailure("--size N cannot be used together with a filename.", 1);
            }
            m = driver.measure(Sizes.parse(o.get("size"), "image size"), options, null);
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
