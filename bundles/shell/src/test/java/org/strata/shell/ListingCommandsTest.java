package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.core.agent.Mode;

/** The listing commands: tables aligned whatever their cells hold, and JSON with --output=json. */
class ListingCommandsTest {

    @TempDir
    Path dir;

    /** Columns line up under their headings however long a node's name is. */
    @Test
    void nodeListColumnsStayAlignedPastLongNames() {
        Qemu q = new Qemu(dir);
        q.img("create", "-q", "-f", "qcow2", "a.qcow2", "1M");
        q.img("create", "-q", "-f", "raw", "b.raw", "1M");
        Shell daemon = new Shell(dir, Mode.DAEMON, List.of());
        daemon.run("node:add", "--name", "a-node-with-a-name-longer-than-any-column", "a.qcow2").ok();
        daemon.run("node:add", "--name", "b", "-f", "raw", "b.raw").ok();
        List<String> lines = daemon.run("node:list").ok().out().lines().toList();
        int state = lines.get(0).indexOf("STATE");
        int format = lines.get(0).indexOf("FORMAT");
        List<String> rows = new ArrayList<>();
        for (String line : lines) {
            if (!line.startsWith(" ")) {
                rows.add(line);
            }
        }
        assertEquals(3, rows.size(), String.join("\n", lines));
        for (String row : rows.subList(1, rows.size())) {
            assertTrue(row.charAt(state - 1) == ' ' && row.charAt(state) != ' ', String.join("\n", lines));
            assertTrue(row.substring(format).startsWith("qcow2") || row.substring(format).startsWith("raw"),
                    String.join("\n", lines));
        }
    }

    /** shell:commands lists every command; its JSON names each command's options, which the shell completes. */
    @Test
    void commandListNamesEveryCommandAndItsOptions() {
        Shell shell = new Shell(dir);
        String human = shell.run("shell:commands").ok().out();
        for (Command c : shell.commands()) {
            assertTrue(human.contains("\n" + c.name() + " "), human);
        }
        JsonArray list = JsonParser.parseString(shell.run("shell:commands", "--output=json").ok().out())
                .getAsJsonArray();
        assertEquals(shell.commands().size(), list.size());
        JsonObject info = null;
        for (JsonElement e : list) {
            if (e.getAsJsonObject().get("name").getAsString().equals("image:info")) {
                info = e.getAsJsonObject();
            }
        }
        assertTrue(info != null, list.toString());
        String options = info.get("options").toString();
        assertTrue(options.contains("\"--format=\"") && options.contains("\"--backing-chain\"")
                && options.contains("\"--help\""), options);
    }
}
