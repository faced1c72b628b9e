package io.ctops.agent.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TomlTest {
  @Test
  void readsTablesArraysOfTablesAndScalars() throws Exception {
    Map<String, Object> document =
        Toml.parse(
            """
            # comment
            top = 'literal \\ kept' # trailing comment
            [ingest]
            address = "host:9443"  # the # in "a#b" below is not a comment
            path = "a#b \\"q\\" \\u00e9\\t"
            [agent]
            interval = 1_000
            negative = -5
            on = true
            [[tags]]
            key = "env"
            [[tags]]
            key = "site"
            value = ""
            """);

    assertThat(document.get("top")).isEqualTo("literal \\ kept");
    assertThat(document.get("ingest"))
        .isEqualTo(Map.of("address", "host:9443", "path", "a#b \"q\" é\t"));
    assertThat(document.get("agent"))
        .isEqualTo(Map.of("interval", 1000L, "negative", -5L, "on", true));
    assertThat(document.get("tags"))
        .isEqualTo(List.of(Map.of("key", "env"), Map.of("key", "site", "value", "")));
  }

  @Test
  void readsArraysOnOneLineOrSeveral() throws Exception {
    Map<String, Object> document =
        Toml.parse(
            """
            one = ["env:prod", 'role:web', 3, true]
            empty = []
            several = [
              "a, b",   # a comma and ] "in" strings are text
              "c]d",
            ]
            after = 1
            """);

    assertThat(document.get("one")).isEqualTo(List.of("env:prod", "role:web", 3L, true));
    assertThat(document.get("empty")).isEqualTo(List.of());
    assertThat(document.get("several")).isEqualTo(List.of("a, b", "c]d"));
    assertThat(document.get("after")).isEqualTo(1L);
  }

  @Test
  void refusesWhatItDoesNotUnderstandWithTheLine() {
    assertRefused("[ingest\naddress = 1", "line 1: table header '[ingest' is not closed");
    assertRefused("a = \"open", "line 1: string is not closed");
    assertRefused("\n\na = 1.5", "line 3: value 1.5 is not a string, an integer or true/false");
    assertRefused("a = [1.5]", "is not a string, an integer or true/false");
    assertRefused("a = [[1], 2]", "nested arrays and inline tables are not supported");
    assertRefused("a = [1,, 2]", "array has an empty element");
    assertRefused("a = [1, 2", "line 1: array is not closed");
    assertRefused("a = [1] x", "unexpected text after the array");
    assertRefused("a = ", "a value is missing");
    assertRefused("a = 1\na = 2", "line 2: key 'a' is set twice");
    assertRefused("[t]\n[t]", "table [t] is defined twice");
    assertRefused("[t]\n[[t]]", "'t' is already a table");
    assertRefused("a.b = 1", "'a.b' is not a plain key");
    assertRefused("just words", "expected 'key = value'");
    assertRefused("a = \"x\" y", "unexpected text after the string");
    assertRefused("a = \"\\q\"", "unknown escape \\q");
    assertRefused("a = 99999999999999999999", "out of range");
    assertRefused("a = \"\"\"x\"\"\"", "multi-line strings are not supported");
  }

  private static void assertRefused(String text, String message) {
    assertThatThrownBy(() -> Toml.parse(text))
        .isInstanceOf(Toml.SyntaxException.class)
        .hasMessageContaining(message);
  }
}
