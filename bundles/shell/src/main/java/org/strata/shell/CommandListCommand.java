package org.strata.shell;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.strata.cli.Options;

/**
 * {@code shell:commands}: every Strata command with its summary; as JSON also each command's options, which the
 * interactive shell completes.
 */
final class CommandListCommand implements Command {

    private static final Options.Spec OPTIONS = new Options.Spec("shell:commands", "")
            .value((char) 0, "output", "human|json", "human (default) or json (with each command's options)")
            .note("Every command prints its usage with --help.");

    private final List<Command> commands;

    /** @param commands every command, this one included (read when the command runs) */
    CommandListCommand(List<Command> commands) {
        this.commands = commands;
    }

    @Override
    public String summary() {
        return "list the commands with a line on each";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) {
        Options o = OPTIONS.parse(inv.args);
        o.operands(0, 0, "no arguments");
        if (o.json()) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (Command c : commands) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", c.name());
                m.put("summary", c.summary());
                List<String> forms = new ArrayList<>(c.options().longForms());
                forms.add("--help");
                m.put("options", forms);
                out.add(m);
            }
            inv.out.println(Json.GSON.toJson(out));
        } else {
            Table table = new Table("COMMAND", "SUMMARY");
            for (Command c : commands) {
                table.row(c.name(), c.summary());
            }
            table.print(inv.out);
        }
        return 0;
    }
}
