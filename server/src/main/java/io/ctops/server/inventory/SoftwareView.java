package io.ctops.server.inventory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The fleet software page: the name and version range searched, and the hosts that match. */
public record SoftwareView(
    String name, FleetSoftware.VersionRange versions, List<FleetSoftware.Holder> holders) {

  /** The search as query parameters, for the CSV link. */
  public String query() {
    StringBuilder query = new StringBuilder("name=").append(encode(name));
    if (!versions.from().isEmpty()) {
      query.append("&version_from=").append(encode(versions.from()));
    }
    if (!versions.before().isEmpty()) {
      query.append("&version_before=").append(encode(versions.before()));
    }
    return query.toString();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
