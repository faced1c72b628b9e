package io.ctops.server.web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;

/** A page's view written back into its address: the query string of the parameters that differ. */
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
}
