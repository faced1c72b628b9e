package io.ctops.server.web;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.http.Context;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Renders the JTE templates (compiled into the jar at build time; HTML output is escaped unless a
 * template says otherwise, so host-reported strings always render as text).
 */
public final class Pages {
  private final TemplateEngine engine = TemplateEngine.createPrecompiled(ContentType.Html);
  private final Function<Context, PageUser> signedIn;
  private final Function<Context, String> anonymousCsrf;

  /**
   * {@code signedIn} names the request's user (null: nobody signed in); {@code anonymousCsrf} gives
   * the token for the forms of signed-out pages (sign-in, set-up).
   */
  public Pages(Function<Context, PageUser> signedIn, Function<Context, String> anonymousCsrf) {
    this.signedIn = signedIn;
    this.anonymousCsrf = anonymousCsrf;
  }

  /** A whole page within the layout; {@code model} may be null for pages that need none. */
  public void page(Context ctx, String template, String title, String nav, Object model) {
    PageUser user = signedIn.apply(ctx);
    String csrf = user != null ? user.csrfToken() : anonymousCsrf.apply(ctx);
    Map<String, Object> params = new HashMap<>();
    params.put("page", new PageContext(title, user, csrf, nav));
    params.put("model", model);
    ctx.html(render(template, params));
  }

  /** A fragment for htmx: no layout, just the part that is swapped in. */
  public void fragment(Context ctx, String template, Object model) {
    PageUser user = signedIn.apply(ctx);
    Map<String, Object> params = new HashMap<>();
    params.put("page", new PageContext("", user, user == null ? "" : user.csrfToken(), ""));
    params.put("model", model);
    ctx.html(render(template, params));
  }

  public String render(String template, Map<String, Object> params) {
    StringOutput out = new StringOutput();
    engine.render(template, params, out);
    return out.toString();
  }
}
