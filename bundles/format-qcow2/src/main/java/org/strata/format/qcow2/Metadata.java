package org.strata.format.qcow2;

/**
 * The kinds of metadata in a qcow2 image file, as the overlap check names them. All but the bitmap tables are
 * tracked by {@link Overlaps} (QEMU's check does not know bitmap tables either): a write of one kind may land on
 * its own kind (a table rewritten in place), never on another.
 */
enum Metadata {
    HEADER("header", "the header"),
    ACTIVE_L1("L1 table", "the active L1 table"),
    ACTIVE_L2("L2 table", "an active L2 table"),
    REFCOUNT_TABLE("refcount table", "the refcount table"),
    REFCOUNT_BLOCK("refcount block", "a refcount block"),
    SNAPSHOT_TABLE("snapshot table", "the snapshot table"),
    SNAPSHOT_L1("snapshot L1 table", "a snapshot's L1 table"),
    BITMAP_DIRECTORY("bitmap directory", "the bitmap directory"),
    BITMAP_TABLE("bitmap table", "a bitmap table");

    /** What a write of this kind is called in messages: "L2 table at 65536 would overwrite ...". */
    final String noun;
    /** What is in the way: "... would overwrite an active L2 table". */
    final String description;

    Metadata(String noun, String description) {
        this.noun = noun;
        this.description = description;
    }
}
