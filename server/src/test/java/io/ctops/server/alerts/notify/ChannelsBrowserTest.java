package io.ctops.server.alerts.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.testing.Browser;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebFixture;
import io.ctops.server.testing.WebhookReceiver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/** The channels page in real headless Chromium: make a webhook channel and send it a test. */
class ChannelsBrowserTest {
  private static Browser browser;
  @RegisterExtension final FreshDatabase db = new FreshDatabase();
  private WebFixture web;
  private WebhookReceiver receiver;

  @BeforeAll
  static void openBrowser() {
    assertThat(Browser.isInstalled())
        .as("Debian chromium and chromium-driver (the build's test set-up installs them)")
        .isTrue();
    browser = new Browser();
  }

  @AfterAll
  static void closeBrowser() {
    if (browser != null) {
      browser.close();
    }
  }

  @AfterEach
  void stop() {
    browser.driver.manage().deleteAllCookies();
    browser.driver.get("about:blank");
    if (web != null) {
      web.close();
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  private WebElement find(String css) {
    return browser.driver.findElement(By.cssSelector(css));
  }

  @Test
  void createsAWebhookChannelAndItsSendTestReachesTheReceiver() throws Exception {
    receiver = WebhookReceiver.start();
    web = WebFixture.on(db.database());
    web.admin();
    browser.driver.get(web.baseUrl() + "/login");
    browser.waitFor(d -> !d.findElements(By.id("email")).isEmpty());
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));

    browser.driver.get(web.baseUrl() + "/alerts/channels");
    browser.waitFor(d -> !d.findElements(By.id("channel-form")).isEmpty());
    // only the chosen kind's fields show
    new Select(find("#channel-kind")).selectByValue("email");
    assertThat(find("#channel-url").isDisplayed()).isFalse();
    assertThat(find("#channel-recipients").isDisplayed()).isTrue();
    new Select(find("#channel-kind")).selectByValue("webhook");
    assertThat(find("#channel-recipients").isDisplayed()).isFalse();
    find("#channel-name").sendKeys("ops webhook");
    find("#channel-url").sendKeys(receiver.url("/hook").toString());
    find("#channel-secret").sendKeys("a-secret-of-enough-length");
    find("#create-channel").click();
    browser.waitFor(d -> !d.findElements(By.id("send-test")).isEmpty());
    assertThat(find("h1").getText()).isEqualTo("ops webhook");

    find("#send-test").click();
    browser.waitFor(d -> !d.findElements(By.id("test-result")).isEmpty());
    assertThat(find("#test-result").getText()).startsWith("Delivered").contains("HTTP 200");
    assertThat(receiver.requests()).hasSize(1);
    WebhookReceiver.Request sent = receiver.requests().getFirst();
    assertThat(new ObjectMapper().readTree(sent.body()).get("event").asText()).isEqualTo("test");
    assertThat(sent.signature())
        .isEqualTo(
            "sha256=" + NotificationStormTest.hmac("a-secret-of-enough-length", sent.body()));
    assertThat(browser.consoleErrors()).isEmpty();
  }
}
