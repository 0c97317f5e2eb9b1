"""Optional two-way sync of the library with an S3 (or S3-compatible) bucket.

Modules: ``keys`` (key layout and checks on keys from the bucket), ``manifest`` (the
last agreed state), ``plan`` (the pure decision), ``remote`` (settings, client, plain
messages), ``transfer`` (checked uploads and downloads), ``local`` (the library as
sync sees it), ``apply`` (what a sync does to the library), ``lectures`` (lecture
audio and transcripts), ``multipart`` (resumable parts up and ranges down), ``steps``
(one action), ``run`` (one sync), ``job`` (the background job and when the next is due)."""
from .keys import RefusedKey, check_user, document_key, key_problem, parse_key, user_prefix
from .plan import Action, LocalItem, Plan, RemoteItem, make_plan
from .remote import SyncConfig, check_connection, explain, list_user, load_config, make_client, save_config
from .run import Summary, sync
from .job import JOB_KIND, next_sync_at, submit_sync

__all__ = ["RefusedKey", "check_user", "document_key", "key_problem", "parse_key", "user_prefix", "Action", "LocalItem", "Plan",
           "RemoteItem", "make_plan", "SyncConfig", "check_connection", "explain", "list_user", "load_config",
           "make_client", "save_config", "Summary", "sync", "JOB_KIND", "next_sync_at", "submit_sync"]
