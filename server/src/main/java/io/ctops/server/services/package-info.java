/**
 * A host's systemd services: the Services tab and its JSON API (the list comes from the agent's
 * {@code list_services} answer), and start / stop / restart as tasks of type {@code service}.
 */
package io.ctops.server.services;
