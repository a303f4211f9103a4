/**
 * Strata's service provider interface and I/O engine.
 *
 * <p>Storage backends implement {@link org.strata.api.StorageDriver} and {@link org.strata.api.Storage};
 * format drivers implement {@link org.strata.api.FormatDriver} and {@link org.strata.api.FormatImage}, whose
 * only job for data is to translate guest offsets into {@link org.strata.api.ShallowMapping}s.
 * {@link org.strata.api.FormatAccess} does all data I/O over those mappings.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.strata.api;
