package io.ctops.server.enrolment;

import com.google.common.net.InetAddresses;
import io.ctops.protocol.v1.RegisterRequest;
import io.ctops.protocol.v1.Tag;
import io.ctops.server.platform.grpc.AgentText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@code Register} call, checked: every field an agent sends is validated here before anything
 * touches the database, and each problem has a message that tells the agent's operator what to fix.
 */
public record RegistrationRequest(
    String token,
    AgentPublicKey publicKey,
    String hostname,
    String os,
    String osVersion,
    String arch,
    List<String> ipAddresses,
    String version,
    Map<String, String> tags,
    Optional<byte[]> csrDer) {

  public static final int MAX_HOSTNAME = 253;
  public static final int MAX_IPS = 64;
  static final int MAX_TEXT = 256;
  static final int MAX_TAGS = 64;

  /** The request is malformed; the message names the field. */
  public static final class InvalidRequestException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidRequestException(String message) {
      super(message);
    }
  }

  /** The request carries no enrolment token at all. */
  public static final class MissingTokenException extends Exception {
    private static final long serialVersionUID = 1L;

    MissingTokenException() {
      super("enrolment token missing: set org_token to a token from 'ctops token create'");
    }
  }

  public static RegistrationRequest from(RegisterRequest request)
      throws InvalidRequestException, MissingTokenException {
    Optional<String> nul = AgentText.nulIn(request, Set.of());
    if (nul.isPresent()) {
      throw new InvalidRequestException(nul.get());
    }
    if (request.getOrgToken().isBlank()) {
      throw new MissingTokenException();
    }
    AgentPublicKey key;
    try {
      key = AgentPublicKey.parse(request.getPublicKey());
    } catch (AgentPublicKey.InvalidKeyException e) {
      throw new InvalidRequestException(e.getMessage());
    }
    String hostname = request.getAgentInfo().getHostname().strip();
    if (hostname.isEmpty()) {
      throw new InvalidRequestException("agent_info.hostname is empty");
    }
    if (hostname.length() > MAX_HOSTNAME) {
      throw new InvalidRequestException(
          "agent_info.hostname is longer than " + MAX_HOSTNAME + " characters");
    }
    requirePrintable("agent_info.hostname", hostname);
    List<String> ips = addresses(request.getPlatformInfo().getIpAddressesList());
    Map<String, String> tags = new LinkedHashMap<>();
    if (request.getTagsCount() > MAX_TAGS) {
      throw new InvalidRequestException("more than " + MAX_TAGS + " tags");
    }
    for (Tag tag : request.getTagsList()) {
      if (tag.getKey().isBlank() || tag.getKey().length() > 128 || tag.getValue().length() > 1024) {
        throw new InvalidRequestException(
            "tag keys must be 1 to 128 characters and values at most 1024");
      }
      tags.put(tag.getKey(), tag.getValue());
    }
    return new RegistrationRequest(
        request.getOrgToken().strip(),
        key,
        hostname,
        text("platform_info.os", request.getPlatformInfo().getOs()),
        text("platform_info.os_version", request.getPlatformInfo().getOsVersion()),
        text("platform_info.arch", request.getPlatformInfo().getArch()),
        ips,
        text("agent_info.version", request.getAgentInfo().getVersion()),
        tags,
        request.getCsrDer().isEmpty()
            ? Optional.empty()
            : Optional.of(request.getCsrDer().toByteArray()));
  }

  /** IP literals in canonical form, without duplicates; anything else is refused. */
  static List<String> addresses(List<String> raw) throws InvalidRequestException {
    if (raw.size() > MAX_IPS) {
      throw new InvalidRequestException(
          "platform_info.ip_addresses has " + raw.size() + " entries; at most " + MAX_IPS);
    }
    LinkedHashSet<String> canonical = new LinkedHashSet<>();
    for (String address : raw) {
      String trimmed = address.strip();
      // Only literals: an entry must never make us resolve a name.
      if (!InetAddresses.isInetAddress(trimmed)) {
        throw new InvalidRequestException(
            "platform_info.ip_addresses: '" + shorten(address) + "' is not an IP address");
      }
      canonical.add(InetAddresses.toAddrString(InetAddresses.forString(trimmed)));
    }
    return new ArrayList<>(canonical);
  }

  private static String text(String field, String value) throws InvalidRequestException {
    String stripped = value.strip();
    if (stripped.length() > MAX_TEXT) {
      throw new InvalidRequestException(field + " is longer than " + MAX_TEXT + " characters");
    }
    requirePrintable(field, stripped);
    return stripped;
  }

  private static void requirePrintable(String field, String value) throws InvalidRequestException {
    if (value.chars().anyMatch(Character::isISOControl)) {
      throw new InvalidRequestException(field + " contains control characters");
    }
  }

  private static String shorten(String value) {
    return value.length() > 60 ? value.substring(0, 60) + "…" : value;
  }
}
