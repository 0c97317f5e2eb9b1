"""Storage: the data folder's paths, the SQLite database and its migrations, settings, bundled resources.

Modules: ``config``, ``db``, ``settings``, ``resources``."""
