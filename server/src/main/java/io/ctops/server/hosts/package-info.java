/**
 * Host records, the fleet overview, the host list query, the Hosts pages, live status events and
 * the hosts part of the JSON API.
 */
package io.ctops.server.hosts;
