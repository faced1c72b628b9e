/**
 * The host's accounts and SSH keys, read from its files (passwd, group, shadow, sudoers, lastlog,
 * wtmp, authorized_keys) for the {@code service_account} and {@code ssh_key_scan} checks.
 */
package io.ctops.agent.accounts;
