"""Text messages (SMS): how a text is encoded and split, the senders (a file in the embedded mode,
Twilio's REST API in production), and what comes back (delivery statuses, inbound texts, STOP/START/HELP).
"""
