package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommandParserTest {
    @Test
    void everyDocumentedCommandParses() {
        assertThat(CommandParser.parse("help")).isEqualTo(new Command.Help(Optional.empty()));
        assertThat(CommandParser.parse("help list servers")).isEqualTo(new Command.Help(Optional.of("list servers")));
        assertThat(CommandParser.parse("list servers")).isEqualTo(new Command.ListServers());
        assertThat(CommandParser.parse("  LIST   Servers ")).isEqualTo(new Command.ListServers());
        assertThat(CommandParser.parse("/list servers")).isEqualTo(new Command.ListServers());
        assertThat(CommandParser.parse("describe server web-1")).isEqualTo(new Command.DescribeServer("web-1"));
        assertThat(CommandParser.parse("servers with tag web")).isEqualTo(new Command.ServersWithTag("web"));
        assertThat(CommandParser.parse("jobs")).isEqualTo(new Command.Jobs());
        assertThat(CommandParser.parse("health")).isEqualTo(new Command.Health());
        assertThat(CommandParser.parse("config")).isEqualTo(new Command.Config());
        assertThat(CommandParser.parse("run disk.usage on tag:web with path=/"))
                .isEqualTo(new Command.Run("disk.usage", "tag:web", new java.util.TreeMap<>(Map.of("path", "/"))));
        assertThat(CommandParser.parse("run disk.usage on web-1 with path=/var, unit=mb"))
                .isEqualTo(new Command.Run("disk.usage", "web-1", new java.util.TreeMap<>(Map.of("path", "/var", "unit", "mb"))));
        assertThat(CommandParser.parse("run outpost.ping on all")).isEqualTo(new Command.Run("outpost.ping", "all", new java.util.TreeMap<>()));
        assertThat(CommandParser.parse("run outpost.ping on host:db-2"))
                .isEqualTo(new Command.Run("outpost.ping", "host:db-2", new java.util.TreeMap<>()));
    }

    @Test
    void everyUsageInTheHelpIsAParsableCommandWhenItsPlaceholdersAreFilled() {
        for (String usage : CommandParser.USAGE.values()) {
            String filled = usage.replace("[COMMAND]", "").replace(" [with KEY=VALUE[, KEY=VALUE]...]", " with a=1, b=2")
                    .replace("ID", "h1").replace("TAG", "web").replace("COLLECTOR", "c.x").replace("SELECTOR", "tag:web");
            assertThat(CommandParser.parse(filled)).as(filled).isNotNull();
        }
    }

    @Test
    void unknownCommandsNameTheNearest() {
        assertThatThrownBy(() -> CommandParser.parse("lst servers")).isInstanceOf(CommandException.class)
                .hasMessageContaining("did you mean").hasMessageContaining("list servers");
        assertThatThrownBy(() -> CommandParser.parse("helth")).hasMessageContaining("health");
        CommandException e = (CommandException) org.assertj.core.api.Assertions.catchThrowable(() -> CommandParser.parse("frobnicate everything"));
        assertThat(e.suggestions()).isEmpty();
        assertThat(e).hasMessageContaining("type help");
    }

    @Test
    void ambiguousCommandsListTheCandidates() {
        CommandException e = (CommandException) org.assertj.core.api.Assertions.catchThrowable(() -> CommandParser.parse("ser"));
        assertThat(e).hasMessageContaining("ambiguous");
        assertThat(e.suggestions()).contains("list servers", "describe server ID", "servers with tag TAG");
    }

    @Test
    void incompleteCommandsShowTheirUsage() {
        assertThatThrownBy(() -> CommandParser.parse("list")).hasMessageContaining("usage: list servers");
        assertThatThrownBy(() -> CommandParser.parse("describe server")).hasMessageContaining("usage: describe server ID");
        assertThatThrownBy(() -> CommandParser.parse("run disk.usage")).hasMessageContaining("usage: run COLLECTOR on SELECTOR");
        assertThatThrownBy(() -> CommandParser.parse("run disk.usage on web with")).hasMessageContaining("usage: run");
        assertThatThrownBy(() -> CommandParser.parse("run disk.usage on web with path")).hasMessageContaining("is not KEY=VALUE");
        assertThatThrownBy(() -> CommandParser.parse("run disk.usage on web with a=1 a=2")).hasMessageContaining("given twice");
        assertThatThrownBy(() -> CommandParser.parse("jobs now")).hasMessageContaining("usage: jobs");
    }

    @Test
    void hostileInputIsRefusedPrintablyAndBounded() {
        assertThatThrownBy(() -> CommandParser.parse("describe server \u001b[31mx")).isInstanceOf(CommandException.class)
                .hasMessageNotContaining("\u001b");
        assertThatThrownBy(() -> CommandParser.parse("x".repeat(CommandParser.MAX_LENGTH + 1))).hasMessageContaining("too long");
        assertThatThrownBy(() -> CommandParser.parse("run c on $(rm -rf)")).hasMessageContaining("not a selector");
        assertThatThrownBy(() -> CommandParser.parse("")).hasMessageContaining("empty");
    }
}
