package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written date-time check says what its regular expression says, on valid and damaged stamps. */
class Rfc3339Test {
    private static final String CHARS = "0123456789-:.TtZz+ x";

    @Test
    void theHandCheckAgreesWithTheRegularExpression() {
        List<String> seeds = List.of("2026-01-31T12:00:00Z", "2026-12-01t23:59:60.123456789z", "0000-01-01T00:00:00+23:59",
                "9999-09-30T19:09:09.5-00:00", "2026-02-29T00:00:00.Z", "2026-00-10T00:00:00Z", "2026-01-32T24:00:00Z");
        Random random = new Random(3);
        int valid = 0;
        for (int i = 0; i < 200_000; i++) {
            StringBuilder s = new StringBuilder(seeds.get(random.nextInt(seeds.size())));
            int edits = random.nextInt(3);
            for (int e = 0; e < edits && s.length() > 0; e++) {
                int at = random.nextInt(s.length());
                switch (random.nextInt(3)) {
                    case 0 -> s.setCharAt(at, CHARS.charAt(random.nextInt(CHARS.length())));
                    case 1 -> s.deleteCharAt(at);
                    default -> s.insert(at, CHARS.charAt(random.nextInt(CHARS.length())));
                }
            }
            String text = s.toString();
            boolean expected = Rfc3339.pattern().matcher(text).matches();
            assertThat(Rfc3339.matches(text)).as(text).isEqualTo(expected);
            valid += expected ? 1 : 0;
        }
        assertThat(valid).isGreaterThan(10_000);
    }
}
