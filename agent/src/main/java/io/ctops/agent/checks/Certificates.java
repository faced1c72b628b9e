package io.ctops.agent.checks;

import io.ctops.agent.certificates.CertificateFacts;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** How the certificate and cert_file checks judge a chain and report it. */
final class Certificates {
  private Certificates() {}

  /** Passes while the leaf (the first) is valid at {@code now}; the output is the chain's JSON. */
  static Outcome outcome(List<X509Certificate> chain, Map<String, ?> context, Instant now) {
    CertificateFacts leaf = CertificateFacts.of(chain.getFirst());
    List<CertificateFacts> rest =
        chain.subList(1, chain.size()).stream().map(CertificateFacts::of).toList();
    return Outcome.of(
        leaf.isValidAt(now), CertificateFacts.json(leaf, context, rest, CheckOutput.MAX_BYTES));
  }
}
