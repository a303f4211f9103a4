/**
 * Long operations on images (convert, commit, rebase, stream): each an {@link org.strata.core.ops.Operation}
 * that reports progress and stops at a consistent point when cancelled, run inline by a command or in the
 * background as a job of the {@link org.strata.core.ops.JobManager}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.strata.core.ops;
