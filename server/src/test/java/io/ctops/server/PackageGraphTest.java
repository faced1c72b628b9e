package io.ctops.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the server's code, read from its sources: which top-level package uses which. Roles
 * sit on top (only the CLI uses them), the web kit and the plumbing know no feature, and no two
 * packages depend on each other in a circle.
 */
class PackageGraphTest {
  private static final Set<String> PLUMBING = Set.of("platform", "web");
  private static final Pattern USE =
      Pattern.compile("\\bio\\.ctops\\.server\\.([a-z][a-z0-9]*)\\.[A-Za-z]");
  private static final Pattern PACKAGE =
      Pattern.compile("^package io\\.ctops\\.server\\.([a-z0-9]+)");

  /** Package → the packages its sources name (imports and qualified names). */
  private static final Map<String, Set<String>> uses = new TreeMap<>();

  @BeforeAll
  static void read() throws IOException {
    try (Stream<Path> sources = Files.walk(Path.of("src/main/java/io/ctops/server"))) {
      for (Path source : sources.filter(f -> f.toString().endsWith(".java")).toList()) {
        String text = Files.readString(source);
        Matcher own = PACKAGE.matcher(text.strip());
        if (!own.find()) {
          continue;
        }
        Set<String> used = uses.computeIfAbsent(own.group(1), p -> new TreeSet<>());
        Matcher m = USE.matcher(text.substring(own.end()));
        while (m.find()) {
          if (!m.group(1).equals(own.group(1))) {
            used.add(m.group(1));
          }
        }
      }
    }
  }

  @Test
  void theSourcesWereRead() {
    assertThat(uses.keySet()).contains("roles", "web", "platform", "hosts", "tasks", "heartbeat");
  }

  @Test
  void onlyTheCommandLineUsesTheRoles() {
    uses.forEach(
        (pkg, used) -> {
          if (!pkg.equals("cli") && !pkg.equals("roles")) {
            assertThat(used).as("%s must not use roles/", pkg).doesNotContain("roles");
          }
        });
  }

  @Test
  void theWebKitAndThePlumbingKnowNoFeature() {
    for (String kit : PLUMBING) {
      assertThat(uses.getOrDefault(kit, Set.of()))
          .as("%s/ uses only plumbing", kit)
          .allMatch(PLUMBING::contains);
    }
  }

  @Test
  void noPackagesDependOnEachOtherInACircle() {
    List<List<String>> cycles = new ArrayList<>();
    Map<String, Integer> state = new HashMap<>();
    for (String start : uses.keySet()) {
      findCycles(start, new ArrayDeque<>(), state, cycles);
    }
    assertThat(cycles).as("package cycles").isEmpty();
  }

  /** Depth-first search; state 1 = on the current path, 2 = done. */
  private static void findCycles(
      String pkg, Deque<String> path, Map<String, Integer> state, List<List<String>> cycles) {
    Integer seen = state.get(pkg);
    if (seen != null) {
      if (seen == 1) {
        List<String> cycle = new ArrayList<>(path);
        Collections.reverse(cycle);
        cycles.add(cycle.subList(cycle.indexOf(pkg), cycle.size()));
      }
      return;
    }
    state.put(pkg, 1);
    path.push(pkg);
    for (String next : uses.getOrDefault(pkg, Set.of())) {
      findCycles(next, path, state, cycles);
    }
    path.pop();
    state.put(pkg, 2);
  }
}
