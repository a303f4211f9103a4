package org.strata.testkit;

import java.io.IOException;

import org.strata.api.FormatAccess;
import org.strata.api.ImageContext;
import org.strata.api.Storage;

/** An {@link ImageContext} for an image that names no other file; any reference is refused. */
public record StandaloneContext(String location, boolean writable) implements ImageContext {

    @Override
    public boolean openBacking() {
        return true;
    }

    @Override
    public FormatAccess openBacking(String reference, String format) throws IOException {
        throw new IOException("this test opens no backing file (" + reference + ")");
    }

    @Override
    public Storage openFile(String reference, boolean w) throws IOException {
        throw new IOException("this test opens no referenced file (" + reference + ")");
    }

    @Override
    public Storage createFile(String reference) throws IOException {
        throw new IOException("this test creates no referenced file (" + reference + ")");
    }
}
