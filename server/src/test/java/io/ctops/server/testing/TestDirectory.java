package io.ctops.server.testing;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.schema.Schema;
import com.unboundid.ldif.LDIFException;
import com.unboundid.ldif.LDIFReader;
import io.ctops.server.directory.DirectorySettings;
import io.ctops.server.platform.pki.DevelopmentCertificate;
import io.ctops.server.platform.pki.Pem;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;

/**
 * A real LDAP server in the test JVM (UnboundID's in-memory directory server) holding a small
 * Active Directory-like domain ({@code directory/corp.ldif}, schema {@code
 * directory/ad-schema.ldif} on top of the standard one, schema checking on). It listens twice on
 * ephemeral ports: plain LDAP that offers StartTLS, and LDAPS; both present a {@link
 * DevelopmentCertificate} for localhost, whose PEM {@link #caCertificatePem()} gives the settings
 * to trust.
 */
public final class TestDirectory implements AutoCloseable {
  public static final String BASE_DN = "DC=corp,DC=example";
  public static final String PEOPLE_DN = "OU=People,DC=corp,DC=example";
  public static final String GROUPS_DN = "OU=Groups,DC=corp,DC=example";
  public static final String READER_DN = "CN=ctops-reader,OU=Service,DC=corp,DC=example";
  public static final String READER_PASSWORD = "reader-secret";

  private final InMemoryDirectoryServer server;
  private final DevelopmentCertificate certificate;

  private TestDirectory(InMemoryDirectoryServer server, DevelopmentCertificate certificate) {
    this.server = server;
    this.certificate = certificate;
  }

  public static TestDirectory start() {
    DevelopmentCertificate certificate = DevelopmentCertificate.create(Set.of());
    try {
      SSLContext tls = serverTls(certificate);
      InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(BASE_DN);
      try (InputStream schema = resource("directory/ad-schema.ldif")) {
        config.setSchema(
            Schema.mergeSchemas(Schema.getDefaultStandardSchema(), Schema.getSchema(schema)));
      }
      config.setListenerConfigs(
          InMemoryListenerConfig.createLDAPConfig("ldap", null, 0, tls.getSocketFactory()),
          InMemoryListenerConfig.createLDAPSConfig(
              "ldaps", null, 0, tls.getServerSocketFactory(), tls.getSocketFactory()));
      InMemoryDirectoryServer server = new InMemoryDirectoryServer(config);
      try (InputStream data = resource("directory/corp.ldif")) {
        server.importFromLDIF(true, new LDIFReader(data));
      }
      server.startListening();
      return new TestDirectory(server, certificate);
    } catch (LDAPException | LDIFException | IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot start the test directory", e);
    }
  }

  /** {@code ldap://localhost:port}: plain LDAP, upgraded with StartTLS. */
  public String startTlsUrl() {
    return "ldap://localhost:" + server.getListenPort("ldap");
  }

  /** {@code ldaps://localhost:port}. */
  public String ldapsUrl() {
    return "ldaps://localhost:" + server.getListenPort("ldaps");
  }

  /** The PEM of the certificate both listeners present (self-signed: its own CA). */
  public String caCertificatePem() {
    return Pem.encode(certificate.certificate());
  }

  /**
   * Active Directory defaults for this domain over StartTLS, trusting its certificate, searching as
   * the reader account, groups under {@link #GROUPS_DN}, no role mappings yet.
   */
  public DirectorySettings settings() {
    return DirectorySettings.activeDirectory(
            List.of(startTlsUrl()), READER_DN, READER_PASSWORD, PEOPLE_DN)
        .withCaCertificate(Optional.of(caCertificatePem()))
        .withGroupBaseDn(Optional.of(GROUPS_DN));
  }

  /** Stops listening: clients then find the ports closed. */
  @Override
  public void close() {
    server.shutDown(true);
  }

  private static SSLContext serverTls(DevelopmentCertificate certificate)
      throws GeneralSecurityException, IOException {
    char[] password = "test".toCharArray();
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry(
        "server",
        certificate.keyPair().getPrivate(),
        password,
        new Certificate[] {
          new JcaX509CertificateConverter().getCertificate(certificate.certificate())
        });
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);
    return context;
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = TestDirectory.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IOException("no test resource " + name);
    }
    return in;
  }
}
