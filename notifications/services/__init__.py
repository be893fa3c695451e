"""Writes of the notifications app, by sub-domain: the outbox and the stage emails, what a person does
with a message, sending, recording and the relay, digests, templates, tracking, data rights."""
