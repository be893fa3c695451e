"""Migration operations of our own.

AddIndexWithoutBlocking: an index added to a large table (the applications, the outbox) must not stop
the firm's writes while it is built. On PostgreSQL it is built CONCURRENTLY (moves, sending and replies
go on meanwhile; the migration runs outside a transaction, `atomic = False`); on SQLite, the embedded
mode's one-process database, as an ordinary AddIndex.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex


class AddIndexWithoutBlocking(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
