package io.ctops.server.directory;

import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which directory attribute holds each fact about a person. The defaults are Active Directory's;
 * other directories change them (OpenLDAP: {@code uid}, no UPN, {@code memberOf} from its overlay).
 * {@code disabledFlag}, when set, names an attribute that marks an account disabled when it holds
 * anything but {@code FALSE} or {@code 0} (389 Directory Server's {@code nsAccountLock}), for
 * directories without {@code userAccountControl}.
 */
public record AttributeMapping(
    String login,
    String userPrincipalName,
    String displayName,
    String mail,
    String memberOf,
    String userAccountControl,
    String accountExpires,
    Optional<String> disabledFlag) {

  public static AttributeMapping activeDirectory() {
    return new AttributeMapping(
        "sAMAccountName",
        "userPrincipalName",
        "displayName",
        "mail",
        "memberOf",
        "userAccountControl",
        "accountExpires",
        Optional.empty());
  }

  /** Every attribute a user search asks for. */
  String[] userAttributes() {
    return Stream.concat(
            Stream.of(
                login,
                userPrincipalName,
                displayName,
                mail,
                memberOf,
                userAccountControl,
                accountExpires),
            disabledFlag.stream())
        .toArray(String[]::new);
  }
}
