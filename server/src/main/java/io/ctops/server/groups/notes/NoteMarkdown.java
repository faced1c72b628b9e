package io.ctops.server.groups.notes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.Image;
import org.commonmark.node.Node;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.NodeRenderer;
import org.commonmark.renderer.html.DefaultUrlSanitizer;
import org.commonmark.renderer.html.HtmlNodeRendererContext;
import org.commonmark.renderer.html.HtmlRenderer;
import org.commonmark.renderer.html.HtmlWriter;
import org.commonmark.renderer.html.UrlSanitizer;

/**
 * Turns a note's Markdown into HTML that is safe to put in a page: raw HTML in the note is shown as
 * text, only http, https and mailto links survive (javascript:, data: and the like become empty),
 * and every link opens in a new tab without handing the page to it (rel="noopener noreferrer
 * nofollow"). Images are shown as links: a note never makes the browser fetch anything by itself
 * (the page's policy would refuse other sites' images anyway).
 */
final class NoteMarkdown {
  static final String LINK_REL = "noopener noreferrer nofollow";

  private static final UrlSanitizer URLS =
      new DefaultUrlSanitizer(List.of("http", "https", "mailto"));
  private static final Parser PARSER = Parser.builder().build();
  private static final HtmlRenderer RENDERER =
      HtmlRenderer.builder()
          .escapeHtml(true)
          .sanitizeUrls(true)
          .urlSanitizer(URLS)
          .attributeProviderFactory(context -> NoteMarkdown::linkAttributes)
          .nodeRendererFactory(ImageAsLink::new)
          .build();

  private NoteMarkdown() {}

  static String html(String markdown) {
    return RENDERER.render(PARSER.parse(markdown));
  }

  private static void linkAttributes(Node node, String tagName, Map<String, String> attributes) {
    if (tagName.equals("a")) {
      attributes.put("rel", LINK_REL);
      attributes.put("target", "_blank");
    }
  }

  /** {@code ![alt](url)} becomes a link to the url reading "alt" (or the url without one). */
  private static final class ImageAsLink implements NodeRenderer {
    private final HtmlNodeRendererContext context;

    ImageAsLink(HtmlNodeRendererContext context) {
      this.context = context;
    }

    @Override
    public Set<Class<? extends Node>> getNodeTypes() {
      return Set.of(Image.class);
    }

    @Override
    public void render(Node node) {
      Image image = (Image) node;
      String url = context.encodeUrl(URLS.sanitizeLinkUrl(image.getDestination()));
      StringBuilder alt = new StringBuilder();
      image.accept(
          new AbstractVisitor() {
            @Override
            public void visit(Text text) {
              alt.append(text.getLiteral());
            }
          });
      HtmlWriter html = context.getWriter();
      Map<String, String> href = new LinkedHashMap<>();
      href.put("href", url);
      html.tag("a", context.extendAttributes(node, "a", href));
      html.text(alt.isEmpty() ? url : alt.toString());
      html.tag("/a");
    }
  }
}
