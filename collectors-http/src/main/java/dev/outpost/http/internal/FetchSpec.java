package dev.outpost.http.internal;

import java.time.Duration;
import java.util.Optional;
import okhttp3.Headers;

/** One fetch, as the params asked for it, limits already applied. */
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
        long maxBytes) {}
