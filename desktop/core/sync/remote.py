"""The bucket: settings, the boto3 client, plain messages for what goes wrong, listing.

Credentials come only from the standard AWS chain (a named profile or the
environment); Lectern never stores a secret. boto3 does not correct a skewed clock,
so ``RequestTimeTooSkewed`` is turned into "your computer's clock is N minutes off".
"""
from __future__ import annotations

import email.utils
import time
from datetime import datetime, timezone
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlite_utils
from botocore.exceptions import (BotoCoreError, ClientError, ConnectionClosedError, ConnectTimeoutError,
                                 EndpointConnectionError, NoCredentialsError, PartialCredentialsError,
                                 ProfileNotFound, ReadTimeoutError)

from ..errors import SyncError
from ..storage import settings as settings_store
from .keys import check_user, user_prefix
from .state import INTERVALS, interval, is_set_up, target_of  # noqa: F401  (this module's face too)


@dataclass(frozen=True)
class SyncConfig:
    bucket: str
    user: str
    endpoint: str = ""
    region: str = ""
    profile: str = ""

    @property
    def target(self) -> str:
        """Names the bucket in the manifest: agreement with one bucket never counts for another."""
        return target_of(self.endpoint, self.bucket, self.user)

    @property
    def where(self) -> str:
        return self.endpoint or "AWS S3"

    def as_dict(self) -> dict[str, str]:
        return {"bucket": self.bucket, "user": self.user, "endpoint_url": self.endpoint, "region": self.region,
                "profile": self.profile}


def stored_config(db: sqlite_utils.Database) -> SyncConfig:
    """What the settings hold (possibly empty or turned off), for a form to show."""
    s = settings_store.load(db)
    return SyncConfig(s.sync_bucket, s.sync_user, s.sync_endpoint, s.sync_region, s.sync_profile)


def load_config(db: sqlite_utils.Database) -> SyncConfig:
    s = settings_store.load(db)
    if not s.sync_bucket:
        raise SyncError("Sync is not set up.", "Choose a bucket first: lectern sync setup --bucket NAME.")
    if not s.sync_enabled:
        raise SyncError("Sync is turned off.", "Turn it on in Settings → Sync (or: lectern sync setup --bucket NAME).")
    return SyncConfig(s.sync_bucket, check_user(s.sync_user), s.sync_endpoint, s.sync_region, s.sync_profile)


def check_config(config: SyncConfig) -> SyncConfig:
    """A usable config, or SyncError saying which field is wrong."""
    check_user(config.user)
    if not config.bucket or "/" in config.bucket or config.bucket != config.bucket.strip():
        raise SyncError(f"'{config.bucket}' is not a bucket name." if config.bucket else "The bucket name is empty.",
                        "Type the name of the bucket as your S3 provider shows it.")
    if config.endpoint and not config.endpoint.startswith(("http://", "https://")):
        raise SyncError(f"The endpoint URL '{config.endpoint}' is not a web address.",
                        "It starts with https:// (or http:// for a store on this computer).")
    return config


def save_config(db: sqlite_utils.Database, config: SyncConfig, enabled: bool = True,
                interval_s: int | None = None) -> None:
    """Store where to sync (no secret: credentials stay in the AWS profile or environment).
    With ``enabled`` False the fields are kept but nothing syncs; a wrong field is refused
    only when sync is on."""
    if enabled:
        check_config(config)
    if interval_s is not None and interval_s not in INTERVALS:
        raise SyncError(f"{interval_s} seconds is not one of the sync intervals.")
    extra = {} if interval_s is None else {"sync_interval_s": int(interval_s)}
    settings_store.update(db, sync_bucket=config.bucket, sync_user=config.user, sync_endpoint=config.endpoint,
                          sync_region=config.region, sync_profile=config.profile, sync_enabled=bool(enabled), **extra)



_LOADER: list[Any] = []       # botocore's loader of the S3 model files, shared by every client of this process


def make_client(config: SyncConfig) -> Any:
    """An S3 client with credentials read afresh from the AWS chain (a changed profile or
    environment is seen by the next sync); the S3 model files (~0.4 s to read) once a process."""
    try:
        import boto3            # ~0.15 s with botocore.config: loaded when the bucket is first talked to
        import botocore.session
        from botocore.config import Config

        core = botocore.session.get_session()
        if _LOADER:
            core.register_component("data_loader", _LOADER[0])
        else:
            _LOADER.append(core.get_component("data_loader"))
        session = boto3.Session(botocore_session=core, profile_name=config.profile or None)
        return session.client(
            "s3", endpoint_url=config.endpoint or None, region_name=config.region or "us-east-1",
            config=Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"},
                          s3={"addressing_style": "path"} if config.endpoint else {}))
    except ProfileNotFound as exc:
        raise SyncError(f"The AWS profile '{config.profile}' does not exist.",
                        "Check the profile name in ~/.aws/config, or leave it empty to use the environment.") from exc
    except ValueError as exc:          # a malformed endpoint URL
        raise SyncError(f"The endpoint URL '{config.endpoint}' is not usable ({exc}).") from exc


def explain(exc: Exception, config: SyncConfig) -> SyncError:
    """The plain message for a failure talking to the bucket."""
    if isinstance(exc, SyncError):
        return exc
    where = config.where
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return SyncError("No AWS credentials were found.",
                         "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile from ~/.aws "
                         "(lectern sync setup --profile NAME).")
    if isinstance(exc, ProfileNotFound):
        return SyncError(f"The AWS profile '{config.profile}' does not exist.")
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)):
        return SyncError(f"Cannot reach {where}: you may be offline, or the endpoint address is wrong.",
                         "Lectern works as usual; sync again when you are online.")
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code == "RequestTimeTooSkewed":
            minutes = clock_skew_minutes(exc.response)
            off = f"{minutes} minutes off" if minutes is not None else "off"
            return SyncError(f"Your computer's clock is {off}, so {where} refuses the requests.",
                             "Set the date and time right (turn on automatic time), then try again.")
        if code in ("NoSuchBucket", "404", "NotFound"):
            return SyncError(f"There is no bucket called '{config.bucket}' at {where}.",
                             "Check the bucket name (and the endpoint URL and region).")
        if code in ("InvalidAccessKeyId", "InvalidClientTokenId"):
            return SyncError(f"{where} does not know the access key in use.",
                             "Check AWS_ACCESS_KEY_ID or the profile.")
        if code == "SignatureDoesNotMatch":
            return SyncError(f"{where} refused the secret key: it does not match the access key.",
                             "Check AWS_SECRET_ACCESS_KEY or the profile.")
        if code in ("AccessDenied", "403", "AllAccessDisabled", "Forbidden"):
            return SyncError(f"Access to the bucket '{config.bucket}' was denied.",
                             f"These credentials may not read or write under {user_prefix(config.user)}.")
        if code in ("PermanentRedirect", "AuthorizationHeaderMalformed", "301", "IllegalLocationConstraintException"):
            return SyncError(f"The bucket '{config.bucket}' is in another region.", "Set the right region.")
        if code.isdigit() or not code:
            return SyncError(f"{where} does not answer like an S3 store (HTTP {status or code}).",
                             "Check the endpoint URL.")
        return SyncError(f"{where} answered: {code} {err.get('Message', '')}".strip() + ".")
    if isinstance(exc, BotoCoreError):
        return SyncError(f"Talking to {where} failed: {exc}.", "Check the endpoint URL.")
    if isinstance(exc, OSError):
        return SyncError(f"Sync could not read or write a file here: {exc}.")
    return SyncError(f"Sync failed: {type(exc).__name__}: {exc}.")


def clock_skew_minutes(response: dict[str, Any]) -> int | None:
    """How far this clock is from the server's, from a RequestTimeTooSkewed answer: the
    server's time against the time this request was signed with (both in the answer), or
    else against this clock now."""
    err = response.get("Error", {})
    server = _when(err.get("ServerTime") or response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date"))
    if server is None:
        return None
    ours = _when(err.get("RequestTime")) or time.time()
    return round(abs(server - ours) / 60)


def _when(text: str | None) -> float | None:
    """A time as S3 writes it: "20261202T193000Z", "2026-12-02T19:30:00Z" or an HTTP date."""
    if not text:
        return None
    try:
        if "," in text:
            return email.utils.parsedate_to_datetime(text).timestamp()
        if len(text) == 16 and text[8] == "T":
            return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).timestamp()
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except (TypeError, ValueError):
        return None


@contextmanager
def talking_to(config: SyncConfig) -> Iterator[None]:
    """Turn any failure in the block into a SyncError with a plain message."""
    try:
        yield
    except SyncError:
        raise
    except (BotoCoreError, ClientError) as exc:
        raise explain(exc, config) from exc


def _check_answer(listing: dict[str, Any], config: SyncConfig) -> None:
    """A listing names its bucket. A web page at a wrong endpoint parses as an empty listing,
    which must never pass for an emptied bucket."""
    if listing.get("Name") != config.bucket:
        status = listing.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
        raise SyncError(f"{config.where} does not answer like an S3 store (HTTP {status}).",
                        "Check the endpoint URL.")


@dataclass(frozen=True)
class Listed:
    key: str
    size: int
    etag: str
    last_modified: float


def list_user(client: Any, config: SyncConfig, prefix: str = "") -> Iterator[Listed]:
    """Every object under ``users/<user>/`` (and ``prefix`` inside it)."""
    with talking_to(config):
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=config.bucket,
                                                                 Prefix=user_prefix(config.user) + prefix)
        for page in pages:
            _check_answer(page, config)
            for obj in page.get("Contents", []):
                yield Listed(obj["Key"], int(obj["Size"]), obj.get("ETag", "").strip('"'),
                             obj["LastModified"].timestamp())


def check_connection(config: SyncConfig, client: Any | None = None,
                     clock: Callable[[], float] = time.time) -> dict[str, Any]:
    """"Test connection": the bucket answers, this user's prefix can be listed. Raises SyncError."""
    client = client or make_client(config)
    started = clock()
    with talking_to(config):       # a listing, not head_bucket: its errors have a body that says why
        listed = client.list_objects_v2(Bucket=config.bucket, Prefix=user_prefix(config.user), MaxKeys=1000)
    _check_answer(listed, config)
    return {"ok": True, **config.as_dict(), "objects": int(listed.get("KeyCount", 0)),
            "truncated": bool(listed.get("IsTruncated")), "seconds": round(clock() - started, 3)}
