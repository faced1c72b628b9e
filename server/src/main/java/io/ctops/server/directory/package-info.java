/**
 * The organisation's directory (LDAP or Active Directory): its settings and group → role mappings
 * ({@link io.ctops.server.directory.DirectorySettingsStore}), and the client that tests the
 * connection, looks people up, checks host accounts' logins and signs people in ({@link
 * io.ctops.server.directory.Directory}).
 */
package io.ctops.server.directory;
