package org.strata.storage.http;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

/**
 * The two requests the backend makes, as QEMU's curl driver does: HEAD for the size (and the promise of
 * byte ranges), and GET with a Range header for data. Every request has an overall deadline, after which
 * it is cancelled, so a server that stops answering makes a read fail, never hang.
 */
final class RangeClient {

    static final String NO_RANGES = "Server does not support 'range' (byte ranges)";

    private final HttpClient client;
    private final Duration timeout;

    RangeClient(HttpClient client, Duration timeout) {
        this.client = client;
        this.timeout = timeout;
    }

    static HttpClient newHttpClient(HttpSettings settings) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL);
        if (settings.sslContext() != null) {
            b.sslContext(settings.sslContext());
        }
        return b.build();
    }

    /** The size of the resource, refusing a server that does not offer byte ranges. */
    long size(URI uri) throws IOException {
        HttpRequest head = request(uri).method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<Void> r = send(head, HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() != 200) {
            throw HttpStatusException.of(r.statusCode());
        }
        OptionalLong length = r.headers().firstValueAsLong("Content-Length");
        if (length.isEmpty() || length.getAsLong() < 0) {
            throw new HttpStatusException("Server didn't report the file size (no Content-Length)");
        }
        boolean ranges = r.headers().allValues("Accept-Ranges").stream()
                .anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("bytes"));
        if (!ranges) {
            throw new HttpStatusException(NO_RANGES);
        }
        return length.getAsLong();
    }

    /** Exactly {@code length} bytes at {@code offset}; a transport failure is tried once more. */
    byte[] read(URI uri, long offset, int length) throws IOException {
        try {
            return readOnce(uri, offset, length);
        } catch (HttpStatusException | HttpTimeoutException e) {
            throw e;
        } catch (IOException e) {
            // A kept-alive connection the server had closed, a reset: one more try on a fresh connection.
            return readOnce(uri, offset, length);
        }
    }

    private byte[] readOnce(URI uri, long offset, int length) throws IOException {
        HttpRequest get = request(uri).GET()
                .header("Range", "bytes=" + offset + "-" + (offset + length - 1))
                .build();
        HttpResponse<byte[]> r = send(get, info -> info.statusCode() == 206
                ? ExactLengthBody.of(length) : ExactLengthBody.rejecting());
        if (r.statusCode() == 200) {
            throw new HttpStatusException(NO_RANGES);
        }
        if (r.statusCode() != 206) {
            throw HttpStatusException.of(r.statusCode());
        }
        String contentRange = r.headers().firstValue("Content-Range").orElse("");
        if (!contentRange.startsWith("bytes " + offset + "-" + (offset + length - 1) + "/")) {
            throw new HttpStatusException("the server answered the range " + offset + "+" + length
                    + " with '" + contentRange + "'");
        }
        return r.body();
    }

    private HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(timeout).header("User-Agent", "Strata");
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
        CompletableFuture<HttpResponse<T>> f = client.sendAsync(request, handler);
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw timedOut();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } catch (CancellationException e) {
            throw new IOException("request cancelled");
        } catch (ExecutionException e) {
            throw describe(e.getCause());
        }
    }

    private HttpTimeoutException timedOut() {
        return new HttpTimeoutException("no answer within " + timeout.toSeconds() + " s (timed out)");
    }

    /** The transport failure as one line. */
    private IOException describe(Throwable t) {
        if (t instanceof HttpConnectTimeoutException) {
            return new HttpTimeoutException("Connection timed out");
        }
        if (t instanceof HttpTimeoutException) {
            return timedOut();
        }
        if (t instanceof ConnectException) {
            return new IOException("Connection refused", t);
        }
        if (t instanceof UnknownHostException) {
            return new IOException("Could not resolve host: " + t.getMessage(), t);
        }
        if (t instanceof SSLException) {
            return new IOException("TLS failure: " + t.getMessage(), t);
        }
        if (t instanceof IOException io) {
            return io.getMessage() == null ? new IOException(io.getClass().getSimpleName(), io) : io;
        }
        return new IOException(t.getMessage() == null ? t.toString() : t.getMessage(), t);
    }
}
