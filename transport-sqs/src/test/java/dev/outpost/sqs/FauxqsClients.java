package dev.outpost.sqs;

import dev.outpost.testkit.Fauxqs;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** SDK clients pointed at testkit's {@link Fauxqs}. */
final class FauxqsClients {
    private FauxqsClients() {}

    private static StaticCredentialsProvider credentials(Fauxqs f) {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(f.accessKeyId(), f.secretAccessKey()));
    }

    static SqsAsyncClient sqs(Fauxqs f) {
        return SqsAsyncClient.builder().endpointOverride(f.endpoint()).region(Region.of(f.region())).credentialsProvider(credentials(f))
                .build();
    }

    static SnsAsyncClient sns(Fauxqs f) {
        return SnsAsyncClient.builder().endpointOverride(f.endpoint()).region(Region.of(f.region())).credentialsProvider(credentials(f))
                .build();
    }

    static S3AsyncClient s3(Fauxqs f) {
        return s3(f, f.endpoint());
    }

    /** With fauxqs's credentials, at {@code endpoint} (a server in front of fauxqs's S3). */
    static S3AsyncClient s3(Fauxqs f, java.net.URI endpoint) {
        return S3AsyncClient.builder().endpointOverride(endpoint).region(Region.of(f.region())).credentialsProvider(credentials(f))
                .forcePathStyle(true).build();
    }
}
