package io.ctops.server.roles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The web role publishes an OpenAPI document that names every API route it registers. */
@ExtendWith(FreshDatabase.class)
class OpenApiDocumentTest {
  private WebFixture web;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
  }

  @AfterEach
  void stop() {
    web.close();
  }

  @Test
  void theOpenApiDocumentDescribesEveryApiRoute() throws Exception {
    WebClient anonymous = web.client();
    HttpResponse<String> document = anonymous.get("/api/v1/openapi.json");
    assertThat(document.statusCode()).isEqualTo(200);
    assertThat(document.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    var paths = new ObjectMapper().readTree(document.body()).get("paths");
    // every API route the web app registers (read from its source) is in the document
    Pattern route =
        Pattern.compile("routes\\.(get|post|put|patch|delete)\\(\\s*\"(/api/v1/[^\"]*)\"");
    List<String> registered = new ArrayList<>();
    try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
      for (Path source : sources.filter(f -> f.toString().endsWith(".java")).toList()) {
        Matcher m = route.matcher(Files.readString(source));
        while (m.find()) {
          registered.add(m.group(1) + " " + m.group(2));
        }
      }
    }
    assertThat(registered)
        .contains("get /api/v1/hosts", "post /api/v1/tokens", "get /api/v1/software")
        .hasSizeGreaterThan(15);
    for (String line : registered) {
      String[] parts = line.split(" ");
      assertThat(paths.has(parts[1])).as("%s is documented", parts[1]).isTrue();
      assertThat(paths.get(parts[1]).has(parts[0])).as("%s is documented", line).isTrue();
    }
  }

  @Test
  void theAuditActionsDocumentedAreEveryActionTheLogKnows() throws Exception {
    var document = new ObjectMapper().readTree(web.client().get("/api/v1/openapi.json").body());
    List<String> known = Stream.of(AuditAction.values()).map(AuditAction::dbName).toList();
    List<JsonNode> enumerations = new ArrayList<>();
    enumerations.add(document.at("/components/schemas/AuditEntry/properties/action/enum"));
    document
        .at("/paths/~1api~1v1~1audit/get/parameters")
        .forEach(
            parameter -> {
              if (parameter.path("name").asText().equals("action")) {
                enumerations.add(parameter.at("/schema/enum"));
              }
            });
    assertThat(enumerations).hasSize(2).allMatch(e -> e.isArray());
    for (var enumeration : enumerations) {
      List<String> documented = new ArrayList<>();
      enumeration.forEach(value -> documented.add(value.asText()));
      assertThat(documented).containsExactlyInAnyOrderElementsOf(known);
    }
  }
}
