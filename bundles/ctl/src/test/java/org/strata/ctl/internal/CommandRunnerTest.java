package org.strata.ctl.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.strata.cli.wire.Request;

/** The session conventions, against a real Gogo runtime outside a framework. */
class CommandRunnerTest {

    private ThreadIOImpl threadIO;
    private CommandProcessorImpl processor;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<Class<?>> classesSeen = new ArrayList<>();

    @BeforeEach
    void gogo() {
        threadIO = new ThreadIOImpl();
        threadIO.start();
        processor = new CommandProcessorImpl(threadIO);
        processor.addCommand("test", (Function) (session, args) -> {
            for (Object a : args) {
                classesSeen.add(a.getClass());
                // arguments from exec/run must arrive as String, not as a parsed value (Boolean, Token, ...)
                System.out.println("[" + a + "]" + (a instanceof CharSequence ? "" : " " + a.getClass().getName()));
            }
            return null;
        }, "echo");
        processor.addCommand("test", (Function) (session, args) -> {
            session.put(CommandRunner.EXIT, Integer.valueOf(args.get(0).toString()));
            return null;
        }, "exit");
        processor.addCommand("test", (Function) (session, args) -> {
            throw new IllegalStateException("it broke\nsecond line");
        }, "fail");
        processor.addCommand("test", (Function) (session, args) -> "a result", "result");
        processor.addCommand("test", (Function) (session, args) -> {
            System.out.println("cwd=" + session.currentDir());
            System.out.println("tty=" + session.get(CommandRunner.TTY));
            System.out.println("debug=" + session.get(CommandRunner.DEBUG));
            System.out.println("roots=" + session.get(CommandRunner.ALLOW_ROOTS));
            System.err.println("to stderr");
            return null;
        }, "env");
    }

    @AfterEach
    void stop() {
        processor.stop();
        threadIO.stop();
    }

    private CommandRunner runner(boolean debug, List<String> roots) {
        Request request = new Request(Request.EXEC, "/work/place", true, debug, roots, List.of());
        return new CommandRunner(processor, request, new ByteArrayInputStream(new byte[0]), out, err);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void argumentsArriveExactlyAsGiven() {
        List<String> values = List.of("true", "false", "{", "}", "$x", "${x}", "a b", "", "-o", "key=val,k2=v2",
                "*", "?", "[a]", "a;b", "|", "'q'", "\"dq\"", "\\", "#", "2", "null", "(x)", "~", "a\nb", "é");
        List<String> argv = new ArrayList<>();
        argv.add("test:echo");
        argv.addAll(values);
        int status;
        try (CommandRunner runner = runner(false, List.of())) {
            status = runner.runArgv(argv);
        }
        StringBuilder expected = new StringBuilder();
        for (String v : values) {
            expected.append('[').append(v).append("]\n");
        }
        assertEquals("", err());
        assertEquals(expected.toString(), out());
        assertEquals(values.size(), classesSeen.size());
        assertTrue(classesSeen.stream().allMatch(String.class::equals), classesSeen.toString());
        assertEquals(0, status);
    }

    @Test
    void failuresAreOneLineAndAnInterruptionSaysSo() {
        assertEquals("first line", CommandRunner.oneLine(new java.io.IOException("first line\nsecond")));
        assertEquals("interrupted", CommandRunner.oneLine(new InterruptedException()));
    }

    @Test
    void unscopedNamesResolveLikeGogo() {
        try (CommandRunner runner = runner(false, List.of())) {
            assertEquals(0, runner.runArgv(List.of("echo", "x")));
        }
        assertEquals("[x]\n", out());
    }

    @Test
    void exitStatusComesFromTheSession() {
        try (CommandRunner runner = runner(false, List.of())) {
            assertEquals(3, runner.runArgv(List.of("test:exit", "3")));
            assertEquals(0, runner.runArgv(List.of("test:echo")), "the previous status must not leak");
        }
    }

    @Test
    void anExceptionIsOneLineAndStatusOne() {
        try (CommandRunner runner = runner(false, List.of())) {
            assertEquals(1, runner.runArgv(List.of("test:fail")));
        }
        assertEquals("strata: it broke\n", err());
    }

    @Test
    void debugAddsTheStackTrace() {
        try (CommandRunner runner = runner(true, List.of())) {
            assertEquals(1, runner.runArgv(List.of("test:fail")));
        }
        assertTrue(err().startsWith("strata: it broke\njava.lang.IllegalStateException"), err());
    }

    @Test
    void unknownCommand() {
        try (CommandRunner runner = runner(false, List.of())) {
            assertEquals(1, runner.runArgv(List.of("nope:nothing")));
        }
        assertEquals("strata: Command not found: nope:nothing\n", err());
    }

    @Test
    void aCommandNameIsNeverScript() {
        try (CommandRunner runner = runner(false, List.of())) {
            assertEquals(1, runner.runArgv(List.of("test:echo x; test:fail")));
        }
        assertTrue(err().startsWith("strata: not a command name"), err());
        assertEquals("", out());
    }

    @Test
    void resultsArePrintedLikeGogosConsole() {
        try (CommandRunner runner = runner(false, List.of())) {
            assertEquals(0, runner.runArgv(List.of("test:result")));
        }
        assertEquals("a result\n", out());
    }

    @Test
    void sessionCarriesTheCallersSettings() {
        try (CommandRunner runner = runner(true, List.of("rel/dir", "/abs/../abs2", "http://host/dir/"))) {
            assertEquals(0, runner.runArgv(List.of("test:env")));
        }
        // roots as given: the commands resolve a directory against cwd, and leave a URL prefix a URL
        assertEquals("cwd=/work/place\ntty=true\ndebug=true\nroots=[rel/dir, /abs/../abs2, http://host/dir/]\n",
                out());
        assertEquals("to stderr\n", err());
    }

    @Test
    void shellLinesShareOneSession() {
        try (CommandRunner runner = runner(false, List.of())) {
            assertEquals(0, runner.runLine("x = 'hello world'"));
            assertEquals(0, runner.runLine("test:echo $x"));
            assertEquals(4, runner.runLine("test:exit 4"));
        }
        assertTrue(out().endsWith("[hello world]\n"), out());
    }

    @Test
    void noGlobbing() {
        try (CommandRunner runner = runner(false, List.of())) {
            assertEquals(0, runner.runLine("test:echo *"));
        }
        assertEquals("[*]\n", out());
    }
}
