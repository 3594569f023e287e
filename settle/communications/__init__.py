"""Outreach: the outbox of messages decided by the engine, delivery through channel plugins, receipts."""
