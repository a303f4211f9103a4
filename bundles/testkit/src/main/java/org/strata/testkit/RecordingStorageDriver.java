package org.strata.testkit;

import java.io.IOException;

import org.strata.api.Storage;
import org.strata.api.StorageDriver;
import org.strata.api.StorageOptions;
import org.strata.api.StoragePath;

/**
 * A storage driver that hands out {@link RecordingStorage}s of another's storages: every storage opened for
 * writing or created records into one {@link WriteLog}; read-only storages (a backing file) are passed on as they
 * are. Give it to {@link FileContext} and every file an image writes (its own, an external data file, an
 * extent) is recorded.
 */
public final class RecordingStorageDriver implements StorageDriver {

    private final StorageDriver inner;
    private final WriteLog log;

    public RecordingStorageDriver(StorageDriver inner, WriteLog log) {
        this.inner = inner;
        this.log = log;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public boolean accepts(String location) {
        return inner.accepts(location);
    }

    @Override
    public StoragePath pathOf(String location) throws IOException {
        return inner.pathOf(location);
    }

    @Override
    public Storage open(String location, StorageOptions options) throws IOException {
        return record(inner.open(location, options), options);
    }

    @Override
    public Storage create(String location, StorageOptions options) throws IOException {
        Storage s = inner.create(location, options);
        if (log.tracks(s.location())) {
            log.completed(log.resizing(s.location(), 0)); // created again: it starts empty
        }
        return record(s, options);
    }

    private Storage record(Storage s, StorageOptions options) throws IOException {
        if (!options.writable()) {
            return s;
        }
        try {
            return new RecordingStorage(s, log);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }
}
