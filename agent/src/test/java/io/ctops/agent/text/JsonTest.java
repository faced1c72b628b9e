package io.ctops.agent.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void writesAnObjectThatReadsBackTheSame() throws Exception {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("text", "line\nbreak \"quoted\" back\\slash \u0001 é");
    fields.put("none", null);
    fields.put("count", 1_700_000_000L);
    fields.put("flag", true);

    String json = Json.object(fields);

    assertThat(json)
        .startsWith("{\"text\":\"line\\nbreak \\\"quoted\\\" back\\\\slash \\u0001 é\"");
    assertThat(Json.parse(json)).isEqualTo(fields);
  }

  @Test
  void writesNestedListsAndObjectsThatReadBackTheSame() throws Exception {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("sans", List.of("a.example", "10.0.0.1"));
    inner.put("key_size", 2048L);
    Map<String, Object> outer = new LinkedHashMap<>();
    outer.put("subject", "CN=a.example,O=Example \"Ltd\"");
    outer.put("chain", List.of(inner, Map.of()));
    outer.put("fraction", 0.5);

    String json = Json.write(outer);

    assertThat(json)
        .isEqualTo(
            "{\"subject\":\"CN=a.example,O=Example \\\"Ltd\\\"\","
                + "\"chain\":[{\"sans\":[\"a.example\",\"10.0.0.1\"],\"key_size\":2048},{}],"
                + "\"fraction\":0.5}");
    assertThat(Json.parse(json)).isEqualTo(outer);
  }

  @Test
  void writesNumbersJsonCannotHoldAsNull() {
    assertThat(Json.write(Arrays.asList(Double.NaN, Double.POSITIVE_INFINITY, 1)))
        .isEqualTo("[null,null,1]");
  }

  @Test
  void readsNestedValues() throws Exception {
    assertThat(Json.parse(" {\"a\": [1, -2.5e3, \"x\\u0041\\/\", null, false, {}], \"b\": []} "))
        .isEqualTo(
            Map.of("a", Arrays.asList(1L, -2500.0, "xA/", null, false, Map.of()), "b", List.of()));
  }

  @Test
  void refusesWhatIsNotJson() {
    for (String bad :
        List.of(
            "",
            "{",
            "{\"a\": }",
            "{\"a\" 1}",
            "{a: 1}",
            "[1,]",
            "\"open",
            "01",
            "1.",
            "tru",
            "{} x",
            "\"tab\tinside\"",
            "[".repeat(100) + "]".repeat(100))) {
      assertThatThrownBy(() -> Json.parse(bad))
          .as(bad)
          .isInstanceOf(Json.SyntaxException.class)
          .hasMessageContaining("at offset");
    }
  }
}
