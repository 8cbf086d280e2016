package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The registry's import reader is total on hostile files: it returns checked entries or throws
 * {@link RegistryException.InvalidValue} naming a line, nothing else; what it returns has valid
 * keys, bounded versions, values within the limit and no repeated key, and writes back as export
 * lines that read again the same. The default build replays the seeds under
 * {@code RegistryImportFuzzTestInputs/}; {@code -Pfuzz} fuzzes.
 */
class RegistryImportFuzzTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private static final int MAX_VALUE = 4096;

    @FuzzTest(maxDuration = "2m")
    void readIsTotal(byte[] file) {
        String text = new String(file, StandardCharsets.UTF_8);
        List<RegistryEntry> lines;
        try {
            lines = RegistryImport.read(new StringReader(text), MAX_VALUE, CLOCK);
        } catch (RegistryException.InvalidValue refused) {
            assertThat(refused.getMessage()).contains("import line ").contains("nothing was imported");
            return;
        }
        Set<String> keys = new HashSet<>();
        StringBuilder again = new StringBuilder();
        for (RegistryEntry e : lines) {
            assertThat(RegistryKeys.checkKey(e.key())).isEqualTo(e.key());
            assertThat(keys.add(e.key())).as("a key appears once").isTrue();
            assertThat(e.version()).isBetween(1L, RegistryImport.MAX_VERSION);
            RegistryKeys.checkValue(e.key(), e.value(), MAX_VALUE);
            e.updatedBy().ifPresent(by -> assertThat(by).hasSizeBetween(1, 200).doesNotContain("\n", "\r"));
            again.append(RegistryExport.line(e)).append('\n');
        }
        assertThat(RegistryImport.read(new StringReader(again.toString()), MAX_VALUE, CLOCK)).isEqualTo(lines);
    }
}
