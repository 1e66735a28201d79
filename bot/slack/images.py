"""Images in Slack messages: each PNG uploaded once as a private file, shown by image blocks.

How, and why this way rather than sharing the upload into the channel:

* `files.upload` is retired. slack_sdk's ``files_upload_v2`` makes the documented three
  steps: ``files.getUploadURLExternal`` (filename, length, alt_txt), a POST of the bytes to
  the ``upload_url`` it answers, and ``files.completeUploadExternal`` (files=[{id, title}]).
* ``completeUploadExternal`` is called with no ``channel_id``: "If not specified the file will
  be private" (its method page). Shared into a channel instead, the file would arrive as a
  message of its own that Slack posts asynchronously: the answer names no ``ts`` (it shows up
  later in the file's ``shares``), the message carries no metadata key for the look-up after
  a crash, and chat.update cannot swap its file. Such a post could be neither found again nor
  updated in place.
* The private file is shown by an ``image`` block with ``slack_file: {"id": ...}`` (the Slack
  file object: png, jpg or gif, and "the user posting these blocks must have access to this
  file", which the app that uploaded it has). The message is then an ordinary
  chat.postMessage, with its ``ts`` and metadata key, that chat.update edits like any other;
  an update may point at another file.
* Slack processes an upload asynchronously, and a block naming a file it has not finished
  is refused: ``invalid_blocks`` with "invalid slack file [json-pointer:/blocks/N/slack_file]"
  (python-slack-sdk #1797, #1521). Rather than polling ``files.info`` (one more scope,
  ``files:read``), the post or update is tried again, backing off, for up to
  `FILE_READY_TIMEOUT_S`; a file still refused then is forgotten and the message goes without
  its image.
* An upload the workspace refuses for good (``missing_scope`` without ``files:write``, uploads
  disabled or restricted by an admin) leaves the image out: the message still goes, and one
  warning per reason says what to change. Anything else (429, 5xx, a dropped connection) is
  raised, for the caller to retry the whole send.

Each PNG is uploaded once per process: its file id is kept by the PNG's digest (a bounded
cache; a restart just uploads again), so a chart sent to many people, or kept through several
updates of a message, is one file.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError

from bot.chat.message import Image
from bot.slack.client import MeteredWebClient, answer_of

log = logging.getLogger(__name__)

T = TypeVar("T")

FILES_SCOPE = "files:write"
REFUSED_UPLOADS = frozenset({
    "missing_scope", "file_uploads_disabled", "file_upload_size_restricted",
    "file_type_not_allowed", "not_allowed_token_type",
})
"""Errors of files.getUploadURLExternal that the next try would get too."""
FILE_READY_TIMEOUT_S = 20.0
FIRST_WAIT_S = 0.25
LONGEST_WAIT_S = 4.0
CACHED_FILES = 256


def file_not_ready(answer: dict[str, Any]) -> bool:
    """Slack refused a block's ``slack_file``: a file it has not finished processing."""
    return answer.get("error") == "invalid_blocks" and any(
        "slack_file" in str(error) for error in answer.get("errors") or [])


class SlackImages:
    def __init__(self, client: MeteredWebClient):
        self.client = client
        self._files: OrderedDict[str, str] = OrderedDict()
        self._warned: set[str] = set()

    async def send(self, image: Image | None, call: Callable[[str | None], Awaitable[T]]) -> T:
        """Make `call(file_id)`, a chat.postMessage or chat.update rendered with the image's
        file (None: without the image), waiting while Slack still processes the file."""
        file_id = await self.file_for(image) if image is not None else None
        if file_id is None or image is None:
            return await call(None)
        deadline = time.monotonic() + FILE_READY_TIMEOUT_S
        wait = FIRST_WAIT_S
        while True:
            try:
                return await call(file_id)
            except SlackApiError as exc:
                if not file_not_ready(answer_of(exc)):
                    raise
            if time.monotonic() + wait > deadline:
                break
            await asyncio.sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT_S)
        self._files.pop(image.digest, None)
        log.warning("slack did not accept the uploaded file %s within %.0f s: the message "
                    "goes without its image", file_id, FILE_READY_TIMEOUT_S)
        return await call(None)

    async def file_for(self, image: Image) -> str | None:
        """The id of the private file showing `image`, uploaded now unless it was before;
        None when the workspace does not let the app upload it."""
        file_id = self._files.get(image.digest)
        if file_id is not None:
            self._files.move_to_end(image.digest)
            return file_id
        try:
            uploaded = await self.client.files_upload_v2(
                file=image.png, filename=f"touchpoint-{image.digest[:12]}.png",
                alt_txt=image.alt_text)
        except SlackApiError as exc:
            answer = answer_of(exc)
            error = answer.get("error")
            if error not in REFUSED_UPLOADS:
                raise
            self._warn_once(error, answer.get("needed"))
            return None
        file_id = uploaded["file"]["id"]
        self._files[image.digest] = file_id
        if len(self._files) > CACHED_FILES:
            self._files.popitem(last=False)
        return file_id

    def _warn_once(self, error: str, needed: str | None) -> None:
        if error in self._warned:
            return
        self._warned.add(error)
        if error == "missing_scope":
            log.warning("slack: the app lacks the %s scope, so messages go out without their "
                        "images; add it (`touchpoint manifest slack` lists it) and reinstall "
                        "the app", needed or FILES_SCOPE)
        else:
            log.warning("slack refused an image upload (%s): messages go out without their "
                        "images until the workspace allows the app to upload files", error)
