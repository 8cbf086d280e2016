package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.spi.RegistryException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A value nested deeper than a broker answer can carry (60 levels: the codec's 64 less the four a
 * kv.list answer wraps it in) is refused by every write path, not only the broker's collectors: a
 * direct SqliteRegistry write or an import stored it, and every kv.list of its prefix then failed.
 */
class ValueDepthTest {
    @TempDir
    Path dir;

    private static JsonNode nested(int levels) {
        return Json.parse("[".repeat(levels) + "]".repeat(levels));
    }

    @Test
    void directSqliteWritesRefuseAValueDeeperThanTheBrokersAnswersCarry() throws Exception {
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            assertThatThrownBy(() -> kv.register("svc/deep", nested(61), Optional.empty()))
                    .isInstanceOf(RegistryException.InvalidValue.class).hasMessageContaining("60 levels");
            assertThatThrownBy(() -> kv.registerAsync("svc/deep", nested(61), Optional.empty()).join())
                    .hasCauseInstanceOf(RegistryException.InvalidValue.class);
            kv.register("svc/a", Json.parse("{\"x\":1}"), Optional.empty());
            assertThatThrownBy(() -> kv.replace("svc/a", nested(61), 1))
                    .isInstanceOf(RegistryException.InvalidValue.class).hasMessageContaining("60 levels");
            assertThatThrownBy(() -> kv.update("svc/a", Json.parse("{\"x\":" + nested(60) + "}")))
                    .isInstanceOf(RegistryException.InvalidValue.class).hasMessageContaining("60 levels");
            assertThat(kv.get("svc/deep")).isEmpty();
            assertThat(kv.get("svc/a").orElseThrow().version()).isEqualTo(1);
            // the deepest value allowed is still taken
            assertThat(kv.register("svc/ok", nested(60), Optional.empty()).version()).isEqualTo(1);
        }
    }

    @Test
    void aTreeBuiltInCodeDeeperThanTheStackIsRefusedNotAStackOverflow() throws Exception {
        com.fasterxml.jackson.databind.node.ArrayNode deep = Json.array();
        com.fasterxml.jackson.databind.node.ArrayNode inner = deep;
        for (int i = 0; i < 1_000_000; i++) { // no parser bounds a tree made with the node API
            inner = inner.addArray();
        }
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            assertThatThrownBy(() -> kv.register("svc/deep", deep, Optional.empty()))
                    .isInstanceOf(RegistryException.InvalidValue.class).hasMessageContaining("60 levels");
        }
    }

    @Test
    void anImportWithADeepValueIsRefusedNamingTheLineAndTheLimitAndWritesNothing() {
        String lines = "{\"key\":\"svc/a\",\"value\":1}\n{\"key\":\"svc/deep\",\"value\":" + nested(61) + "}\n";
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            assertThatThrownBy(() -> RegistryImport.into(kv, new StringReader(lines), ImportMode.ADD))
                    .isInstanceOf(RegistryException.InvalidValue.class).hasMessageContaining("line 2").hasMessageContaining("60 levels");
            assertThat(kv.get("svc/a")).isEmpty();
        }
        try (InMemoryRegistry other = InMemoryRegistry.create()) {
            assertThatThrownBy(() -> RegistryImport.into(other, new StringReader(lines), ImportMode.ADD))
                    .isInstanceOf(RegistryException.InvalidValue.class).hasMessageContaining("60 levels");
            assertThat(other.get("svc/a")).isEmpty();
        }
    }
}
