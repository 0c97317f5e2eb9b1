"""The background worker: a Huey consumer (SqliteHuey on queue.db) running Lectern's jobs."""
