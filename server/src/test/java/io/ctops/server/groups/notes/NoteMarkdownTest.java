package io.ctops.server.groups.notes;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Notes render as Markdown, and nothing a note says can run or load anything in the page. */
class NoteMarkdownTest {

  @Test
  void rendersMarkdown() {
    String html = NoteMarkdown.html("# Runbook\n\n- **restart** `nginx`\n- then check\n");
    assertThat(html)
        .contains("<h1>Runbook</h1>")
        .contains("<li><strong>restart</strong> <code>nginx</code></li>")
        .contains("<li>then check</li>");
  }

  @Test
  void scriptTagsAreShownAsText() {
    String html = NoteMarkdown.html("before <script>alert(1)</script> after");
    assertThat(html).doesNotContain("<script").contains("&lt;script&gt;alert(1)&lt;/script&gt;");
  }

  @Test
  void rawHtmlBlocksAreShownAsText() {
    String html =
        NoteMarkdown.html(
            "<div onclick=\"alert(1)\">\n<iframe src=\"https://evil.example\"></iframe>\n</div>\n");
    assertThat(html).doesNotContain("<div").doesNotContain("<iframe").contains("&lt;iframe");
  }

  @Test
  void imageTagsWithHandlersAreShownAsText() {
    String html = NoteMarkdown.html("<img src=x onerror=alert(1)>");
    assertThat(html).doesNotContain("<img").contains("&lt;img src=x onerror=alert(1)&gt;");
  }

  @Test
  void javascriptAndDataLinksLoseTheirTarget() {
    for (String markdown :
        new String[] {
          "[click](javascript:alert(1))",
          "[click](JavaScript:alert(1))",
          "[click](  javascript:alert(1))",
          "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
          "[click](vbscript:msgbox(1))",
          "<javascript:alert(1)>",
          "[click][ref]\n\n[ref]: javascript:alert(1)"
        }) {
      String html = NoteMarkdown.html(markdown);
      // the text may still read "javascript:…" (an autolink shows its address); no href holds it
      assertThat(html)
          .as(markdown)
          .contains("href=\"\"")
          .doesNotContainPattern("(?i)href=\"[^\"]+");
    }
  }

  @Test
  void linksOpenInANewTabWithoutTheOpener() {
    String html = NoteMarkdown.html("See [the wiki](https://wiki.example/a?b=1&c=2).");
    assertThat(html)
        .contains("href=\"https://wiki.example/a?b=1&amp;c=2\"")
        .contains(" rel=\"noopener noreferrer nofollow\"")
        .contains(" target=\"_blank\">the wiki</a>");
  }

  @Test
  void imagesBecomeLinksAndLoadNothing() {
    String html = NoteMarkdown.html("![graph](https://grafana.example/x.png)");
    assertThat(html)
        .doesNotContain("<img")
        .contains("href=\"https://grafana.example/x.png\"")
        .contains("rel=\"noopener noreferrer nofollow\"")
        .contains(">graph</a>");
    assertThat(NoteMarkdown.html("![x\" onerror=\"alert(1)](javascript:alert(1))"))
        .doesNotContain("<img")
        .doesNotContain("javascript:")
        .doesNotContain("onerror=\"");
  }

  @Test
  void attributeBreakoutsInLinkTitlesAreEscaped() {
    String html = NoteMarkdown.html("[a](https://x.example \"t\\\" onmouseover=\\\"alert(1)\")");
    assertThat(html).doesNotContain("\" onmouseover=\"").contains("&quot; onmouseover=");
  }
}
