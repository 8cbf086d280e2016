package dev.outpost.ops;

import dev.outpost.testkit.Fauxqs;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/** An S3 client for testkit's fauxqs emulator. */
final class FauxqsS3 {
    private FauxqsS3() {}

    static S3AsyncClient client(Fauxqs fauxqs) {
        return S3AsyncClient.builder().endpointOverride(fauxqs.endpoint()).region(Region.of(fauxqs.region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(fauxqs.accessKeyId(),
                        fauxqs.secretAccessKey())))
                .forcePathStyle(true).build();
    }
}
