package org.strata.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.strata.api.FormatAccess;
import org.strata.api.SnapshotInfo;
import org.strata.core.agent.ImageService;

/** {@code image:info}: qemu-img info. */
final class InfoCommand extends ImageCommand {

    InfoCommand(ImageService images) {
        super(images);
    }

    @Override
    public String name() {
        return "image:info";
    }

    @Override
    public String usage() {
        return "usage: image:info [-f FMT] [--output=human|json] [--backing-chain] [-U] [--allow-root DIR|URL] FILE\n"
                + "  -f FMT            the image format (probed when not given)\n"
                + "  --output=FORMAT   human (default) or json, with qemu-img's keys\n"
                + "  --backing-chain   show every image of the backing chain, top first\n"
                + "  -U, --force-share open without taking locks (the image may be in use)\n"
                + "  --allow-root DIR|URL  also open files the image names below DIR or a URL prefix\n"
                + "                    (http://HOST/DIR/, nbd://HOST:PORT/)";
    }

    @Override
    public int run(Invocation inv) throws Exception {
        Options o = spec().flag('U', FORCE_SHARE)
                .value((char) 0, "output").flag((char) 0, "backing-chain").parse(inv.args);
        String file = o.operands(1, 1, "filename").get(0);
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
