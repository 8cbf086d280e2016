package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.fleet.internal.Lexer;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SelectorTest {
    static HostRecord host(String id, Set<String> tags, Map<String, String> facts) {
        return new HostRecord(id, "requests", List.of("outpost.ping"), tags, facts, Instant.EPOCH);
    }

    final HostRecord web1 = host("web-1", Set.of("web", "eu"), Map.of("os.name", "Linux", "cpu.count", "8"));
    final HostRecord web2 = host("web-2", Set.of("web"), Map.of("os.name", "Windows", "cpu.count", "2"));
    final HostRecord db1 = host("db-1", Set.of("db"), Map.of("os.name", "Linux", "cpu.count", "32"));

    private List<String> select(String text) {
        Selector s = Selector.parse(text);
        return List.of(web1, web2, db1).stream().filter(s::matches).map(HostRecord::id).toList();
    }

    @Test
    void theDocumentedExampleSelectsWhatItSays() {
        assertThat(select("tag:web and fact:os.name=Linux and not id:db-*")).containsExactly("web-1");
        assertThat(select("all")).containsExactly("web-1", "web-2", "db-1");
        assertThat(select("id:web-1,db-?")).containsExactly("web-1", "db-1");
        assertThat(select("fact:cpu.count>=8")).containsExactly("web-1", "db-1");
        assertThat(select("fact:cpu.count < 8")).containsExactly("web-2");
        assertThat(select("fact:os.name~^Win")).containsExactly("web-2");
        assertThat(select("fact:os.name~\"^(Lin|Win)\\w+$\"")).containsExactly("web-1", "web-2", "db-1");
        assertThat(select("tag:db or (tag:web and not tag:eu)")).containsExactly("web-2", "db-1");
        assertThat(select("not not tag:db")).containsExactly("db-1");
        assertThat(select("fact:os.name!=Linux")).containsExactly("web-2");
        assertThat(select("fact:missing!=x")).isEmpty();
        assertThat(select("fact:os.name>3")).as("a non-numeric fact never compares").isEmpty();
    }

    @Test
    void andBindsTighterThanOr() {
        assertThat(select("tag:db or tag:web and tag:eu")).containsExactly("web-1", "db-1");
        assertThat(select("(tag:db or tag:web) and tag:eu")).containsExactly("web-1");
    }

    @Test
    void theTextFormParsesBackToAnEqualSelector() {
        for (String t : List.of("tag:web and fact:os.name=Linux and not id:db-*", "(tag:a or tag:b) and not (tag:c and tag:d)",
                "fact:x=\"a b\\\\\"", "fact:v>=1.5 or id:a,b*", "all", "fact:x=\"and\"")) {
            Selector s = Selector.parse(t);
            assertThat(Selector.parse(s.text())).as(t + " -> " + s.text()).isEqualTo(s);
        }
    }

    @Test
    void theTypedBuilderEqualsTheParsedText() {
        Selector typed = Selector.tag("web").and(Selector.factEquals("os.name", "Linux")).and(Selector.id("db-*").negate());
        assertThat(typed).isEqualTo(Selector.parse("tag:web and fact:os.name=Linux and not id:db-*"));
        assertThat(typed.text()).isEqualTo("tag:web and fact:os.name=Linux and not id:db-*");
        Selector cmp = Selector.factCompare("cpu.count", Selector.Comparison.GREATER, new BigDecimal("4"));
        assertThat(cmp.matches(web1)).isTrue();
        assertThat(cmp.matches(web2)).isFalse();
        assertThat(Selector.tag("db").or(Selector.factMatches("os.name", "^Win")).text()).isEqualTo("tag:db or fact:os.name~^Win");
    }

    @Test
    void aBadSelectorSaysWhereAndWhatWasExpected() {
        assertError("tag:web and", 11, "all, id:, tag:, fact:, not or '('");
        assertError("tag:web or or tag:x", 11, "all, id:, tag:, fact:, not or '('");
        assertError("tag:web xor tag:db", 8, "'and', 'or' or the end");
        assertError("(tag:web", 8, "')'");
        assertError("fact:os.name", 12, "an operator (=, !=, ~, <, <=, >, >=)");
        assertError("fact:cpu>eight", 9, "a number after >");
        assertError("fact:x~\"(unclosed\"", 16, "a valid regex");
        assertError("fact:x=\"open", 7, "a closing '\"'");
        assertError("id:", 3, "a host id or glob ([A-Za-z0-9._:@-], * and ?)");
        assertError("hostname=x", 0, "all, id:, tag:, fact:, not or '('");
        assertError("", 0, "a selector (all, id:, tag:, fact:, not or '(')");
        assertThatThrownBy(() -> Selector.id("bad/id")).isInstanceOf(SelectorException.class);
        assertThatThrownBy(() -> Selector.factMatches("x", "(")).isInstanceOf(SelectorException.class);
    }

    private static void assertError(String text, int position, String expected) {
        assertThatThrownBy(() -> Selector.parse(text)).isInstanceOfSatisfying(SelectorException.class, e -> {
            assertThat(e.position()).as(text).isEqualTo(position);
            assertThat(e.expected()).as(text).isEqualTo(expected);
            assertThat(e.input()).isEqualTo(text);
            assertThat(e.getMessage()).contains("position " + position);
        });
    }

    @Test
    void hostileInputIsRefusedCheaply() {
        String deep = "(".repeat(10_000) + "tag:a" + ")".repeat(10_000);
        assertThatThrownBy(() -> Selector.parse(deep)).isInstanceOf(SelectorException.class)
                .hasMessageContaining("at most 4096 characters");
        String nested = "(".repeat(40) + "tag:a" + ")".repeat(40);
        assertThatThrownBy(() -> Selector.parse(nested)).isInstanceOfSatisfying(SelectorException.class,
                e -> assertThat(e.expected()).isEqualTo("at most 32 levels of nesting"));
        String nots = "not ".repeat(40) + "tag:a";
        assertThatThrownBy(() -> Selector.parse(nots)).isInstanceOf(SelectorException.class);
        String many = String.join(" or ", java.util.Collections.nCopies(300, "tag:a"));
        assertThatThrownBy(() -> Selector.parse(many)).isInstanceOfSatisfying(SelectorException.class,
                e -> assertThat(e.expected()).isEqualTo("at most 256 terms"));
        String hugeRegex = "fact:x~" + "a".repeat(300);
        assertThatThrownBy(() -> Selector.parse(hugeRegex)).isInstanceOfSatisfying(SelectorException.class,
                e -> assertThat(e.expected()).contains("regex of at most 256"));
        assertThatThrownBy(() -> Selector.parse("fact:x=\"a\u0000b\"")).isInstanceOf(SelectorException.class);
        assertThatThrownBy(() -> Selector.parse(null)).isInstanceOf(SelectorException.class);
    }

    @Test
    void aBadSelectorsMessageCannotDriveTheTerminalOrReorderItsText() {
        // the message quoted the input as typed: an escape sequence or a bidi override reached whoever printed it
        for (String hostile : List.of("fact:x=\"\u001b[2J\"", "id:web-\u009b2J", "tag:web xor \u202etag:db", "id:a\u0007")) {
            assertThatThrownBy(() -> Selector.parse(hostile)).isInstanceOfSatisfying(SelectorException.class, e -> {
                assertThat(e.getMessage()).doesNotContain("\u001b", "\u009b", "\u202e", "\u0007").contains("?");
                assertThat(e.input()).as("the input itself is kept as given").isEqualTo(hostile);
            });
        }
    }

    @Test
    void aCatastrophicRegexGivesUpInsteadOfHanging() {
        Selector evil = Selector.parse("fact:x~\"^(.*a){12}$\"");
        HostRecord h = host("h", Set.of(), Map.of("x", "a".repeat(60) + "!"));
        long t0 = System.nanoTime();
        assertThat(evil.matches(h)).isFalse();
        assertThat(dev.outpost.fleet.internal.BoundedRegex.givenUp()).isPositive();
        // bounded by the read budget, not by the pattern: far below the years an unbounded match takes
        assertThat(System.nanoTime() - t0).isLessThan(java.util.concurrent.TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void globsMatchLikeAShellDoes() {
        HostRecord h = host("web-eu-12", Set.of(), Map.of());
        assertThat(Selector.id("web-*").matches(h)).isTrue();
        assertThat(Selector.id("*-12").matches(h)).isTrue();
        assertThat(Selector.id("web-??-12").matches(h)).isTrue();
        assertThat(Selector.id("web-?-12").matches(h)).isFalse();
        assertThat(Selector.id("*eu*").matches(h)).isTrue();
        assertThat(Selector.id("web").matches(h)).isFalse();
    }

    @Test
    void aLongIdListWithinTheLengthBoundParsesBack() {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ids.add(String.format("host-%04d", i));
        }
        Selector s = Selector.ids(ids);
        assertThat(s.text()).hasSizeBetween(2049, Lexer.MAX_LENGTH);
        assertThat(Selector.parse(s.text())).isEqualTo(s);
    }

    @Test
    void aSelectorBuiltInCodeThatWorkersCouldNotParseIsRefusedWhenBuilt() {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            ids.add(String.format("host-%04d", i));
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Selector.ids(ids)).as("over 4,096 characters")
                .isInstanceOf(SelectorException.class);
        Selector deep = Selector.tag("web");
        for (int i = 0; i < 32; i++) {
            deep = deep.negate();
        }
        Selector almost = deep;
        org.assertj.core.api.Assertions.assertThatThrownBy(almost::negate).as("nested past 32 levels")
                .isInstanceOf(SelectorException.class);
        Selector many = Selector.tag("t0");
        for (int i = 1; i < 256; i++) {
            many = many.or(Selector.tag("t" + i));
        }
        Selector full = many;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> full.or(Selector.tag("one-more"))).as("past 256 terms")
                .isInstanceOf(SelectorException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Selector.factEquals("os.name", "Linux\u0007\n"))
                .as("a control character in a value").isInstanceOf(SelectorException.class);
        // what is within bounds still builds, and its text parses back on the worker
        assertThat(Selector.parse(full.text())).isEqualTo(full);
        assertThat(Selector.parse(almost.text())).isEqualTo(almost);
    }
}
