package org.strata.shell;

/** One shell command, such as {@code image:info}. */
interface Command {

    /** {@code scope:function}. */
    String name();

    /** The usage text {@code --help} prints (without a trailing newline). */
    String usage();

    /** Runs the command and returns its exit status. Failures throw; the adapter prints one line. */
    int run(Invocation inv) throws Exception;
}
