"""The test object store is a real S3 server: objects go in and come out, and a wrong key is refused."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.object_store import REGION, object_store  # noqa: F401 - fixture

pytestmark = pytest.mark.integration


def test_an_object_put_with_the_key_comes_back_byte_for_byte(object_store):  # noqa: F811
    body = bytes(range(256)) * 4096  # 1 MiB, every byte value
    client = object_store.client()

    client.put_object(Bucket=object_store.bucket, Key="datasets/7/table.csv", Body=body)

    assert client.get_object(Bucket=object_store.bucket, Key="datasets/7/table.csv")["Body"].read() == body
    assert "datasets/7/table.csv" in object_store.keys("datasets/")


def test_the_environment_names_the_bucket_endpoint_and_key(object_store):  # noqa: F811
    env = object_store.env

    assert set(env) == {"AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    client = boto3.client(
        "s3",
        endpoint_url=env["AWS_S3_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
        config=Config(s3={"addressing_style": "path"}),
    )
    buckets = [bucket["Name"] for bucket in client.list_buckets()["Buckets"]]
    assert env["AWS_STORAGE_BUCKET_NAME"] in buckets


def test_a_request_with_an_unknown_key_is_refused(object_store):  # noqa: F811
    stranger = boto3.client(
        "s3",
        endpoint_url=object_store.endpoint,
        aws_access_key_id="not-a-key",
        aws_secret_access_key="not-a-secret",
        region_name=REGION,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )

    with pytest.raises(ClientError) as refused:
        stranger.get_object(Bucket=object_store.bucket, Key="anything")
    assert refused.value.response["Error"]["Code"] in ("InvalidAccessKeyId", "AccessDenied", "SignatureDoesNotMatch")
