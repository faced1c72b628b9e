/** Organisations and the super admin's page that switches between them. */
package io.ctops.server.orgs;
