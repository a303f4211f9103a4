/**
 * Opening and creating images: the one gate through which every file an image names is opened (relative
 * names, allowed roots, recorded formats, loop refusal), format probing for the image the user names, and
 * the driver lookup it all rests on. Plain classes, usable without a framework.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.1.0")
package org.strata.core.image;
