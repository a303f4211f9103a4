package org.strata.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.strata.api.FormatAccess;
import org.strata.api.SnapshotInfo;
import org.strata.cli.Options;
import org.strata.core.agent.ImageService;

/** {@code image:info}: qemu-img info. */
final class InfoCommand extends ImageCommand {

    private static final Options.Spec OPTIONS = withSharedOptions(new Options.Spec("image:info", "FILE")
            .value('f', "format", "FMT", FORMAT_HELP)
            .value((char) 0, "output", "human|json", "human (default) or json, with qemu-img's keys")
            .flag((char) 0, "backing-chain", "show every image of the backing chain, top first")
            .flag('U', FORCE_SHARE, FORCE_SHARE_HELP));

    InfoCommand(ImageService images) {
        super(images);
    }

    @Override
    public String summary() {
        return "show an image's format, sizes, backing file and format-specific information";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = OPTIONS.parse(inv.args);
        String file = o.operands(1, "one image file name").get(0);
        boolean chain = o.has("backing-chain");
        boolean json = o.json();
        try (FormatAccess top = images.opener().open(file,
                request(inv, o, "format", false).openBacking(chain).build())) {
            List<Map<String, Object>> reports = new ArrayList<>();
            List<List<SnapshotInfo>> snapshots = new ArrayList<>();
            String name = file;
            for (FormatAccess layer = top; layer != null; layer = chain ? layer.backing() : null) {
                Map<String, Object> report = InfoReport.of(layer, name);
                reports.add(report);
                snapshots.add(layer.info().snapshots());
                Object next = report.get("full-backing-filename");
                name = next == null ? null : next.toString();
            }
            if (json) {
                inv.out.println(QemuJson.pretty(chain ? reports : reports.get(0)));
            } else {
                for (int i = 0; i < reports.size(); i++) {
                    if (i > 0) {
                        inv.out.println();
                    }
                    inv.out.print(InfoReport.human(reports.get(i), snapshots.get(i)));
                }
            }
        }
        return 0;
    }
}
