"""Fetching an outside calendar over HTTPS: a time limit, a size cap, a sentence when it fails."""

from __future__ import annotations

import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from studiosync_desktop import __version__

TIMEOUT_SECONDS = 15.0
MAX_BYTES = 5 * 1024 * 1024
CHUNK = 64 * 1024
# Plain http feeds (a test's local server): only when this is set to 1.
INSECURE_FEEDS = "STUDIOSYNC_ALLOW_HTTP_FEEDS"


class FetchFailed(Exception):
    """The feed could not be fetched; the message says why in words."""


@dataclass(frozen=True)
class FetchPolicy:
    """How feeds are fetched. Plain http only where a setting allows it (the tests' servers)."""

    allow_http: bool = False
    timeout: float = TIMEOUT_SECONDS
    max_bytes: int = MAX_BYTES

    @classmethod
    def from_environment(cls) -> FetchPolicy:
        return cls(allow_http=os.environ.get(INSECURE_FEEDS) == "1")


def normalise_url(url: str, policy: FetchPolicy) -> str:
    """webcal:// becomes https://; anything but https (or http where allowed) is refused."""
    text = url.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        parts = parts._replace(scheme="https")
        scheme = "https"
    allowed = ("https", "http") if policy.allow_http else ("https",)
    if scheme not in allowed or not parts.netloc:
        raise ValueError(
            "Give the calendar's address starting with https:// (or webcal://), as the"
            " calendar app shows it under 'share' or 'secret address'"
        )
    return urlunsplit(parts)


def fetch(url: str, policy: FetchPolicy) -> bytes:
    """The feed's content; FetchFailed on a refusal, a time-out, or content over the cap."""
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": f"StudioSync-Desktop/{__version__}",
            "Accept": "text/calendar, */*;q=0.5",
        },
    )
    deadline = time.monotonic() + policy.timeout
    host = urlsplit(url).hostname or url
    try:
        with urllib.request.urlopen(request, timeout=policy.timeout) as answer:
            declared = answer.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > policy.max_bytes:
                raise FetchFailed(_too_big(policy))
            body = bytearray()
            while chunk := answer.read(CHUNK):
                body += chunk
                if len(body) > policy.max_bytes:
                    raise FetchFailed(_too_big(policy))
                if time.monotonic() > deadline:
                    raise FetchFailed(_too_slow(host, policy))
            return bytes(body)
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise FetchFailed(
                f"{host} refused the calendar ({exc.code}): the address may have been reset"
                " in the calendar app."
            ) from exc
        if exc.code in (404, 410):
            raise FetchFailed(
                f"{host} has no calendar at this address ({exc.code}): it may have been"
                " deleted or its address changed."
            ) from exc
        raise FetchFailed(f"{host} answered {exc.code} {exc.reason}.") from exc
    except TimeoutError as exc:
        raise FetchFailed(_too_slow(host, policy)) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError | socket.timeout):
            raise FetchFailed(_too_slow(host, policy)) from exc
        raise FetchFailed(f"{host} could not be reached: {exc.reason}.") from exc
    except OSError as exc:
        raise FetchFailed(f"{host} could not be reached: {exc}.") from exc


def _too_big(policy: FetchPolicy) -> str:
    return (
        f"The calendar is larger than {policy.max_bytes // (1024 * 1024)} MB: is it the right"
        " address?"
    )


def _too_slow(host: str, policy: FetchPolicy) -> str:
    return f"{host} did not answer within {policy.timeout:g} seconds."
