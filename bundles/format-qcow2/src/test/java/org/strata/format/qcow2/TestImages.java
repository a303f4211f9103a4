package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;

import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.testkit.FileContext;

/** Creating and reading images with Strata in tests. */
final class TestImages {

    private TestImages() {
    }

    static Map<String, String> create(Path path, long size, Map<String, String> options) throws IOException {
        return create(path, new CreateRequest(size, options, null, null, true));
    }

    static Map<String, String> create(Path path, CreateRequest req) throws IOException {
        try (Storage s = TestContext.FILES.create(path.toString(), StorageOptions.READ_WRITE);
             FileContext ctx = TestContext.forImage(path.toString())) {
            return new Qcow2FormatDriver().create(s, req, ctx);
        }
    }

    static byte[] read(FormatAccess a, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        a.read(b, offset);
        return b.array();
    }
}
