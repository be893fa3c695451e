"""Writes of the notifications app, split by sub-domain: outbox, prompts, templates, tracking."""
