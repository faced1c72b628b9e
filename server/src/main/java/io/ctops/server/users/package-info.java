/** The Users and Profile pages: managing an organisation's users, and one's own API keys. */
package io.ctops.server.users;
