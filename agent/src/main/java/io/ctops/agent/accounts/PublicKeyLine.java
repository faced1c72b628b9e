package io.ctops.agent.accounts;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * One OpenSSH public key line ({@code authorized_keys}, {@code *.pub}): optional options ({@code
 * no-pty,from="a,b" …}, quoted strings may hold blanks), the key type, the base64 key and a
 * comment. What is kept is the type, the size in bits, the comment and the SHA-256 fingerprint as
 * {@code ssh-keygen -l} prints it ({@code SHA256:} and unpadded base64 of the key's bytes); the key
 * itself never leaves this class.
 */
record PublicKeyLine(
    String type, int bits, String fingerprint, String comment, boolean hasOptions) {
  private static final Set<String> TYPES =
      Set.of(
          "ssh-rsa",
          "ssh-dss",
          "ssh-ed25519",
          "ssh-ed448",
          "ecdsa-sha2-nistp256",
          "ecdsa-sha2-nistp384",
          "ecdsa-sha2-nistp521",
          "sk-ssh-ed25519@openssh.com",
          "sk-ecdsa-sha2-nistp256@openssh.com",
          "ssh-rsa-cert-v01@openssh.com",
          "ssh-dss-cert-v01@openssh.com",
          "ssh-ed25519-cert-v01@openssh.com",
          "ecdsa-sha2-nistp256-cert-v01@openssh.com",
          "ecdsa-sha2-nistp384-cert-v01@openssh.com",
          "ecdsa-sha2-nistp521-cert-v01@openssh.com",
          "sk-ssh-ed25519-cert-v01@openssh.com",
          "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com");

  /** Comments longer than this are cut: they are labels, and the output is small. */
  static final int MAX_COMMENT = 200;

  /** The key on {@code line}; empty for a blank line, a comment or anything that is not a key. */
  static Optional<PublicKeyLine> parse(String line) {
    String rest = line.strip();
    if (rest.isEmpty() || rest.startsWith("#")) {
      return Optional.empty();
    }
    String first = firstWord(rest);
    boolean hasOptions = !TYPES.contains(first);
    if (hasOptions) {
      // options come first; they end at the first blank outside double quotes
      int end = optionsEnd(rest);
      if (end < 0) {
        return Optional.empty();
      }
      rest = rest.substring(end).strip();
      first = firstWord(rest);
      if (!TYPES.contains(first)) {
        return Optional.empty();
      }
    }
    String[] parts = rest.split("\\s+", 3);
    if (parts.length < 2) {
      return Optional.empty();
    }
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(parts[1]);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    ByteBuffer in = ByteBuffer.wrap(blob);
    Optional<String> embedded = string(in).map(b -> new String(b, StandardCharsets.US_ASCII));
    if (embedded.isEmpty() || !embedded.get().equals(parts[0])) {
      return Optional.empty();
    }
    int bits = bits(parts[0], in);
    String comment = parts.length == 3 ? parts[2].strip() : "";
    if (comment.length() > MAX_COMMENT) {
      comment = comment.substring(0, MAX_COMMENT);
    }
    return Optional.of(new PublicKeyLine(parts[0], bits, fingerprint(blob), comment, hasOptions));
  }

  /** {@code SHA256:} and the unpadded base64 of the digest of the key's bytes. */
  static String fingerprint(byte[] blob) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** The key's size: RSA's modulus and DSA's p in bits, the curve's size otherwise; 0 unknown. */
  private static int bits(String type, ByteBuffer in) {
    String plain = type.replace("-cert-v01@openssh.com", "");
    if (!plain.equals(type)) {
      string(in); // a certificate's nonce comes before the key
    }
    return switch (plain) {
      case "ssh-rsa" -> {
        // e, then the modulus n
        string(in);
        yield string(in).map(n -> new BigInteger(1, n).bitLength()).orElse(0);
      }
      case "ssh-dss" -> string(in).map(p -> new BigInteger(1, p).bitLength()).orElse(0);
      case "ssh-ed25519", "sk-ssh-ed25519@openssh.com" -> 256;
      case "ssh-ed448" -> 456;
      case "ecdsa-sha2-nistp256", "sk-ecdsa-sha2-nistp256@openssh.com" -> 256;
      case "ecdsa-sha2-nistp384" -> 384;
      case "ecdsa-sha2-nistp521" -> 521;
      default -> 0;
    };
  }

  /** An SSH wire string (a 32-bit length, then that many bytes), if the buffer holds one. */
  private static Optional<byte[]> string(ByteBuffer in) {
    if (in.remaining() < 4) {
      return Optional.empty();
    }
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) {
      return Optional.empty();
    }
    byte[] bytes = new byte[length];
    in.get(bytes);
    return Optional.of(bytes);
  }

  private static String firstWord(String text) {
    int blank = 0;
    while (blank < text.length() && !Character.isWhitespace(text.charAt(blank))) {
      blank++;
    }
    return text.substring(0, blank);
  }

  /** Where the options end: the first blank outside double quotes; -1 when none. */
  private static int optionsEnd(String text) {
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' && quoted) {
        i++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && Character.isWhitespace(c)) {
        return i;
      }
    }
    return -1;
  }
}
