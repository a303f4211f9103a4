/**
 * Strata's service provider interface: what format drivers and storage backends implement and see.
 *
 * <p>Storage backends implement {@link org.strata.api.StorageDriver} and {@link org.strata.api.Storage};
 * format drivers implement {@link org.strata.api.FormatDriver} and {@link org.strata.api.FormatImage}, whose
 * only job for data is to translate guest offsets into {@link org.strata.api.ShallowMapping}s. An open image,
 * whatever its format, is a {@link org.strata.api.FormatAccess}: the agent's engine (in core, not here) does all
 * data I/O over the mappings and runs every operation on the image under its lock. Types the agent implements
 * and drivers only use are {@link org.osgi.annotation.versioning.ProviderType}s, so adding to them is a minor
 * change; types drivers implement are consumer types.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.2.0")
package org.strata.api;
