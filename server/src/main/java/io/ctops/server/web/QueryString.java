package io.ctops.server.web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** A page's view read from its address and written back into it. */
public final class QueryString {
  private QueryString() {}

  /** {@code name=value&…} in the map's order, values encoded. */
  public static String of(Map<String, String> parameters) {
    return parameters.entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  /** {@code path}, with {@code ?query} when there is one. */
  public static String url(String path, String query) {
    return query.isEmpty() ? path : path + "?" + query;
  }

  /** The first value of a query parameter, if it was given. */
  public static Optional<String> one(Map<String, List<String>> query, String name) {
    List<String> values = query.getOrDefault(name, List.of());
    return values.isEmpty() ? Optional.empty() : Optional.ofNullable(values.get(0));
  }

  /** A whole-number parameter, {@code fallback} when absent or empty; 400 when not a number. */
  public static int integer(Map<String, List<String>> query, String name, int fallback) {
    Optional<String> text = one(query, name).filter(s -> !s.isEmpty());
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      return Integer.parseInt(text.get());
    } catch (NumberFormatException e) {
      throw HttpProblem.badRequest(name + " must be a whole number");
    }
  }
}
