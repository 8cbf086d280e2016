package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.outpost.core.config.OutpostConfig;
import dev.outpost.sqs.SqsTransport;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The worked examples of docs/examples load on the command's own class path, as {@code outpost
 * worker|broker|host-agent --config FILE} reads them: samples' ConfigExamplesTest has outpost-samples
 * on its class path, whose keys (outpost.sqs.provision, outpost.sqs.records) the command refuses.
 */
class DocExamplesTest {
    private static final Path EXAMPLES = Path.of("..", "docs", "examples");

    @ParameterizedTest
    @ValueSource(strings = {"worker.yaml", "client.yaml", "broker.yaml", "shipper.yaml"})
    void everyExampleLoadsAsTheCommandReadsIt(String file) {
        assertThatCode(() -> OutpostConfig.load(Optional.of(EXAMPLES.resolve(file)))).doesNotThrowAnyException();
    }

    /** Its outpost.sqs.topics entries are checked when the transport is built (which calls nothing). */
    @Test
    void theClientExamplesTopicMappingBuildsATransport() {
        OutpostConfig config = OutpostConfig.load(Optional.of(EXAMPLES.resolve("client.yaml")));
        assertThat(config.list("outpost.sqs.topics")).containsExactly("fleet=arn:aws:sns:eu-west-1:123456789012:outpost-fleet");
        assertThatCode(() -> SqsTransport.builder().configure(config).build().close()).doesNotThrowAnyException();
    }
}
