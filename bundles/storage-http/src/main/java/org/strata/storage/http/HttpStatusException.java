package org.strata.storage.http;

import java.io.IOException;

/** The server answered, but not with what was asked for (an error status, no range support): not retried. */
final class HttpStatusException extends IOException {
    private static final long serialVersionUID = 1L;

    HttpStatusException(String message) {
        super(message);
    }

    /** "HTTP error 404 (Not Found)". */
    static HttpStatusException of(int status) {
        String reason = reason(status);
        return new HttpStatusException("HTTP error " + status + (reason.isEmpty() ? "" : " (" + reason + ")"));
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 410 -> "Gone";
            case 416 -> "Range Not Satisfiable";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "";
        };
    }
}
