package dev.outpost.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import java.net.URI;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * A child JVM that exports a day to fauxqs's S3 and, after {@code args[3]} data objects, reports
 * and blocks on its standard input until it is killed (kill -9 by the test).
 */
public final class ExportChildMain {
    private ExportChildMain() {}

    static List<JsonNode> records(LocalDate day) {
        List<JsonNode> out = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            out.add(Json.parse("{\"day\":\"" + day + "\",\"n\":" + i + ",\"host\":\"web-" + (i % 7) + "\",\"ok\":" + (i % 3 != 0) + "}"));
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        URI endpoint = URI.create(args[0]);
        LocalDate day = LocalDate.parse(args[2]);
        int stopAfter = Integer.parseInt(args[3]);
        try (S3AsyncClient s3 = S3AsyncClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .forcePathStyle(true).build()) {
            int[] written = {0};
            DailyExporter e = DailyExporter.builder(s3, d -> ExportChildMain.records(d).stream()).bucket(args[1]).prefix("scans")
                    .partRecords(100).retries(1, Duration.ZERO).onObject(k -> {
                        written[0]++;
                        System.out.println("wrote " + k);
                        System.out.flush();
                        if (written[0] == stopAfter) {
                            try {
                                System.in.read(); // blocks until the test kills this JVM
                            } catch (java.io.IOException ignored) {
                                // killed
                            }
                        }
                    }).build();
            e.exportDay(day);
            System.out.println("done");
        }
    }
}
