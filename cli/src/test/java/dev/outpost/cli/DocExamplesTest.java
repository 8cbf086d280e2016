package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThatCode;

import dev.outpost.core.config.OutpostConfig;
import java.nio.file.Path;
import java.util.Optional;
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
}
