package org.strata.nbd;

/**
 * One served export.
 *
 * @param name        the export name
 * @param description the description given when it was added (may be empty)
 * @param writable    whether clients may write
 * @param size        the image size in bytes when last seen
 * @param connections how many clients are connected to it now
 */
public record ExportInfo(String name, String description, boolean writable, long size, int connections) {
}
