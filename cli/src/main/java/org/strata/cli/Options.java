package org.strata.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A command line read as qemu-img reads its own (getopt_long): short options, clustered ({@code -pU}) or with
 * attached values ({@code -fqcow2}); long options as {@code --name=value} or {@code --name value}, or shortened
 * to any unambiguous prefix ({@code --out=json}); options and operands in any order (unless the
 * {@link Spec#optionsFirst() options come first}); {@code --} ends the options. Every option may be given more
 * than once: {@link #get} takes the last value, {@link #all} every value of a {@link Spec#repeatable()} one.
 * <p>
 * Each command declares its options once, in a {@link Spec}, with a description; the spec parses the command
 * line and writes the usage text ({@link Spec#usage()}).
 */
public final class Options {

    private final Spec spec;
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final List<String> operands = new ArrayList<>();
    private final List<Given> given = new ArrayList<>();

    /** One option as given: its long name and its value ("" for a flag). */
    public record Given(String name, String value) {
    }

    private Options(Spec spec) {
        this.spec = spec;
    }

    /**
     * Whether the option (by its long name) was given. An option the spec does not declare is never given, so code
     * shared by several commands may ask for one that only some of them take.
     */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The last value given for the option, or {@code def}. */
    public String get(String name, String def) {
        List<String> v = values.get(name);
        return v == null ? def : v.get(v.size() - 1);
    }

    /** The last value given for the option, or null. */
    public String get(String name) {
        return get(name, null);
    }

    /** Every value given for the option, in order; the spec must declare it {@link Spec#repeatable()}. */
    public List<String> all(String name) {
        Option option = spec.byLongName.get(name);
        if (option != null && !option.repeatable) {
            throw new IllegalArgumentException(spec.command + ": --" + name + " is not declared repeatable");
        }
        List<String> v = values.get(name);
        return v == null ? Collections.<String>emptyList() : Collections.unmodifiableList(v);
    }

    /** Every option given, in the order given (for a command whose options are steps, as image:bitmap's). */
    public List<Given> inOrder() {
        return Collections.unmodifiableList(given);
    }

    /** The operands (positional arguments), in order. */
    public List<String> operands() {
        return Collections.unmodifiableList(operands);
    }

    /**
     * The operands, failing with "Expecting WHAT" unless there are exactly {@code count}, as qemu-img's commands
     * check theirs ("Expecting one image file name").
     */
    public List<String> operands(int count, String what) {
        if (operands.size() != count) {
            throw new UsageException("Expecting " + what);
        }
        return operands();
    }

    /**
     * The operands, failing as qemu-img does unless there are between {@code min} and {@code max}: "Expecting WHAT"
     * for too few, "Unexpected argument: ARG" for too many.
     */
    public List<String> operands(int min, int max, String what) {
        if (operands.size() < min) {
            throw new UsageException("Expecting " + what);
        }
        if (operands.size() > max) {
            throw new UsageException("Unexpected argument: " + operands.get(max));
        }
        return operands();
    }

    /** The value of qemu-img's {@code --output}: false for "human" (the default), true for "json". */
    public boolean json() {
        String f = get("output", "human");
        if (f.equals("json")) {
            return true;
        }
        if (f.equals("human")) {
            return false;
        }
        throw new UsageException("--output must be used with human or json as argument.");
    }

    private void add(Option option, String value) {
        List<String> v = values.get(option.longName);
        if (v == null) {
            v = new ArrayList<>();
            values.put(option.longName, v);
        }
        v.add(value);
        given.add(new Given(option.longName, value));
    }

    /** One declared option. */
    private static final class Option {
        /** 0: none */
        final char shortName;
        final String longName;
        /** what the value stands for in the usage ({@code FMT}); null for a flag */
        final String argument;
        final String description;
        boolean repeatable;

        Option(char shortName, String longName, String argument, String description) {
            this.shortName = shortName;
            this.longName = longName;
            this.argument = argument;
            this.description = description;
        }

        boolean takesValue() {
            return argument != null;
        }

        /** As the synopsis shows it: the short form where there is one, as qemu-img's help does. */
        String synopsis() {
            String form = shortName != 0 ? "-" + shortName + (takesValue() ? " " + argument : "")
                    : "--" + longName + (takesValue() ? "=" + argument : "");
            return "[" + form + "]" + (repeatable ? "..." : "");
        }

        /** As the list of options shows it: every spelling. */
        String names() {
            String name = (shortName != 0 ? "-" + shortName + ", " : "") + "--" + longName;
            return takesValue() ? name + "=" + argument : name;
        }
    }

    /** The options a command takes, each declared once: they parse its command line and write its usage. */
    public static final class Spec {

        private static final int WIDTH = 100;
        /** where descriptions start in the list; a longer name puts its description on the next line */
        private static final int COLUMN = 26;

        private final String command;
        private final String operandSynopsis;
        private final List<Option> options = new ArrayList<>();
        private final Map<Character, Option> byShortName = new HashMap<>();
        private final Map<String, Option> byLongName = new LinkedHashMap<>();
        private final List<String[]> operandDescriptions = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();
        private boolean getopt;
        private boolean optionsFirst;

        /**
         * @param command  the command's name, as the usage shows it
         * @param operands the operands as the usage's synopsis shows them, e.g. {@code FILE [SIZE]} (may be empty)
         */
        public Spec(String command, String operands) {
            this.command = command;
            this.operandSynopsis = operands;
        }

        /** The command's name. */
        public String command() {
            return command;
        }

        /** A flag: a short letter (or 0), its long name, what it does. */
        public Spec flag(char shortName, String longName, String description) {
            return declare(new Option(shortName, longName, null, description));
        }

        /** An option with a value: a short letter (or 0), its long name, what the value stands for, what it does. */
        public Spec value(char shortName, String longName, String argument, String description) {
            return declare(new Option(shortName, longName, argument, description));
        }

        private Spec declare(Option option) {
            if (byLongName.containsKey(option.longName)
                    || option.shortName != 0 && byShortName.containsKey(option.shortName)) {
                throw new IllegalArgumentException(command + ": option " + option.names() + " declared twice");
            }
            options.add(option);
            byLongName.put(option.longName, option);
            if (option.shortName != 0) {
                byShortName.put(option.shortName, option);
            }
            return this;
        }

        /**
         * Every option's long form as a user types it: {@code --name} for a flag, {@code --name=} for an option
         * with a value (what a shell completes).
         */
        public List<String> longForms() {
            List<String> forms = new ArrayList<>();
            for (Option option : options) {
                forms.add("--" + option.longName + (option.takesValue() ? "=" : ""));
            }
            return forms;
        }

        /** The option declared last is meant to be given several times ({@link Options#all}). */
        public Spec repeatable() {
            options.get(options.size() - 1).repeatable = true;
            return this;
        }

        /** Describes an operand of the synopsis in the usage's list. */
        public Spec operand(String name, String description) {
            operandDescriptions.add(new String[] {name, description});
            return this;
        }

        /** A paragraph after the list (exit statuses, how options combine); lines break at {@code \n}. */
        public Spec note(String text) {
            notes.add(text);
            return this;
        }

        /**
         * Errors worded as C's getopt words them ("invalid option -- 'x'"), as qemu-io's commands print them;
         * otherwise as qemu-img words them ("unrecognized option '-x'", naming the argument as given).
         */
        public Spec getoptMessages() {
            getopt = true;
            return this;
        }

        /**
         * Options end at the first operand (getopt's {@code +}): everything from there on is an operand, as a
         * launcher's subcommand and its arguments are.
         */
        public Spec optionsFirst() {
            optionsFirst = true;
            return this;
        }

        /** Reads a command line; wrong options fail with a {@link UsageException} worded as qemu-img's. */
        public Options parse(List<String> args) {
            Options o = new Options(this);
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--")) {
                    o.operands.addAll(args.subList(i + 1, args.size()));
                    break;
                } else if (a.startsWith("--")) {
                    i = parseLong(o, args, i);
                } else if (a.startsWith("-") && a.length() > 1) {
                    i = parseShort(o, args, i);
                } else if (optionsFirst) {
                    o.operands.addAll(args.subList(i, args.size()));
                    break;
                } else {
                    o.operands.add(a);
                }
            }
            return o;
        }

        /** {@code --name}, {@code --name=value} or {@code --name value} at {@code i}; returns the last index used. */
        private int parseLong(Options o, List<String> args, int i) {
            String a = args.get(i);
            int eq = a.indexOf('=');
            String name = eq < 0 ? a.substring(2) : a.substring(2, eq);
            Option option = longOption(name);
            if (option == null) {
                throw unknown(a, "--" + name);
            }
            if (!option.takesValue()) {
                if (eq >= 0) {
                    throw new UsageException(getopt ? "option '--" + option.longName + "' doesn't allow an argument"
                            : "unrecognized option '" + a + "'");
                }
                o.add(option, "");
                return i;
            }
            if (eq >= 0) {
                o.add(option, a.substring(eq + 1));
                return i;
            }
            if (i + 1 >= args.size()) {
                throw missingValue(a, "--" + option.longName);
            }
            o.add(option, args.get(i + 1));
            return i + 1;
        }

        /** The option a long name means: itself, or the one option it is a prefix of (as getopt_long allows). */
        private Option longOption(String name) {
            Option exact = byLongName.get(name);
            if (exact != null || name.isEmpty()) {
                return exact;
            }
            Option match = null;
            for (Option option : options) {
                if (option.longName.startsWith(name)) {
                    if (match != null) {
                        return null; // ambiguous: refused as unknown, as qemu-img does
                    }
                    match = option;
                }
            }
            return match;
        }

        /** A cluster of short options at {@code i}, the last perhaps with its value; returns the last index used. */
        private int parseShort(Options o, List<String> args, int i) {
            String a = args.get(i);
            for (int j = 1; j < a.length(); j++) {
                char c = a.charAt(j);
                Option option = byShortName.get(c);
                if (option == null) {
                    throw unknown(a, "-" + c);
                }
                if (!option.takesValue()) {
                    o.add(option, "");
                } else if (j + 1 < a.length()) {
                    o.add(option, a.substring(j + 1));
                    return i;
                } else if (i + 1 < args.size()) {
                    o.add(option, args.get(i + 1));
                    return i + 1;
                } else {
                    throw missingValue(a, "-" + c);
                }
            }
            return i;
        }

        private UsageException unknown(String arg, String option) {
            if (!getopt) {
                return new UsageException("unrecognized option '" + arg + "'");
            }
            return new UsageException(option.startsWith("--") ? "unrecognized option '" + option + "'"
                    : "invalid option -- '" + option.charAt(1) + "'");
        }

        private UsageException missingValue(String arg, String option) {
            if (!getopt) {
                return new UsageException("missing argument for option '" + arg + "'");
            }
            return new UsageException(option.startsWith("--") ? "option '" + option + "' requires an argument"
                    : "option requires an argument -- '" + option.charAt(1) + "'");
        }

        /** The synopsis on one line: {@code usage: NAME [OPTION]... OPERANDS}, as a usage error quotes it. */
        public String synopsis() {
            StringBuilder out = new StringBuilder("usage: " + command);
            for (String word : synopsisWords()) {
                out.append(' ').append(word);
            }
            return out.toString();
        }

        private List<String> synopsisWords() {
            List<String> words = new ArrayList<>();
            for (Option option : options) {
                words.add(option.synopsis());
            }
            if (!operandSynopsis.isEmpty()) {
                words.add(operandSynopsis);
            }
            return words;
        }

        /**
         * What {@code --help} prints: the synopsis, one line for each option and described operand, then the notes;
         * no trailing newline.
         */
        public String usage() {
            StringBuilder out = new StringBuilder();
            String head = "usage: " + command;
            wrap(out, head + " ", synopsisWords(), spaces(head.length() + 1));
            for (Option option : options) {
                item(out, option.names(), option.description);
            }
            for (String[] operand : operandDescriptions) {
                item(out, operand[0], operand[1]);
            }
            for (String note : notes) {
                for (String line : note.split("\n", -1)) {
                    wrap(out.append('\n'), "  ", Arrays.asList(line.split(" ")), "  ");
                }
            }
            return out.toString();
        }

        private static void item(StringBuilder out, String name, String description) {
            out.append("\n  ").append(name);
            String indent = spaces(COLUMN);
            if (name.length() + 2 > COLUMN - 2) {
                out.append('\n').append(indent);
            } else {
                out.append(spaces(COLUMN - 2 - name.length()));
            }
            wrap(out, "", Arrays.asList(description.split(" ")), indent);
        }

        /**
         * Appends {@code first}, then the words separated by spaces, breaking lines before {@link #WIDTH} and
         * indenting the lines it adds.
         */
        private static void wrap(StringBuilder out, String first, List<String> words, String indent) {
            out.append(first);
            int lineStart = out.lastIndexOf("\n") + 1;
            boolean lineEmpty = true;
            for (String word : words) {
                if (!lineEmpty && out.length() - lineStart + 1 + word.length() > WIDTH) {
                    out.append('\n');
                    lineStart = out.length();
                    out.append(indent);
                    lineEmpty = true;
                }
                if (!lineEmpty) {
                    out.append(' ');
                }
                out.append(word);
                lineEmpty = false;
            }
        }

        private static String spaces(int n) {
            StringBuilder s = new StringBuilder(n);
            for (int i = 0; i < n; i++) {
                s.append(' ');
            }
            return s.toString();
        }
    }
}
