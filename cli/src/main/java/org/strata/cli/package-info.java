/**
 * Command lines as qemu-img reads them: {@link org.strata.cli.Options} (the one getopt-style parser, with the usage
 * text written from the same declarations) and {@link org.strata.cli.UsageException}. The launcher has this package
 * on its class path; the shell bundle embeds it privately (bnd {@code -conditionalpackage}), so no bundle exports it.
 */
package org.strata.cli;
