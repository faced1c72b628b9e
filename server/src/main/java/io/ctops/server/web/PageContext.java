package io.ctops.server.web;

/** What every page's layout needs: its title, the signed-in user and the CSRF token for forms. */
public record PageContext(String title, PageUser user, String csrfToken, String nav) {

  public boolean signedIn() {
    return user != null;
  }

  public boolean isAdmin() {
    return user != null && user.isAdmin();
  }
}
