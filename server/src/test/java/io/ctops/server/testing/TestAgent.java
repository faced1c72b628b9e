package io.ctops.server.testing;

import com.google.protobuf.ByteString;
import io.ctops.protocol.v1.AgentInfo;
import io.ctops.protocol.v1.PlatformInfo;
import io.ctops.protocol.v1.RegisterRequest;
import io.ctops.server.platform.pki.Pem;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** An agent identity for tests: an Ed25519 key pair, a hostname and addresses. */
public final class TestAgent {
  public final KeyPair keys;
  public final String hostname;
  public final List<String> ips;

  public TestAgent(String hostname, String... ips) {
    this(newKeyPair(), hostname, ips);
  }

  public TestAgent(KeyPair keys, String hostname, String... ips) {
    this.keys = keys;
    this.hostname = hostname;
    this.ips = List.of(ips);
  }

  public static KeyPair newKeyPair() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public String publicKeyPem() {
    return pem(keys.getPublic());
  }

  /** The key as the original CT-Ops agent sends it: a PUBLIC KEY block holding the raw 32 bytes. */
  public String rawPublicKeyPem() {
    byte[] raw =
        SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded())
            .getPublicKeyData()
            .getBytes();
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getEncoder().encodeToString(raw)
        + "\n-----END PUBLIC KEY-----\n";
  }

  public static String pem(PublicKey key) {
    return Pem.encode(SubjectPublicKeyInfo.getInstance(key.getEncoded()));
  }

  public RegisterRequest.Builder request(String token) {
    return RegisterRequest.newBuilder()
        .setOrgToken(token)
        .setPublicKey(publicKeyPem())
        .setPlatformInfo(
            PlatformInfo.newBuilder()
                .setOs("linux")
                .setArch("amd64")
                .setOsVersion("Debian 12")
                .addAllIpAddresses(ips))
        .setAgentInfo(AgentInfo.newBuilder().setHostname(hostname).setVersion("0.0.1"));
  }

  public RegisterRequest.Builder requestWithCsr(String token) {
    return request(token).setCsrDer(ByteString.copyFrom(csr(keys)));
  }

  public static byte[] csr(KeyPair keys) {
    try {
      return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=agent"), keys.getPublic())
          .build(new JcaContentSignerBuilder("Ed25519").build(keys.getPrivate()))
          .getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
