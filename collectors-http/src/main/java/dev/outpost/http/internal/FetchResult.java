package dev.outpost.http.internal;

import dev.outpost.http.Redirect;
import dev.outpost.http.TlsInfo;
import java.util.List;
import java.util.Optional;
import okhttp3.Headers;
import okhttp3.MediaType;

/** What a fetch got: the final response, its body up to the limit, and the way there. */
public record FetchResult(
        String url,
        String finalUrl,
        List<Redirect> redirects,
        int status,
        String message,
        String protocol,
        Headers headers,
        Optional<MediaType> contentType,
        byte[] body,
        boolean truncated,
        long elapsedNanos,
        Optional<TlsInfo> tls) {}
