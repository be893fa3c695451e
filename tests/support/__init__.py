"""Reusable pieces for tests that run real processes: an SMTP sink on loopback, a Celery worker
subprocess pointed at the test database, and polling with a deadline. See each module's docstring."""
