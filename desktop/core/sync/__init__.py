"""Optional two-way sync of the library with an S3 (or S3-compatible) bucket.

Modules: ``keys`` (key layout and checks on keys from the bucket), ``manifest`` (the
last agreed state), ``plan`` (the pure decision), ``remote`` (settings, client, plain
messages), ``transfer`` (checked uploads and downloads), ``local`` (the library as
sync sees it), ``apply`` (what a sync does to the library), ``lectures`` (lecture
audio and transcripts), ``notes`` (the student's notes in a lecture, merged note by
note), ``multipart`` (resumable parts up and ranges down), ``steps`` (one action),
``run`` (one sync), ``job`` (the background job), ``state`` (job kinds, on/off, the
interval and when the next sync is due), ``status`` (how the last sync went, in words),
``cloud`` (the bucket as a file manager). boto3 itself loads on first use."""
from .keys import RefusedKey, check_user, document_key, key_problem, parse_key, user_prefix
from .plan import Action, LocalItem, Plan, RemoteItem, make_plan
from .remote import SyncConfig, check_connection, explain, list_user, load_config, make_client, save_config
from .run import Summary, sync
from .job import JOB_KIND, next_sync_at, submit_sync
from .state import CLOUD_JOB_KIND, INTERVALS, interval, is_set_up
from .status import SyncStatus, describe, held_deletions, sync_status
from .run import keep_held
from .remote import check_config, stored_config

__all__ = ["RefusedKey", "check_user", "document_key", "key_problem", "parse_key", "user_prefix", "Action", "LocalItem", "Plan",
           "RemoteItem", "make_plan", "SyncConfig", "check_connection", "explain", "list_user", "load_config",
           "make_client", "save_config", "Summary", "sync", "JOB_KIND", "next_sync_at", "submit_sync",
           "CLOUD_JOB_KIND", "INTERVALS", "interval", "is_set_up", "SyncStatus", "describe", "held_deletions",
           "sync_status", "keep_held", "check_config", "stored_config"]
