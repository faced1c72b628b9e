/**
 * Accounts on hosts: what service_account and ssh_key_scan checks report (from our agent and the
 * original CT-Ops agent), stored per host with first/last seen and removed, the host's Users tab,
 * the fleet Accounts page with its CSV, and their JSON API.
 */
package io.ctops.server.accounts;
