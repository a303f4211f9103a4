package org.strata.shell;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.strata.core.agent.DriverRegistry;
import org.strata.core.agent.ImageService;
import org.strata.format.raw.RawFormatDriver;
import org.strata.storage.file.FileStorageDriver;

/** Runs Strata's commands in-process, as {@code strata run} would, with the real drivers. */
final class Shell {

    /** What a command printed and returned. */
    record Result(int status, String out, String err) {
        Result ok() {
            if (status != 0) {
                throw new AssertionError("status " + status + "\nout: " + out + "\nerr: " + err);
            }
            return this;
        }
    }

    private final Map<String, Command> commands = new HashMap<>();
    private final Path cwd;

    Shell(Path cwd) {
        this.cwd = cwd;
        DriverRegistry registry = new DriverRegistry();
        registry.addStorage(new FileStorageDriver());
        registry.addFormat(new RawFormatDriver());
        registry.addFormat(new org.strata.format.qcow2.Qcow2FormatDriver());
        ImageService images = new ImageService(registry, cwd, "run", List.of(), 5);
        OperationRunner runner = new OperationRunner(images, new org.strata.core.ops.JobManager());
        for (Command c : List.of(new InfoCommand(images), new CreateCommand(images), new IoCommand(images),
                new MapCommand(images), new CompareCommand(images), new ResizeCommand(images),
                new BenchCommand(images), new CheckCommand(images), new ConvertCommand(images, runner),
                new CommitCommand(images, runner), new RebaseCommand(images, runner, false),
                new RebaseCommand(images, runner, true), new SnapshotCommand(images), new MeasureCommand(images),
                new AmendCommand(images), new DriverListCommand(registry))) {
            commands.put(c.name(), c);
        }
    }

    Result run(String command, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream po = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream pe = new PrintStream(err, true, StandardCharsets.UTF_8);
        Command c = commands.get(command);
        if (c == null) {
            throw new AssertionError("no command " + command);
        }
        int status = GogoCommand.execute(c, new Invocation(new ArrayList<>(List.of(args)), po, pe, cwd, false, false,
                List.of()));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
