"""A Redis that speaks only TLS, with a self-signed certificate: what Heroku Redis hands out.

One per test process (each pytest-xdist worker starts its own, on a free port, in its own tmp dir).
Needs `openssl` and a `redis-server` built with TLS (Debian's is); .ci/run installs both.
"""

import shutil
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TlsRedis:
    port: int
    certificate: Path  # self-signed: also the CA file that trusts it

    def url(self, db: int = 0, host: str = "localhost") -> str:
        return f"rediss://{host}:{self.port}/{db}"


def missing_tools() -> list[str]:
    return [tool for tool in ("openssl", "redis-server") if not shutil.which(tool)]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    certificate, key = folder / "redis.crt", folder / "redis.key"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"]
    command += ["-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(certificate)]
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603
    return certificate, key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(folder: Path) -> tuple[subprocess.Popen, TlsRedis]:
    certificate, key = self_signed_certificate(folder)
    for _attempt in range(5):  # another process may take the free port before Redis binds it
        port = free_port()
        command = ["redis-server", "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
        command += [
            "--tls-cert-file",
            str(certificate),
            "--tls-key-file",
            str(key),
            "--tls-ca-cert-file",
            str(certificate),
        ]
        command += ["--tls-auth-clients", "no", "--save", "", "--appendonly", "no"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # noqa: S603
        if _wait_for_tls(port, certificate, process):
            return process, TlsRedis(port, certificate)
        process.kill()
        output = process.communicate()[0].decode(errors="replace")
    raise RuntimeError(f"redis-server did not start with TLS:\n{output}")


def _wait_for_tls(port: int, certificate: Path, process: subprocess.Popen, seconds: float = 10) -> bool:
    context = ssl.create_default_context(cafile=str(certificate))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with (
                socket.create_connection(("127.0.0.1", port), timeout=1) as raw,
                context.wrap_socket(raw, server_hostname="localhost"),
            ):
                return True
        except OSError:
            time.sleep(0.05)
    return False
