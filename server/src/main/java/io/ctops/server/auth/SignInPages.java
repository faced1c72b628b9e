package io.ctops.server.auth;

import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Set-up (the first account, a super admin, only while no account exists), sign-in and sign-out. A
 * wrong password and an unknown email get the same message after the same work (an Argon2id check
 * either way). Every sign-in is in the audit log, and so is every wrong one (with the email typed);
 * attempts the throttle turns away unchecked are not, so they cannot flood it.
 */
public final class SignInPages {
  static final String BAD_CREDENTIALS = "Wrong email or password.";
  static final String THROTTLED =
      "Too many failed sign-ins from your address; wait up to 15 minutes and try again.";

  private final Pages pages;
  private final Users users;
  private final PasswordHashing passwords;
  private final LoginThrottle throttle;
  private final WebAccess access;
  private final Jdbi jdbi;

  public SignInPages(
      Jdbi jdbi,
      Pages pages,
      Users users,
      PasswordHashing passwords,
      LoginThrottle throttle,
      WebAccess access) {
    this.pages = pages;
    this.users = users;
    this.passwords = passwords;
    this.throttle = throttle;
    this.access = access;
    this.jdbi = jdbi;
  }

  /**
   * The forms' state: what was typed (never the password), what went wrong, and the page to return
   * to after signing in (empty: the host list).
   */
  public record FormView(String email, String displayName, String error, String next) {
    public FormView(String email, String displayName, String error) {
      this(email, displayName, error, "");
    }
  }

  /** The page asked for before signing in, when it is one of ours; empty otherwise. */
  private static String next(String asked) {
    String target = SignInReturn.target(asked);
    return target.equals(SignInReturn.DEFAULT) ? "" : target;
  }

  public void routes(RoutesConfig routes) {
    routes.get("/setup", this::setupForm);
    routes.post("/setup", this::setup);
    routes.get("/login", this::loginForm);
    routes.post("/login", this::login);
    routes.post("/logout", this::logout);
  }

  private void setupForm(Context ctx) {
    if (users.anyExist()) {
      ctx.redirect("/login");
      return;
    }
    pages.page(ctx, "setup.jte", "Set up CT-Ops", "", new FormView("", "", ""));
  }

  private void setup(Context ctx) {
    if (users.anyExist()) {
      throw HttpProblem.forbidden("set-up is done; sign in instead");
    }
    String email = Optional.ofNullable(ctx.formParam("email")).orElse("");
    String name = Optional.ofNullable(ctx.formParam("display_name")).orElse("");
    String password = Optional.ofNullable(ctx.formParam("password")).orElse("");
    if (!password.equals(ctx.formParam("password_repeat"))) {
      ctx.status(400);
      pages.page(
          ctx,
          "setup.jte",
          "Set up CT-Ops",
          "",
          new FormView(email, name, "The passwords differ."));
      return;
    }
    Users.NewUser user;
    try {
      user = new Users.NewUser(email, name, password, Role.SUPER_ADMIN);
    } catch (IllegalArgumentException e) {
      ctx.status(400);
      pages.page(
          ctx,
          "setup.jte",
          "Set up CT-Ops",
          "",
          new FormView(email, name, capitalised(e.getMessage())));
      return;
    }
    Optional<Users.User> created =
        users.createFirstAdmin(
            user, Actor.signingIn(Optional.empty(), user.email(), WebAccess.clientAddress(ctx)));
    if (created.isEmpty()) {
      throw HttpProblem.forbidden("set-up is done; sign in instead");
    }
    users.signedIn(created.get().id());
    access.startSession(ctx, created.get().id());
    ctx.redirect("/hosts", HttpStatus.SEE_OTHER);
  }

  private void loginForm(Context ctx) {
    if (!users.anyExist()) {
      ctx.redirect("/setup");
      return;
    }
    pages.page(
        ctx, "login.jte", "Sign in", "", new FormView("", "", "", next(ctx.queryParam("next"))));
  }

  private void login(Context ctx) {
    String email = Optional.ofNullable(ctx.formParam("email")).orElse("").strip();
    String password = Optional.ofNullable(ctx.formParam("password")).orElse("");
    String address = WebAccess.clientAddress(ctx);
    String next = next(ctx.formParam("next"));
    // counted as failed from here on, whatever happens, until the password proves right
    if (!throttle.admit(email, address)) {
      // not recorded: these attempts are never checked, and logging them would let anyone
      // write to the audit log as fast as they can send requests
      ctx.status(429);
      pages.page(ctx, "login.jte", "Sign in", "", new FormView(email, "", THROTTLED, next));
      return;
    }
    Optional<Users.Credentials> credentials = users.credentials(email);
    boolean valid;
    if (credentials.isPresent()) {
      valid = passwords.matches(password, credentials.get().passwordHash());
    } else {
      passwords.matchDecoy(password);
      valid = false;
    }
    if (!valid) {
      refused(credentials, email, address);
      ctx.status(401);
      pages.page(ctx, "login.jte", "Sign in", "", new FormView(email, "", BAD_CREDENTIALS, next));
      return;
    }
    throttle.succeeded(email, address);
    users.signedIn(credentials.get().userId());
    access.startSession(ctx, credentials.get().userId());
    ctx.redirect(SignInReturn.target(next), HttpStatus.SEE_OTHER);
  }

  /** A refused sign-in, in the account's organisation when the email names an account. */
  private void refused(Optional<Users.Credentials> account, String email, String address) {
    AuditLog.recordAlone(
        jdbi,
        AuditEntry.of(
                account.map(Users.Credentials::orgId).orElse(null),
                Actor.signingIn(account.map(Users.Credentials::userId), email, address),
                AuditAction.SIGN_IN)
            .failed("wrong email or password"));
  }

  private void logout(Context ctx) {
    access.endSession(ctx);
    ctx.redirect("/login", HttpStatus.SEE_OTHER);
  }

  /**
   * A sign-in refused before it reached the form's handler (its text was malformed) still counts
   * against its address, so malformed attempts are limited like wrong passwords.
   */
  public void refusedSignIn(Context ctx) {
    String email;
    try {
      email = Optional.ofNullable(ctx.formParam("email")).orElse("");
    } catch (RuntimeException unreadable) {
      email = "";
    }
    throttle.admit(email, WebAccess.clientAddress(ctx));
  }

  static String capitalised(String message) {
    return message.isEmpty()
        ? message
        : Character.toUpperCase(message.charAt(0)) + message.substring(1) + ".";
  }
}
