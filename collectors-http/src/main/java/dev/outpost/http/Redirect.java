package dev.outpost.http;

import java.util.Objects;

/**
 * One redirect that was followed.
 *
 * @param url the URL that answered with a redirect
 * @param status its status (301, 302, 303, 307 or 308)
 * @param location the absolute URL it pointed to
 */
public record Redirect(String url, int status, String location) {
    /** Validates the components. */
    public Redirect {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(location, "location");
    }
}
