package io.ctops.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The web app's routes as its sources register them ({@code routes.get("/path", …)}), and the query
 * and form parameters each may read: those read in its own source file and in the other files of
 * its package (parameter objects such as the host list's). Tests over "every route" use this list,
 * so a new route is covered the day it is added.
 */
public final class RegisteredRoutes {
  private static final Path SOURCES = Path.of("src/main/java");
  private static final Pattern ROUTE =
      Pattern.compile("routes\\.(get|post|put|patch|delete|sse)\\(\\s*\"([^\"]+)\"");
  private static final Pattern PARAMETER =
      Pattern.compile("(?:query|form)Params?(?:AsClass)?\\(\\s*\"([a-z_]+)\"");

  private RegisteredRoutes() {}

  /** One registered route: its method in lower case ({@code sse} is a GET) and its path. */
  public record Route(String method, String path, Path source) {
    public boolean changesState() {
      return !method.equals("get") && !method.equals("sse");
    }

    public boolean isApi() {
      return path.startsWith("/api/");
    }

    @Override
    public String toString() {
      return method.toUpperCase() + " " + path;
    }
  }

  public static List<Route> all() {
    List<Route> routes = new ArrayList<>();
    for (Path source : sources()) {
      Matcher matcher = ROUTE.matcher(read(source));
      while (matcher.find()) {
        routes.add(new Route(matcher.group(1), matcher.group(2), source));
      }
    }
    return routes;
  }

  /** The parameter names the route's handler may read. */
  public static Set<String> parameters(Route route) {
    Set<String> names = new TreeSet<>();
    Path packageDir = route.source().getParent();
    for (Path source : sources()) {
      boolean own = source.equals(route.source());
      boolean helperInPackage =
          source.getParent().equals(packageDir) && !ROUTE.matcher(read(source)).find();
      if (own || helperInPackage) {
        Matcher matcher = PARAMETER.matcher(read(source));
        while (matcher.find()) {
          names.add(matcher.group(1));
        }
      }
    }
    return names;
  }

  private static List<Path> sources() {
    try (Stream<Path> files = Files.walk(SOURCES)) {
      return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path source) {
    try {
      return Files.readString(source);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
