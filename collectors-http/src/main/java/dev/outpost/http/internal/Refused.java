package dev.outpost.http.internal;

import dev.outpost.http.EgressDeniedException;
import java.net.UnknownHostException;

/**
 * Carries an egress refusal through OkHttp, which only lets {@link java.io.IOException}s out of
 * its {@code Dns} and interceptors. An {@link UnknownHostException} so that the Dns contract holds;
 * OkHttp does not retry it (retry on connection failure is off).
 */
final class Refused extends UnknownHostException {
    private static final long serialVersionUID = 1L;
    private final transient EgressDeniedException denial;

    Refused(EgressDeniedException denial) {
        super(denial.getMessage());
        this.denial = denial;
    }

    EgressDeniedException denial() {
        return denial;
    }
}
