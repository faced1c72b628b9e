package io.ctops.server.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
  private static final TrustedProxies PROXIES =
      TrustedProxies.parse("10.0.0.0/8, 192.168.1.7 ,fd00::/8");

  @Test
  void theClientIsTheRightMostForwardedAddressThatIsNotATrustedProxy() {
    record Case(String peer, List<String> forwardedFor, String client) {}
    List<Case> cases =
        List.of(
            // no proxy in front: the header is whatever the client wrote
            new Case("203.0.113.5", List.of("198.51.100.1"), "203.0.113.5"),
            new Case("203.0.113.5", List.of(), "203.0.113.5"),
            // a trusted peer: the address it appended, not what the client claimed before it
            new Case("10.1.2.3", List.of("1.1.1.1, 198.51.100.1"), "198.51.100.1"),
            new Case("192.168.1.7", List.of("198.51.100.1"), "198.51.100.1"),
            // proxies in a chain are skipped, also over several headers
            new Case("10.1.2.3", List.of("1.1.1.1, 198.51.100.1, 10.9.9.9"), "198.51.100.1"),
            new Case("10.1.2.3", List.of("198.51.100.1", "10.9.9.9"), "198.51.100.1"),
            new Case("10.1.2.3", List.of("10.9.9.9, 10.8.8.8"), "10.9.9.9"),
            // a trusted peer without the header is the client itself
            new Case("10.1.2.3", List.of(), "10.1.2.3"),
            // ports and brackets as proxies write them; IPv6
            new Case("10.1.2.3", List.of("198.51.100.1:4711"), "198.51.100.1"),
            new Case("fd00::1", List.of("[2001:db8::5]:443"), "2001:db8:0:0:0:0:0:5"),
            new Case("[fd00::1]", List.of("2001:db8::5"), "2001:db8:0:0:0:0:0:5"),
            new Case("192.168.1.8", List.of("198.51.100.1"), "192.168.1.8"),
            // garbage stops the walk at the last address a trusted proxy vouched for
            new Case("10.1.2.3", List.of("unknown"), "10.1.2.3"),
            new Case("10.1.2.3", List.of("198.51.100.1, not-an-ip, 10.9.9.9"), "10.9.9.9"),
            new Case("10.1.2.3", List.of("1.2.3.256"), "10.1.2.3"));
    for (Case c : cases) {
      assertThat(PROXIES.clientAddress(c.peer(), c.forwardedFor()))
          .as(c.toString())
          .isEqualTo(c.client());
    }
    assertThat(TrustedProxies.none().clientAddress("10.1.2.3", List.of("198.51.100.1")))
        .isEqualTo("10.1.2.3");
  }

  @Test
  void aMalformedListStopsStartUpNamingTheVariableAndTheEntry() {
    for (String bad : List.of("10.0.0.0/33", "10.0.0/8", "example.com", "::1/129", "10.0.0.0/x")) {
      assertThatThrownBy(
              () -> WebSettings.from(new Environment(Map.of("WEB_TRUSTED_PROXIES", bad)), 9443))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "WEB_TRUSTED_PROXIES: must be comma-separated CIDRs like 10.0.0.0/8 or 192.168.1.7,"
                  + " got '"
                  + bad
                  + "'");
    }
    assertThat(WebSettings.from(new Environment(Map.of()), 9443).trustedProxies().isEmpty())
        .isTrue();
    assertThat(
            WebSettings.from(new Environment(Map.of("WEB_TRUSTED_PROXIES", "127.0.0.1/32")), 9443)
                .trustedProxies()
                .clientAddress("127.0.0.1", List.of("198.51.100.1")))
        .isEqualTo("198.51.100.1");
  }
}
