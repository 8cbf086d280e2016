package dev.outpost.http.internal;

import java.time.Duration;
import java.util.Optional;
import okhttp3.Headers;

/**
 * One fetch, as the params asked for it, limits already applied. {@code maxBytes} is the result's
 * byte budget: redirect URLs and locations, and the final headers and reason phrase when {@code headersInResult},
 * are spent from it first; the body gets what is left.
 */
public record FetchSpec(
        String method,
        String url,
        Headers headers,
        Optional<byte[]> body,
        Optional<String> contentType,
        Duration connectTimeout,
        Duration readTimeout,
        Duration timeout,
        boolean followRedirects,
        int maxRedirects,
        long maxBytes,
        boolean headersInResult) {}
