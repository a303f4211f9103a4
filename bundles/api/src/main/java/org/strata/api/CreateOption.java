package org.strata.api;

/**
 * One creation option of a format, as {@code -o help} lists it.
 *
 * @param type  qemu-img's type word: {@code bool}, {@code size}, {@code str}, {@code num}
 */
public record CreateOption(String name, String type, String description, String defaultValue) {
}
