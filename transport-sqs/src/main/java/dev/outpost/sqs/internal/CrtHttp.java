package dev.outpost.sqs.internal;

import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient;

/**
 * The AWS Common Runtime's HTTP client ({@code outpost.sqs.http-client: crt}), in a class of its own so that the
 * optional {@code aws-crt-client} is loaded only when it was chosen.
 */
final class CrtHttp {
    private CrtHttp() {}

    static SdkAsyncHttpClient.Builder<?> builder() {
        return AwsCrtAsyncHttpClient.builder();
    }
}
