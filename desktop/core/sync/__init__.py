"""Optional two-way sync of the library with an S3 (or S3-compatible) bucket.

Modules: ``keys`` (key layout and checks on keys from the bucket), ``manifest`` (the
last agreed state), ``plan`` (the pure decision), ``remote`` (settings, client, plain
messages), ``transfer`` (checked uploads and downloads), ``local`` (the library as
sync sees it), ``apply`` (what a sync does to the library), ``run`` (one sync, and
the job)."""
from .keys import RefusedKey, check_user, document_key, key_problem, parse_key, user_prefix
from .plan import Action, LocalItem, Plan, RemoteItem, make_plan
from .remote import SyncConfig, check_connection, explain, list_user, load_config, make_client, save_config
from .run import Summary, sync

__all__ = ["RefusedKey", "check_user", "document_key", "key_problem", "parse_key", "user_prefix", "Action", "LocalItem", "Plan",
           "RemoteItem", "make_plan", "SyncConfig", "check_connection", "explain", "list_user", "load_config",
           "make_client", "save_config", "Summary", "sync"]
