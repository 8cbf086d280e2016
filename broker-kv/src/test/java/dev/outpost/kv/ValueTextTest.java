package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.spi.RegistryException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A value holding text with a broken surrogate pair (JSON's {@code "\ud800"} reads as one, and a
 * broker's caller may send it) is refused by every write of this module's registries and by
 * imports: SQLite stores UTF-8, which has no form for it, and silently kept {@code ?} in its place.
 */
class ValueTextTest {
    private static final JsonNode BROKEN = Json.parse("{\"a\":[\"x\\ud800y\"]}");
    private static final JsonNode BROKEN_NAME = Json.parse("{\"\\udc00\":1}");

    @TempDir
    Path dir;

    @Test
    void sqliteRefusesTextItCannotStoreInsteadOfChangingIt() {
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            for (JsonNode v : new JsonNode[] {BROKEN, BROKEN_NAME}) {
                assertThatThrownBy(() -> kv.register("svc/a", v, Optional.empty())).as(v.toString())
                        .isInstanceOf(RegistryException.InvalidValue.class).hasMessageContaining("surrogate")
                        .hasMessageContaining(v == BROKEN ? "at /a/0)" : "at /?)");
            }
            assertThat(kv.get("svc/a")).isEmpty();
            JsonNode fine = Json.parse("{\"a\":\"x\\ud83d\\ude00y\"}"); // a whole pair is fine
            kv.register("svc/a", fine, Optional.empty());
            assertThat(kv.get("svc/a").orElseThrow().value()).isEqualTo(fine);
            assertThatThrownBy(() -> kv.update("svc/a", BROKEN)).isInstanceOf(RegistryException.InvalidValue.class);
            String line = "{\"key\":\"svc/b\",\"value\":" + "{\"a\":\"x\\ud800y\"}" + "}\n";
            assertThatThrownBy(() -> RegistryImport.into(kv, new StringReader(line), ImportMode.ADD))
                    .isInstanceOf(RegistryException.InvalidValue.class).hasMessageContaining("line 1");
            assertThat(kv.get("svc/b")).isEmpty();
        }
    }
}
