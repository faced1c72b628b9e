package io.ctops.server.directory;

import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPSearchException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import io.ctops.server.directory.DirectoryConnector.Opened;
import io.ctops.server.directory.DirectoryFailure.Stage;
import io.ctops.server.directory.DirectorySignIn.Reason;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Talks to an organisation's directory: tests the connection stage by stage, looks people up, tells
 * the hourly sync which host account names belong to active people, and checks a person's password
 * by binding as them (it never sees or compares a stored password). Each call opens its own
 * connection and closes it; every connect and operation has a timeout, so a directory that does not
 * answer costs seconds, not a hung request.
 */
public final class Directory {
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(10);
  static final int MAX_LOOKUP = 200;
  static final int LOGINS_PER_SEARCH = 100;

  private final DirectorySettings settings;
  private final AttributeMapping attributes;
  private final Filter userFilter;
  private final DirectoryConnector connector;
  private final Clock clock;

  /** Throws {@link IllegalArgumentException} when the settings have a problem. */
  public Directory(DirectorySettings settings, Clock clock) {
    this(settings, clock, CONNECT_TIMEOUT, OPERATION_TIMEOUT);
  }

  Directory(
      DirectorySettings settings, Clock clock, Duration connectTimeout, Duration operationTimeout) {
    List<SettingsProblem> problems = settings.problems();
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("directory settings: " + problems);
    }
    this.settings = settings;
    this.attributes = settings.attributes();
    try {
      this.userFilter = Filter.create(settings.userFilter().strip());
    } catch (LDAPException e) {
      throw new IllegalArgumentException("user_filter: " + e.getExceptionMessage(), e);
    }
    this.connector =
        new DirectoryConnector(
            settings.servers(), settings.trustedCas(), connectTimeout, operationTimeout);
    this.clock = clock;
  }

  /** Connects, upgrades to TLS, binds and searches for one user, saying which stage failed. */
  public ConnectionCheck test() {
    try (Opened opened = openAsService()) {
      SearchRequest search =
          new SearchRequest(
              settings.userBaseDn().strip(), SearchScope.SUB, userFilter, attributes.login());
      search.setSizeLimit(1);
      boolean found;
      try {
        found = !opened.connection().search(search).getSearchEntries().isEmpty();
      } catch (LDAPSearchException e) {
        if (e.getResultCode() != ResultCode.SIZE_LIMIT_EXCEEDED) {
          throw searchFailure(opened, e);
        }
        found = true;
      }
      String how = opened.server().isLdaps() ? "TLS" : "StartTLS";
      return new ConnectionCheck.Passed(
          opened.server(),
          found,
          "connected to "
              + opened.server()
              + " with "
              + how
              + ", bound as "
              + settings.bindDn().strip()
              + (found
                  ? ", and found users"
                  : ", but no user under "
                      + settings.userBaseDn().strip()
                      + " matches the filter"));
    } catch (DirectoryFailure failure) {
      return new ConnectionCheck.Failed(failure.stage(), failure.reason());
    }
  }

  /**
   * People whose login, display name, mail or UPN contain {@code query} (as typed: it is matched as
   * text, never read as filter syntax), at most {@code limit} of them, by login, each with their
   * nested groups.
   */
  public List<DirectoryUser> lookup(String query, int limit) throws DirectoryFailure {
    String text = query == null ? "" : query.strip();
    if (text.isEmpty()) {
      return List.of();
    }
    Filter matches =
        Filter.createORFilter(
            Filter.createSubAnyFilter(attributes.login(), text),
            Filter.createSubAnyFilter(attributes.displayName(), text),
            Filter.createSubAnyFilter(attributes.mail(), text),
            Filter.createSubAnyFilter(attributes.userPrincipalName(), text));
    int bounded = Math.max(1, Math.min(limit, MAX_LOOKUP));
    try (Opened opened = openAsService()) {
      List<SearchResultEntry> entries = searchUsers(opened, matches, bounded);
      NestedGroups groups = nestedGroups(opened);
      List<DirectoryUser> users = new ArrayList<>();
      for (SearchResultEntry entry : entries) {
        users.add(user(opened, entry, groups));
      }
      users.sort(Comparator.comparing(u -> u.login().toLowerCase(Locale.ROOT)));
      return users;
    }
  }

  /**
   * What the directory says about each login name (compared as the directory compares them, so case
   * does not matter), asked {@value #LOGINS_PER_SEARCH} names per search. The map holds every name
   * asked for, in the order given.
   */
  public Map<String, LoginStatus> usersByLogin(Collection<String> logins) throws DirectoryFailure {
    Map<String, LoginStatus> statuses = new LinkedHashMap<>();
    List<String> asked = logins.stream().filter(l -> l != null && !l.isBlank()).distinct().toList();
    asked.forEach(login -> statuses.put(login, LoginStatus.NOT_IN_DIRECTORY));
    try (Opened opened = openAsService()) {
      for (int from = 0; from < asked.size(); from += LOGINS_PER_SEARCH) {
        List<String> batch = asked.subList(from, Math.min(asked.size(), from + LOGINS_PER_SEARCH));
        Filter anyOf =
            Filter.createORFilter(
                batch.stream()
                    .map(l -> Filter.createEqualityFilter(attributes.login(), l))
                    .toList());
        Map<String, LoginStatus> found = new HashMap<>();
        for (SearchResultEntry entry : searchUsers(opened, anyOf, 0)) {
          String login = entry.getAttributeValue(attributes.login());
          if (login != null) {
            found.put(login.toLowerCase(Locale.ROOT), status(entry));
          }
        }
        for (String login : batch) {
          LoginStatus status = found.get(login.toLowerCase(Locale.ROOT));
          if (status != null) {
            statuses.put(login, status);
          }
        }
      }
    }
    return statuses;
  }

  /**
   * Signs a person in with their directory login (or UPN, or {@code DOMAIN\login}) and password:
   * finds their entry as the server's account, refuses a disabled or expired account, then binds as
   * them, which is the directory saying whether the password is right. An empty password is refused
   * before anything is sent: many servers take a DN with an empty password as an anonymous bind and
   * answer "success".
   */
  public DirectorySignIn authenticate(String login, String password) {
    if (!settings.enabled()) {
      return new DirectorySignIn.Refused(
          Reason.TURNED_OFF, "signing in with the directory is turned off");
    }
    String name = login == null ? "" : login.strip();
    int backslash = name.indexOf('\\');
    if (backslash >= 0) {
      name = name.substring(backslash + 1);
    }
    if (name.isEmpty() || password == null || password.isEmpty()) {
      return new DirectorySignIn.Refused(
          Reason.EMPTY_CREDENTIALS, "enter both your directory login and password");
    }
    try (Opened service = openAsService()) {
      Filter byName =
          Filter.createORFilter(
              Filter.createEqualityFilter(attributes.login(), name),
              Filter.createEqualityFilter(attributes.userPrincipalName(), name));
      List<SearchResultEntry> entries = searchUsers(service, byName, 2);
      if (entries.isEmpty()) {
        return new DirectorySignIn.Refused(
            Reason.UNKNOWN_LOGIN, "no directory user has the login " + name);
      }
      if (entries.size() > 1) {
        return new DirectorySignIn.Refused(
            Reason.AMBIGUOUS_LOGIN, "more than one directory user has the login " + name);
      }
      SearchResultEntry entry = entries.get(0);
      LoginStatus status = status(entry);
      if (status == LoginStatus.DISABLED) {
        return new DirectorySignIn.Refused(
            Reason.DISABLED, "the directory account " + name + " is disabled");
      }
      if (status == LoginStatus.EXPIRED) {
        return new DirectorySignIn.Refused(
            Reason.EXPIRED, "the directory account " + name + " has expired");
      }
      Optional<DirectorySignIn> refused = bindAsUser(entry.getDN(), password);
      if (refused.isPresent()) {
        return refused.get();
      }
      DirectoryUser user = user(service, entry, nestedGroups(service));
      DirectoryRoles roles = DirectoryRoles.of(settings.roleMappings(), user.groups());
      if (roles.isEmpty()) {
        return new DirectorySignIn.Refused(
            Reason.NO_ROLE,
            "none of the directory groups of " + name + " is mapped to a role here");
      }
      return new DirectorySignIn.SignedIn(user, roles);
    } catch (DirectoryFailure failure) {
      return new DirectorySignIn.Unavailable(failure);
    }
  }

  /** Empty when the password is right; a refusal, or the directory being unavailable, otherwise. */
  private Optional<DirectorySignIn> bindAsUser(String dn, String password) {
    try (Opened asUser = connector.open()) {
      asUser.connection().bind(new SimpleBindRequest(dn, password));
      return Optional.empty();
    } catch (DirectoryFailure failure) {
      return Optional.of(new DirectorySignIn.Unavailable(failure));
    } catch (LDAPException e) {
      if (e.getResultCode() != ResultCode.INVALID_CREDENTIALS) {
        return Optional.of(
            new DirectorySignIn.Unavailable(
                new DirectoryFailure(
                    Stage.BIND,
                    DirectoryConnector.describe(e.getResultCode(), e.getDiagnosticMessage()))));
      }
      return Optional.of(refusedBind(e.getDiagnosticMessage()));
    }
  }

  /**
   * Active Directory says why a bind with the right password was refused in its diagnostic message
   * ("… data 775 …"); other servers only say "invalid credentials".
   */
  private static DirectorySignIn refusedBind(String diagnostic) {
    String text = diagnostic == null ? "" : diagnostic;
    if (text.contains("data 775")) {
      return new DirectorySignIn.Refused(
          Reason.LOCKED_OUT, "the directory has locked the account after failed sign-ins");
    }
    if (text.contains("data 532") || text.contains("data 773")) {
      return new DirectorySignIn.Refused(
          Reason.PASSWORD_EXPIRED, "the directory password has expired; change it first");
    }
    if (text.contains("data 533")) {
      return new DirectorySignIn.Refused(Reason.DISABLED, "the directory account is disabled");
    }
    if (text.contains("data 701")) {
      return new DirectorySignIn.Refused(Reason.EXPIRED, "the directory account has expired");
    }
    return new DirectorySignIn.Refused(Reason.WRONG_PASSWORD, "wrong login or password");
  }

  private Opened openAsService() throws DirectoryFailure {
    Opened opened = connector.open();
    try {
      DirectoryConnector.bindAsService(opened, settings.bindDn().strip(), settings.bindPassword());
      return opened;
    } catch (DirectoryFailure failure) {
      opened.close();
      throw failure;
    }
  }

  /** Users matching {@code matches} and the user filter; {@code limit} 0 asks for all. */
  private List<SearchResultEntry> searchUsers(Opened opened, Filter matches, int limit)
      throws DirectoryFailure {
    SearchRequest search =
        new SearchRequest(
            settings.userBaseDn().strip(),
            SearchScope.SUB,
            Filter.createANDFilter(userFilter, matches),
            attributes.userAttributes());
    search.setSizeLimit(limit);
    try {
      return opened.connection().search(search).getSearchEntries();
    } catch (LDAPSearchException e) {
      if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
        return e.getSearchEntries();
      }
      throw searchFailure(opened, e);
    }
  }

  private DirectoryFailure searchFailure(Opened opened, LDAPException e) {
    if (e.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
      return new DirectoryFailure(Stage.SEARCH, "no such object " + settings.userBaseDn().strip());
    }
    return DirectoryConnector.failure(Stage.SEARCH, opened.server(), e);
  }

  private NestedGroups nestedGroups(Opened opened) {
    return new NestedGroups(
        opened.connection(), attributes.memberOf(), settings.groupBaseDn().map(String::strip));
  }

  private DirectoryUser user(Opened opened, SearchResultEntry entry, NestedGroups groups)
      throws DirectoryFailure {
    String[] direct = entry.getAttributeValues(attributes.memberOf());
    List<String> all;
    try {
      all = groups.of(entry.getDN(), direct == null ? List.of() : Arrays.asList(direct));
    } catch (LDAPException e) {
      throw DirectoryConnector.failure(Stage.SEARCH, opened.server(), e);
    }
    LoginStatus status = status(entry);
    return new DirectoryUser(
        Optional.ofNullable(entry.getAttributeValue(attributes.login())).orElse(""),
        value(entry, attributes.userPrincipalName()),
        value(entry, attributes.displayName()),
        value(entry, attributes.mail()),
        entry.getDN(),
        status == LoginStatus.DISABLED,
        AccountState.isExpired(value(entry, attributes.accountExpires()), clock.instant()),
        all);
  }

  private LoginStatus status(SearchResultEntry entry) {
    if (AccountState.isDisabled(
        value(entry, attributes.userAccountControl()),
        attributes.disabledFlag().flatMap(flag -> value(entry, flag)))) {
      return LoginStatus.DISABLED;
    }
    if (AccountState.isExpired(value(entry, attributes.accountExpires()), clock.instant())) {
      return LoginStatus.EXPIRED;
    }
    return LoginStatus.ENABLED;
  }

  private static Optional<String> value(SearchResultEntry entry, String attribute) {
    return Optional.ofNullable(entry.getAttributeValue(attribute));
  }
}
