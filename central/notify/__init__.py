"""Messages to citizens: booking confirmed, reminder, nearly your turn,
called, missed. Planned into a durable outbox (`notifications`), delivered in
order per recipient through a `Notifier` per channel (SMS, WeChat, Web Push,
log), never twice, never stale, never to someone who opted out."""
