package org.strata.storage.http;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.util.Locale;

import org.osgi.service.component.annotations.Component;
import org.strata.api.Storage;
import org.strata.api.StorageDriver;
import org.strata.api.StorageOptions;
import org.strata.api.StoragePath;
import org.strata.api.UnsupportedFeatureException;

/**
 * The {@code http} backend: read-only images behind http:// and https:// URLs, as QEMU's curl driver (so the
 * cache modes change nothing: there is nothing to write).
 */
@Component(service = StorageDriver.class, property = StorageDriver.PROPERTY + "=http")
public final class HttpStorageDriver implements StorageDriver {

    private final HttpSettings settings;
    private volatile HttpClient client;

    public HttpStorageDriver() {
        this(HttpSettings.DEFAULT);
    }

    HttpStorageDriver(HttpSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "http";
    }

    @Override
    public boolean accepts(String location) {
        String l = location.toLowerCase(Locale.ROOT);
        return l.startsWith("http://") || l.startsWith("https://");
    }

    /** Scheme, host and port, then the decoded path: {@code http://host/dir} holds {@code http://host:80/dir/x}. */
    @Override
    public StoragePath pathOf(String location) throws IOException {
        URI uri = parse(location);
        return StoragePath.ofUrl(uri, uri.getScheme().equalsIgnoreCase("https") ? 443 : 80);
    }

    @Override
    public Storage open(String location, StorageOptions options) throws IOException {
        if (options.writable()) {
            throw new UnsupportedFeatureException("Could not open '" + location
                    + "' for writing: the http backend is read-only");
        }
        URI uri = parse(location);
        try {
            RangeClient rc = new RangeClient(client(), settings.requestTimeout());
            return new HttpStorage(location, uri, rc.size(uri), rc, settings);
        } catch (IOException e) {
            throw new IOException("Could not open '" + location + "': " + e.getMessage(), e);
        }
    }

    @Override
    public Storage create(String location, StorageOptions options) throws IOException {
        throw new UnsupportedFeatureException("Could not create '" + location + "': the http backend is read-only");
    }

    private static URI parse(String location) throws IOException {
        URI uri;
        try {
            uri = new URI(location);
        } catch (URISyntaxException e) {
            throw new IOException("Could not open '" + location + "': invalid URL (" + e.getReason() + ")");
        }
        if (uri.getHost() == null) {
            throw new IOException("Could not open '" + location + "': the URL names no host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new UnsupportedFeatureException("Could not open '" + location
                    + "': credentials in the URL are not supported");
        }
        return uri;
    }

    /** One client for all images: it pools the kept-alive connections. */
    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    c = RangeClient.newHttpClient(settings);
                    client = c;
                }
            }
        }
        return c;
    }
}
