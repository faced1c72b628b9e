package io.ctops.server.orgs;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** Looks up organisations: every host, agent, token and user belongs to exactly one. */
public final class Organisations {
  public static final String DEFAULT_SLUG = "default";

  private final Jdbi jdbi;

  public Organisations(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  public record Organisation(UUID id, String name, String slug) {}

  /** Thrown when a name given by a user matches no organisation, or none is implied. */
  public static final class UnknownOrganisationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnknownOrganisationException(String message) {
      super(message);
    }
  }

  public List<Organisation> all() {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery("SELECT id, name, slug FROM organisations ORDER BY lower(name)")
                .map(
                    (rs, ctx) ->
                        new Organisation(
                            rs.getObject("id", UUID.class),
                            rs.getString("name"),
                            rs.getString("slug")))
                .list());
  }

  /**
   * The organisation a command means: the one named (by name or slug, case-insensitive), or when
   * none is named the default one.
   */
  public Organisation resolve(Optional<String> nameOrSlug) {
    List<Organisation> all = all();
    if (nameOrSlug.isEmpty()) {
      return all.stream()
          .filter(org -> org.slug().equals(DEFAULT_SLUG))
          .findFirst()
          .or(() -> all.size() == 1 ? Optional.of(all.get(0)) : Optional.empty())
          .orElseThrow(
              () ->
                  new UnknownOrganisationException(
                      "there are several organisations and none is the default; name one with"
                          + " --org ("
                          + names(all)
                          + ")"));
    }
    String wanted = nameOrSlug.get().strip();
    return all.stream()
        .filter(org -> org.name().equalsIgnoreCase(wanted) || org.slug().equalsIgnoreCase(wanted))
        .findFirst()
        .orElseThrow(
            () ->
                new UnknownOrganisationException(
                    "no organisation named '" + wanted + "' (known: " + names(all) + ")"));
  }

  private static String names(List<Organisation> all) {
    return String.join(", ", all.stream().map(Organisation::name).toList());
  }
}
