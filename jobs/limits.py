"""Limits that keep one user's file or job from taking the server down with it.

* :class:`LimitedUploadHandler` stops storing an upload as soon as it is
  larger than ``MAX_UPLOAD_BYTES``: the rest is never kept, and the service's
  size check shows its plain message.
* :func:`job_memory_limit` caps how much address space one job may add to its
  worker child, so a job that eats memory fails with a message (``MemoryError``)
  instead of pushing the machine into swap or the OOM killer.
"""

from __future__ import annotations

import io
import logging
import resource
from collections.abc import Iterator
from contextlib import contextmanager

import psutil
from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from limelight.sizes import MB

logger = logging.getLogger(__name__)

OUT_OF_MEMORY_MESSAGE = (
    "This ran out of memory and was stopped. Try a smaller file, fewer columns with many "
    "different values, or fewer samples."
)


class OversizeUpload(InMemoryUploadedFile):
    """What the view receives for a file over the limit: its true size, and no content.

    The service's size check refuses it with its usual message ("The file is
    60.0 MB; the limit is 50 MB"); nothing of the body was kept.
    """

    def __init__(self, name: str, content_type: str, size: int, charset: str | None) -> None:
        super().__init__(io.BytesIO(b""), "file", name, content_type, size, charset)


class LimitedUploadHandler(FileUploadHandler):
    """Stop storing a file once it is over ``MAX_UPLOAD_BYTES`` (first in FILE_UPLOAD_HANDLERS).

    Django hands each chunk to every handler in order; returning ``None`` keeps
    it from the handlers after this one, so past the limit nothing more is
    written anywhere (the rest of the body is read from the socket and
    dropped, so the browser still gets our page rather than a reset). The file
    then arrives as an :class:`OversizeUpload` carrying only its size.
    """

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.over = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received = start + len(raw_data)
        if self.over or self.received > settings.MAX_UPLOAD_BYTES:
            if not self.over:
                logger.info("Upload %r is over the limit; not storing the rest", self.file_name)
            self.over = True
            return None
        return raw_data

    def file_complete(self, file_size: int) -> InMemoryUploadedFile | None:
        if not self.over:
            return None  # the next handler (memory or temporary file) returns the file
        return OversizeUpload(self.file_name, self.content_type, self.received, self.charset)


def _address_space() -> int:
    return psutil.Process().memory_info().vms


@contextmanager
def job_memory_limit(megabytes: int | None = None) -> Iterator[None]:
    """Let the job grow this process's address space by at most ``megabytes`` (RLIMIT_AS).

    Relative to the size before the job, because a worker child that has
    imported numpy and scikit-learn already maps a few hundred MB it never
    touches. An allocation over the limit raises ``MemoryError`` in the job; the
    previous limit is restored afterwards so the worker goes on with its next
    job. 0 (or no ``resource`` support) turns it off.
    """
    megabytes = settings.JOB_MEMORY_LIMIT_MB if megabytes is None else megabytes
    if not megabytes:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + megabytes * MB
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, soft)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):  # an unusual platform: run without the cap rather than not at all
        logger.warning("Could not set a memory limit of %s MB for this job", megabytes, exc_info=True)
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
