package org.strata.shell;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parsed command-line options in qemu-img's (getopt_long's) style: short options, clustered ({@code -pU}) or
 * with attached values ({@code -fqcow2}); long options as {@code --name=value} or {@code --name value}; options
 * and operands in any order; {@code --} ends the options.
 */
final class Options {

    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final List<String> operands = new ArrayList<>();

    /** Declares which options exist. */
    static final class Spec {
        private final Map<Character, String> shortNames = new HashMap<>();
        private final Map<String, Boolean> takesValue = new HashMap<>();
        private boolean getopt;

        /**
         * Errors worded as C's getopt words them ("invalid option -- 'x'"), as qemu-io's commands print them;
         * otherwise as qemu-img words them ("unrecognized option '-x'", naming the argument as given).
         */
        Spec getoptMessages() {
            getopt = true;
            return this;
        }

        private UsageException unknown(String arg, String option) {
            return new UsageException(getopt ? option.startsWith("--") ? "unrecognized option '" + option + "'"
                    : "invalid option -- '" + option.charAt(1) + "'" : "unrecognized option '" + arg + "'");
        }

        private UsageException missingValue(String arg, String option) {
            return new UsageException(getopt ? option.startsWith("--") ? "option '" + option
                    + "' requires an argument" : "option requires an argument -- '" + option.charAt(1) + "'"
                    : "missing argument for option '" + arg + "'");
        }

        /** An option: a short letter (or 0), its long name, whether it takes a value. */
        Spec opt(char shortName, String longName, boolean value) {
            if (shortName != 0) {
                shortNames.put(shortName, longName);
            }
            takesValue.put(longName, value);
            return this;
        }

        Spec flag(char shortName, String longName) {
            return opt(shortName, longName, false);
        }

        Spec value(char shortName, String longName) {
            return opt(shortName, longName, true);
        }

        Options parse(List<String> args) {
            Options o = new Options();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--")) {
                    o.operands.addAll(args.subList(i + 1, args.size()));
                    break;
                } else if (a.startsWith("--")) {
                    int eq = a.indexOf('=');
                    String name = eq < 0 ? a.substring(2) : a.substring(2, eq);
                    Boolean needs = takesValue.get(name);
                    if (needs == null) {
                        throw unknown(a, "--" + name);
                    }
                    if (needs) {
                        String v;
                        if (eq >= 0) {
                            v = a.substring(eq + 1);
                        } else if (i + 1 < args.size()) {
                            v = args.get(++i);
                        } else {
                            throw missingValue(a, "--" + name);
                        }
                        o.add(name, v);
                    } else if (eq >= 0) {
                        throw new UsageException(getopt ? "option '--" + name + "' doesn't allow an argument"
                                : "unrecognized option '" + a + "'");
                    } else {
                        o.add(name, "");
                    }
                } else if (a.startsWith("-") && a.length() > 1) {
                    for (int j = 1; j < a.length(); j++) {
                        char c = a.charAt(j);
                        String name = shortNames.get(c);
                        if (name == null) {
                            throw unknown(a, "-" + c);
                        }
                        if (takesValue.get(name)) {
                            String v;
                            if (j + 1 < a.length()) {
                                v = a.substring(j + 1);
                            } else if (i + 1 < args.size()) {
                                v = args.get(++i);
                            } else {
                                throw missingValue(a, "-" + c);
                            }
                            o.add(name, v);
                            break;
                        }
                        o.add(name, "");
                    }
                } else {
                    o.operands.add(a);
                }
            }
            return o;
        }
    }

    private void add(String name, String value) {
        values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The last value given for the option, or {@code def}. */
    String get(String name, String def) {
        List<String> v = values.get(name);
        return v == null ? def : v.get(v.size() - 1);
    }

    String get(String name) {
        return get(name, null);
    }

    /** Every value given for a repeatable option, in order. */
    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    List<String> operands() {
        return operands;
    }

    /** The operands, failing unless there are between {@code min} and {@code max}. */
    List<String> operands(int min, int max, String what) {
        if (operands.size() < min) {
            throw new UsageException("Expecting " + what);
        }
        if (operands.size() > max) {
            throw new UsageException("Unexpected argument: " + operands.get(max));
        }
        return operands;
    }

    /** The value of {@code --output}: "human" (default) or "json". */
    boolean json() {
        String f = get("output", "human");
        if (f.equals("json")) {
            return true;
        }
        if (f.equals("human")) {
            return false;
        }
        throw new UsageException("--output must be used with human or json as argument.");
    }
}
