package org.strata.core.agent;

/**
 * A registered driver as {@code driver:list} shows it.
 *
 * @param kind "format" or "storage"
 */
public record DriverInfo(String kind, String name, String bundle, String version) {
}
