package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.core.config.OutpostConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rules come from a configuration file: the module declares the open prefix outpost.ops.rules.*. */
class RulesFromFileTest {
    @TempDir
    Path dir;

    @Test
    void aRuleInAYamlFileIsAccepted() throws Exception {
        StringBuilder yaml = new StringBuilder("outpost:\n  ops:\n    rules:\n");
        RulesEngineTest.octobox().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(e ->
                yaml.append("      \"").append(e.getKey().substring("outpost.ops.rules.".length())).append("\": \"")
                        .append(e.getValue().replace("\"", "\\\"")).append("\"\n"));
        Path file = dir.resolve("ops.yaml");
        Files.writeString(file, yaml.toString());
        OutpostConfig config = OutpostConfig.builder().localFile(file).build();
        assertThat(config.string("outpost.ops.rules.block-ip.undo.after")).contains("3600s");
        RulesEngine engine = RulesEngine.builder(new FakeFleet()).registry(dev.outpost.core.registry.InMemoryRegistry.create()).configure(config).build();
        assertThat(engine.rules()).extracting(Rule::name).containsExactlyInAnyOrder("block-ip", "quarantine");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OutpostConfig.builder().set("outpost.ops.rulez.x", "1").build())
                .as("only the declared prefix is open").hasMessageContaining("outpost.ops.rulez.x");
    }
}
