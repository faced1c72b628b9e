package io.ctops.server.directory;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPSearchException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every group a person is in, nested ones included. Active Directory lists only direct groups in a
 * user's {@code memberOf}; a group in a group carries its own {@code memberOf}, so groups are
 * followed upwards. Directories without {@code memberOf} name members in a group's {@code member}
 * (or {@code uniqueMember}), found by searching the group base DN. A loop of groups, or a chain
 * deeper than {@link #MAX_DEPTH}, ends the walk instead of hanging it. One instance per request: it
 * remembers the groups it has read so a lookup of many people reads each group once.
 */
final class NestedGroups {
  static final int MAX_DEPTH = 10;
  static final int MAX_GROUPS = 1000;
  private static final String[] NO_ATTRIBUTES = {"1.1"};

  private final LDAPConnection connection;
  private final String memberOfAttribute;
  private final Optional<String> groupBaseDn;
  private final Map<DN, List<String>> parents = new HashMap<>();

  NestedGroups(LDAPConnection connection, String memberOfAttribute, Optional<String> groupBaseDn) {
    this.connection = connection;
    this.memberOfAttribute = memberOfAttribute;
    this.groupBaseDn = groupBaseDn;
  }

  /** The groups of the entry {@code dn} whose own {@code memberOf} holds {@code direct}. */
  List<String> of(String dn, List<String> direct) throws LDAPException {
    List<String> groups = new ArrayList<>();
    Set<DN> seen = new HashSet<>();
    Deque<Step> next = new ArrayDeque<>();
    List<String> first = new ArrayList<>(direct);
    first.addAll(membersSearch(dn));
    for (String group : first) {
      next.add(new Step(group, 1));
    }
    while (!next.isEmpty() && groups.size() < MAX_GROUPS) {
      Step step = next.poll();
      Optional<DN> parsed = parse(step.dn());
      if (parsed.isEmpty() || !seen.add(parsed.get())) {
        continue;
      }
      groups.add(step.dn());
      if (step.depth() < MAX_DEPTH) {
        for (String parent : parentsOf(parsed.get(), step.dn())) {
          next.add(new Step(parent, step.depth() + 1));
        }
      }
    }
    return groups;
  }

  private record Step(String dn, int depth) {}

  private List<String> parentsOf(DN key, String dn) throws LDAPException {
    List<String> known = parents.get(key);
    if (known != null) {
      return known;
    }
    List<String> found = new ArrayList<>();
    try {
      SearchResultEntry group = connection.getEntry(dn, memberOfAttribute);
      if (group != null && group.getAttributeValues(memberOfAttribute) != null) {
        found.addAll(Arrays.asList(group.getAttributeValues(memberOfAttribute)));
      }
    } catch (LDAPException e) {
      // a memberOf value naming a group that is gone, or one the account may not read
      if (e.getResultCode() != ResultCode.NO_SUCH_OBJECT
          && e.getResultCode() != ResultCode.INSUFFICIENT_ACCESS_RIGHTS) {
        throw e;
      }
    }
    found.addAll(membersSearch(dn));
    parents.put(key, found);
    return found;
  }

  /** Groups under the group base DN naming {@code dn} as a member. */
  private List<String> membersSearch(String dn) throws LDAPException {
    if (groupBaseDn.isEmpty()) {
      return List.of();
    }
    Filter filter =
        Filter.createORFilter(
            Filter.createEqualityFilter("member", dn),
            Filter.createEqualityFilter("uniqueMember", dn));
    try {
      SearchResult result =
          connection.search(groupBaseDn.get(), SearchScope.SUB, filter, NO_ATTRIBUTES);
      return result.getSearchEntries().stream().map(SearchResultEntry::getDN).toList();
    } catch (LDAPSearchException e) {
      if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
        return e.getSearchEntries().stream().map(SearchResultEntry::getDN).toList();
      }
      throw e;
    }
  }

  private static Optional<DN> parse(String dn) {
    try {
      return Optional.of(new DN(dn));
    } catch (LDAPException e) {
      return Optional.empty();
    }
  }
}
