"""A real S3-compatible server for the tests: moto's standalone server in a child process on a
free 127.0.0.1 port, one per test process (parallel workers never share a server or a bucket),
and the settings that put uploads on it, or on a dead port (an outage)."""

import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, replace

import boto3

from experthive.settings import object_storage

REGION = "us-east-1"
ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"  # the local test server checks no signature


def free_port() -> int:
    """A port nothing listens on (just now): for the server, or as a dead endpoint."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class S3Server:
    endpoint_url: str
    bucket: str
    process: subprocess.Popen

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def new_bucket(self) -> "S3Server":
        """The same server with an empty bucket of its own (one per test)."""
        other = replace(self, bucket=f"experthive-{uuid.uuid4().hex[:12]}")
        other.client().create_bucket(Bucket=other.bucket)
        return other

    def stored_keys(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def storage(self, *, endpoint_url: str | None = None) -> dict:
        """settings.STORAGES["default"] for this bucket (at another address, to fake an outage)."""
        return object_storage(
            bucket=self.bucket,
            endpoint_url=endpoint_url or self.endpoint_url,
            region=REGION,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            addressing_style="path",
        )


def start_server() -> S3Server:
    """moto's server on a free port; tried again on another port if one was taken meanwhile."""
    for attempt in range(3):
        try:
            return _start_on(free_port())
        except RuntimeError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _start_on(port: int, timeout: float = 30) -> S3Server:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = S3Server(f"http://127.0.0.1:{port}", f"experthive-{uuid.uuid4().hex[:12]}", process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server exited with {process.returncode} (port {port} taken?)")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.1)
            continue
        return server.new_bucket()
    process.kill()
    raise RuntimeError(f"moto server did not answer on port {port} within {timeout} s")


def stop_server(server: S3Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()
