-- The dispatcher's question "when did this rule last send a message for this event": a rule's
-- first message goes out at once, later ones at most once per grouping window.
CREATE INDEX notification_outbox_rule_event_idx ON notification_outbox (rule_id, event, created_at);
