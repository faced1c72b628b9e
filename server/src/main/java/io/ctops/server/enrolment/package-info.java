/**
 * Enrolment tokens, registration, approval and revocation, duplicate-host protection, agent
 * authentication and client certificate renewal, and the agent bundle downloads.
 */
package io.ctops.server.enrolment;
