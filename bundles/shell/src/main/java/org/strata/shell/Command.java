package org.strata.shell;

import org.strata.cli.Options;

/** One shell command, such as {@code image:info}. */
interface Command {

    /**
     * The command's name and options, each option declared once with its description: they parse its arguments,
     * and {@code --help} prints the usage they write.
     */
    Options.Spec options();

    /** {@code scope:function}. */
    default String name() {
        return options().command();
    }

    /** One line for the command list. */
    String summary();

    /** Runs the command and returns its exit status. Failures throw; the adapter prints one line. */
    int run(Invocation inv) throws Exception;
}
