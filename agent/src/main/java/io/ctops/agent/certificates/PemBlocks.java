package io.ctops.agent.certificates;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PEM blocks of a file (RFC 7468, and OpenSSL's encrypted "traditional" keys with their {@code
 * Proc-Type} header), in file order. Text outside blocks (comments, a certificate's dump that
 * {@code openssl x509 -text} wrote above it) is ignored, as OpenSSL ignores it.
 */
final class PemBlocks {
  private static final Pattern BEGIN = Pattern.compile("-----BEGIN ([A-Z0-9 ]{1,64})-----");
  private static final String ENCRYPTED_HEADER = "Proc-Type: 4,ENCRYPTED";

  private PemBlocks() {}

  /**
   * One block.
   *
   * @param der the decoded body; empty when it is not valid base64 or the block has no end line
   * @param isEncrypted whether a header says the body is encrypted (an OpenSSL traditional key)
   */
  record Block(String label, byte[] der, boolean isEncrypted) {
    boolean isCertificate() {
      return label.equals("CERTIFICATE")
          || label.equals("X509 CERTIFICATE")
          || label.equals("TRUSTED CERTIFICATE");
    }

    boolean isPrivateKey() {
      return label.endsWith("PRIVATE KEY");
    }
  }

  /** Whether {@code text} has a PEM begin line at all (else a file may still be DER). */
  static boolean hasBlocks(String text) {
    return BEGIN.matcher(text).find();
  }

  /** The blocks of {@code text} (read as ISO-8859-1, so any bytes are one character each). */
  static List<Block> read(String text) {
    List<Block> blocks = new ArrayList<>();
    Matcher begin = BEGIN.matcher(text);
    int from = 0;
    while (begin.find(from)) {
      String label = begin.group(1);
      String endLine = "-----END " + label + "-----";
      int end = text.indexOf(endLine, begin.end());
      if (end < 0) {
        blocks.add(new Block(label, new byte[0], false));
        break;
      }
      String body = text.substring(begin.end(), end);
      boolean isEncrypted = body.contains(ENCRYPTED_HEADER);
      blocks.add(new Block(label, decode(body), isEncrypted));
      from = end + endLine.length();
    }
    return blocks;
  }

  private static byte[] decode(String body) {
    StringBuilder base64 = new StringBuilder(body.length());
    for (String line : body.split("\r?\n")) {
      // RFC 1421 headers ("Proc-Type: …", "DEK-Info: …") precede the data; base64 has no colon.
      if (line.indexOf(':') < 0) {
        base64.append(line.strip());
      }
    }
    try {
      return Base64.getDecoder().decode(base64.toString());
    } catch (IllegalArgumentException notBase64) {
      return new byte[0];
    }
  }
}
