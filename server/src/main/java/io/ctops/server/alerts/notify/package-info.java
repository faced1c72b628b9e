/**
 * Alert notifications: the channels (email, webhook, Slack-compatible) and their management, the
 * dispatcher that groups a rule's notices into one message per channel, and the outbox workers that
 * deliver them at least once, with retries, and log every attempt. {@link Notifications} is the
 * entry the web role builds.
 */
package io.ctops.server.alerts.notify;
