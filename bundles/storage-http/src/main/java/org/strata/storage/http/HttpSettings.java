package org.strata.storage.http;

import java.time.Duration;

import javax.net.ssl.SSLContext;

/**
 * Tuning of the HTTP backend.
 *
 * @param connectTimeout  how long establishing a connection may take
 * @param requestTimeout  how long one request may take in all, headers and body
 * @param blockSize       the unit of range requests and of the cache (the read-ahead: a small read fetches
 *                        the whole block around it, as QEMU's curl driver reads ahead 256 KiB)
 * @param cacheBlocks     how many blocks the cache keeps (memory bound: {@code blockSize * cacheBlocks})
 * @param connections     range requests in flight at once per image (HTTP/1.1: one connection each)
 * @param sslContext      TLS settings for https, or null for the JVM's default (certificates verified)
 */
record HttpSettings(Duration connectTimeout, Duration requestTimeout, int blockSize, int cacheBlocks,
                    int connections, SSLContext sslContext) {

    static final HttpSettings DEFAULT = new HttpSettings(Duration.ofSeconds(10), Duration.ofSeconds(30),
            256 * 1024, 32, 4, null);

    HttpSettings {
        if (blockSize <= 0 || cacheBlocks <= 0 || connections <= 0) {
            throw new IllegalArgumentException("block size, cache blocks and connections must be positive");
        }
    }

    HttpSettings withTimeouts(Duration connect, Duration request) {
        return new HttpSettings(connect, request, blockSize, cacheBlocks, connections, sslContext);
    }

    HttpSettings withSslContext(SSLContext context) {
        return new HttpSettings(connectTimeout, requestTimeout, blockSize, cacheBlocks, connections, context);
    }

    HttpSettings withBlocks(int size, int count) {
        return new HttpSettings(connectTimeout, requestTimeout, size, count, connections, sslContext);
    }
}
