/**
 * Who is asking and whether they may: users and their passwords, sessions, API keys, roles, sign-
 * in and set-up, and the per-request access check ({@link io.ctops.server.auth.WebAccess}).
 */
package io.ctops.server.auth;
