package org.strata.launcher.client;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import org.strata.cli.wire.Request;
import org.strata.launcher.CommandLine;
import org.strata.launcher.LauncherException;

/**
 * The daemon's commands and their options, as {@code shell:commands --output=json} lists them: what the
 * interactive shell completes. Asked once, on a connection of its own, when the shell starts.
 */
final class CommandCatalog {

    private final Map<String, List<String>> optionsByCommand;

    private CommandCatalog(Map<String, List<String>> optionsByCommand) {
        this.optionsByCommand = optionsByCommand;
    }

    static CommandCatalog fetch(CommandLine commandLine) throws LauncherException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        DaemonClient client = DaemonClient.connect(commandLine.socket());
        try {
            client.send(commandLine.request(Request.EXEC, false, List.of("shell:commands", "--output=json")));
            if (client.awaitExit(out, err) != 0) {
                throw new LauncherException("cannot list the daemon's commands: "
                        + err.toString(StandardCharsets.UTF_8).strip());
            }
        } finally {
            client.close();
        }
        try {
            return parse(out.toString(StandardCharsets.UTF_8));
        } catch (JsonParseException | IllegalStateException | NullPointerException e) {
            throw new LauncherException("cannot read the daemon's command list: " + e.getMessage(), e);
        }
    }

    static CommandCatalog parse(String json) {
        Map<String, List<String>> options = new TreeMap<>();
        for (JsonElement command : JsonParser.parseString(json).getAsJsonArray()) {
            List<String> forms = command.getAsJsonObject().get("options").getAsJsonArray().asList().stream()
                    .map(JsonElement::getAsString).toList();
            options.put(command.getAsJsonObject().get("name").getAsString(), forms);
        }
        return new CommandCatalog(options);
    }

    /** Every command's name, sorted. */
    Iterable<String> commands() {
        return optionsByCommand.keySet();
    }

    /** A command's options as typed ({@code --name}, {@code --name=}); none for a command it does not know. */
    List<String> options(String command) {
        return optionsByCommand.getOrDefault(command, List.of());
    }
}
