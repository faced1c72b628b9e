package io.ctops.server.web;

/**
 * The signed-in user as the layout shows them: the kit knows no account model, so whoever
 * authenticates the request (the {@code auth} feature) describes its user in these terms.
 */
public record PageUser(
    String shownName,
    String roleLabel,
    String orgName,
    boolean isAdmin,
    boolean isSuperAdmin,
    String csrfToken) {}
