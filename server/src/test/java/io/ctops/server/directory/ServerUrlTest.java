package io.ctops.server.directory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerUrlTest {
  @Test
  void ldapDefaultsTo389AndLdapsTo636() {
    assertThat(ServerUrl.parse("ldap://dc1.corp.example"))
        .isEqualTo(new ServerUrl(false, "dc1.corp.example", 389));
    assertThat(ServerUrl.parse(" LDAPS://dc1.corp.example/ "))
        .isEqualTo(new ServerUrl(true, "dc1.corp.example", 636));
  }

  @Test
  void keepsAnExplicitPortAndReadsIpv6Addresses() {
    ServerUrl url = ServerUrl.parse("ldap://[fd00::5]:3268");
    assertThat(url).isEqualTo(new ServerUrl(false, "fd00::5", 3268));
    assertThat(url.toString()).isEqualTo("ldap://[fd00::5]:3268");
    assertThat(url.address()).isEqualTo("[fd00::5]:3268");
  }
}
