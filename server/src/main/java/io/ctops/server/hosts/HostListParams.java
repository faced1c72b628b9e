package io.ctops.server.hosts;

import io.ctops.server.groups.Tag;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.QueryString;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * What the host list shows: search, filters, sort, page. Parsed from the query string against
 * allow-lists, so nothing a browser sends reaches SQL except as a bound value; the same object
 * writes the query string back for links, which keeps every view bookmarkable.
 */
public record HostListParams(
    String search,
    Optional<StatusFilter> status,
    Optional<String> os,
    Optional<Hotspot> hot,
    List<Tag> tags,
    Optional<UUID> group,
    Sort sort,
    boolean descending,
    int page,
    int pageSize) {

  public static final List<Integer> PAGE_SIZES = List.of(25, 50, 100, 200);
  public static final int DEFAULT_PAGE_SIZE = 50;
  static final int MAX_SEARCH_LENGTH = 200;
  static final int MAX_PAGE = 1_000_000;

  static final int MAX_TAG_FILTERS = 10;

  public static final HostListParams DEFAULT =
      new HostListParams(
          "",
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          List.of(),
          Optional.empty(),
          Sort.HOSTNAME,
          false,
          1,
          50);

  public HostListParams {
    tags = List.copyOf(tags);
  }

  /** The status filter's choices; {@code deleted} lists soft-deleted hosts instead of live ones. */
  public enum StatusFilter {
    ONLINE("online", "Online"),
    OFFLINE("offline", "Offline"),
    UNKNOWN("unknown", "Unknown"),
    PENDING("pending", "Pending"),
    REVOKED("revoked", "Revoked"),
    DELETED("deleted", "Deleted"),
    /** Not a host status: the live hosts with at least one firing alert. */
    ALERTING("alerting", "With firing alerts");

    private final String param;
    private final String label;

    StatusFilter(String param, String label) {
      this.param = param;
      this.label = label;
    }

    public String param() {
      return param;
    }

    public String label() {
      return label;
    }
  }

  /**
   * The overview's hotspots as a filter: online hosts at or above 80 % of one resource. Each
   * condition is the one of a partial index (V5__host_vitals.sql), so only hot hosts are read.
   */
  public enum Hotspot {
    CPU("cpu", "CPU", "cpu_percent >= 80"),
    MEMORY("memory", "Memory", "memory_percent >= 80"),
    DISK("disk", "Disk", "disk_percent >= 80");

    private final String param;
    private final String resource;
    final String sql;

    Hotspot(String param, String resource, String sql) {
      this.param = param;
      this.resource = resource;
      this.sql = sql;
    }

    public String param() {
      return param;
    }

    public String resource() {
      return resource;
    }

    /** How the active filter is shown above the list. */
    public String label() {
      return resource + " ≥ 80 %";
    }
  }

  /** Sortable columns and the SQL each maps to (never text from the request). */
  public enum Sort {
    HOSTNAME("hostname", HostListQuery.NATURAL_HOSTNAME),
    OS("os", "h.os"),
    CPU("cpu", "v.cpu_percent"),
    MEMORY("memory", "v.memory_percent"),
    DISK("disk", "v.disk_percent"),
    LAST_SEEN("last_seen", "v.last_seen"),
    STATUS(
        "status",
        "CASE h.status WHEN 'online' THEN 0 WHEN 'offline' THEN 1 WHEN 'unknown' THEN 2"
            + " WHEN 'pending' THEN 3 ELSE 4 END");

    private final String param;
    final String sql;

    Sort(String param, String sql) {
      this.param = param;
      this.sql = sql;
    }

    public String param() {
      return param;
    }
  }

  private static final Set<String> KNOWN =
      Set.of("q", "status", "os", "hot", "group", "sort", "dir", "page", "size");

  public static HostListParams parse(Map<String, List<String>> query) {
    for (String name : KNOWN) {
      List<String> values = query.getOrDefault(name, List.of());
      if (values.size() > 1) {
        throw HttpProblem.badRequest("parameter " + name + " may be given once");
      }
    }
    String search = QueryString.one(query, "q").map(String::strip).orElse("");
    if (search.length() > MAX_SEARCH_LENGTH) {
      throw HttpProblem.badRequest("search is limited to " + MAX_SEARCH_LENGTH + " characters");
    }
    Optional<StatusFilter> status =
        QueryString.one(query, "status")
            .filter(s -> !s.isEmpty())
            .map(HostListParams::statusFilter);
    Optional<String> os = QueryString.one(query, "os").filter(s -> !s.isEmpty());
    if (os.isPresent() && os.get().length() > 200) {
      throw HttpProblem.badRequest("os is limited to 200 characters");
    }
    Optional<Hotspot> hot =
        QueryString.one(query, "hot").filter(s -> !s.isEmpty()).map(HostListParams::hotspot);
    List<Tag> tags = new ArrayList<>();
    for (String value : query.getOrDefault("tag", List.of())) {
      if (value.isBlank()) {
        continue;
      }
      try {
        tags.add(Tag.parse(value));
      } catch (Tag.InvalidTagException e) {
        throw HttpProblem.badRequest("tag: " + e.getMessage());
      }
    }
    if (tags.size() > MAX_TAG_FILTERS) {
      throw HttpProblem.badRequest("at most " + MAX_TAG_FILTERS + " tag filters");
    }
    Optional<UUID> group =
        QueryString.one(query, "group").filter(s -> !s.isEmpty()).map(HostListParams::groupId);
    Sort sort =
        QueryString.one(query, "sort")
            .filter(s -> !s.isEmpty())
            .map(HostListParams::sort)
            .orElse(Sort.HOSTNAME);
    boolean descending =
        switch (QueryString.one(query, "dir").orElse("asc")) {
          case "asc", "" -> false;
          case "desc" -> true;
          default -> throw HttpProblem.badRequest("dir must be asc or desc");
        };
    int page = QueryString.integer(query, "page", 1);
    if (page < 1 || page > MAX_PAGE) {
      throw HttpProblem.badRequest("page must be between 1 and " + MAX_PAGE);
    }
    int size = QueryString.integer(query, "size", DEFAULT_PAGE_SIZE);
    if (!PAGE_SIZES.contains(size)) {
      throw HttpProblem.badRequest("size must be one of 25, 50, 100, 200");
    }
    return new HostListParams(
        search, status, os, hot, List.copyOf(tags), group, sort, descending, page, size);
  }

  private static UUID groupId(String value) {
    try {
      return UUID.fromString(value);
    } catch (IllegalArgumentException e) {
      throw HttpProblem.badRequest("group must be a group id");
    }
  }

  private static Hotspot hotspot(String value) {
    return Arrays.stream(Hotspot.values())
        .filter(h -> h.param.equals(value))
        .findFirst()
        .orElseThrow(() -> HttpProblem.badRequest("hot must be one of cpu, memory, disk"));
  }

  private static StatusFilter statusFilter(String value) {
    return Arrays.stream(StatusFilter.values())
        .filter(f -> f.param.equals(value))
        .findFirst()
        .orElseThrow(
            () ->
                HttpProblem.badRequest(
                    "status must be one of "
                        + Arrays.stream(StatusFilter.values())
                            .map(StatusFilter::param)
                            .collect(Collectors.joining(", "))));
  }

  private static Sort sort(String value) {
    return Arrays.stream(Sort.values())
        .filter(s -> s.param.equals(value))
        .findFirst()
        .orElseThrow(
            () ->
                HttpProblem.badRequest(
                    "sort must be one of "
                        + Arrays.stream(Sort.values())
                            .map(Sort::param)
                            .collect(Collectors.joining(", "))));
  }

  public boolean isDefault() {
    return equals(DEFAULT);
  }

  /** True when nothing narrows the hosts (sort and page aside): every host the user may see. */
  public boolean hasNoFilter() {
    return search.isEmpty()
        && status.isEmpty()
        && os.isEmpty()
        && hot.isEmpty()
        && tags.isEmpty()
        && group.isEmpty();
  }

  public HostListParams withPage(int newPage) {
    return new HostListParams(
        search, status, os, hot, tags, group, sort, descending, newPage, pageSize);
  }

  /** Clicking a column header: sort by it ascending, or flip it when it is already the sort. */
  public HostListParams toggledSort(Sort column) {
    boolean desc = column == sort && !descending;
    return new HostListParams(search, status, os, hot, tags, group, column, desc, 1, pageSize);
  }

  public HostListParams withStatus(StatusFilter newStatus) {
    return new HostListParams(
        search, Optional.of(newStatus), os, hot, tags, group, sort, descending, 1, pageSize);
  }

  public HostListParams withOs(String newOs) {
    return new HostListParams(
        search, status, Optional.of(newOs), hot, tags, group, sort, descending, 1, pageSize);
  }

  public HostListParams withHotspot(Hotspot newHot) {
    return new HostListParams(
        search, status, os, Optional.of(newHot), tags, group, sort, descending, 1, pageSize);
  }

  /** The view with one more tag filter (a click on a tag chip). */
  public HostListParams withTag(Tag tag) {
    if (tags.stream().anyMatch(t -> t.term().equals(tag.term()))) {
      return this;
    }
    List<Tag> more = new ArrayList<>(tags);
    more.add(tag);
    return new HostListParams(search, status, os, hot, more, group, sort, descending, 1, pageSize);
  }

  /** The view without one tag filter. */
  public HostListParams withoutTag(Tag tag) {
    List<Tag> fewer = tags.stream().filter(t -> !t.term().equals(tag.term())).toList();
    return new HostListParams(search, status, os, hot, fewer, group, sort, descending, 1, pageSize);
  }

  /** The same view restricted to one group's members (a group's page). */
  public HostListParams inGroup(UUID groupId) {
    return new HostListParams(
        search, status, os, hot, tags, Optional.of(groupId), sort, descending, page, pageSize);
  }

  /** The same view over every group (a group's page writes its links without its own id). */
  public HostListParams withoutGroup() {
    return new HostListParams(
        search, status, os, hot, tags, Optional.empty(), sort, descending, page, pageSize);
  }

  /** The tag filters as terms for {@code host_tags.terms @>}. */
  String[] tagTerms() {
    return tags.stream().map(Tag::term).distinct().toArray(String[]::new);
  }

  /** The query string of this view, leaving out defaults. */
  public String queryString() {
    Map<String, String> params = new LinkedHashMap<>();
    if (!search.isEmpty()) {
      params.put("q", search);
    }
    status.ifPresent(s -> params.put("status", s.param));
    os.ifPresent(o -> params.put("os", o));
    hot.ifPresent(h -> params.put("hot", h.param));
    group.ifPresent(g -> params.put("group", g.toString()));
    if (sort != Sort.HOSTNAME) {
      params.put("sort", sort.param);
    }
    if (descending) {
      params.put("dir", "desc");
    }
    if (page != 1) {
      params.put("page", Integer.toString(page));
    }
    if (pageSize != DEFAULT_PAGE_SIZE) {
      params.put("size", Integer.toString(pageSize));
    }
    String query = QueryString.of(params);
    for (Tag tag : tags) {
      String one = QueryString.of(Map.of("tag", tag.toString()));
      query = query.isEmpty() ? one : query + "&" + one;
    }
    return query;
  }

  public String url(String path) {
    return QueryString.url(path, queryString());
  }

  /** The search as a LIKE pattern matching anywhere, with LIKE's own characters escaped. */
  String likePattern() {
    return "%"
        + search
            .toLowerCase(Locale.ROOT)
            .replace("\\", "\\\\")
            .replace("%", "\\%")
            .replace("_", "\\_")
        + "%";
  }
}
