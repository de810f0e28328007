"""`aura certs DIR`: a self-signed certificate and key for local TLS, made with the `openssl`
command (no Python package needed). The certificate names localhost, 127.0.0.1 and ::1, so
gRPC clients, Envoy and browsers on this machine can verify it when they trust the file.

    aura certs .state/tls
    AURA_TLS_CERT=.state/tls/cert.pem AURA_TLS_KEY=.state/tls/key.pem aura up
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

DEFAULT_HOSTS = ("localhost", "127.0.0.1", "::1")


class CertError(RuntimeError):
    """The certificate could not be made; the message says why."""


def _san(hosts: Sequence[str]) -> str:
    import ipaddress

    out = []
    for host in hosts:
        try:
            ipaddress.ip_address(host)
            out.append(f"IP:{host}")
        except ValueError:
            out.append(f"DNS:{host}")
    return ",".join(out)


def make_self_signed(
    folder: Path | str,
    hosts: Sequence[str] = DEFAULT_HOSTS,
    days: int = 825,
    overwrite: bool = False,
) -> tuple[Path, Path]:
    """Write `cert.pem` and `key.pem` (P-256, mode 0600) into `folder`; returns their paths.
    Existing files are kept unless `overwrite`."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise CertError("the openssl command is needed to make certificates; install it")
    if not hosts:
        raise CertError("name at least one host")
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    cert, key = out / "cert.pem", out / "key.pem"
    if not overwrite and (cert.exists() or key.exists()):
        raise CertError(f"{cert} or {key} exists; pass --force to replace them")
    cmd = [
        openssl,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        str(days),
        "-subj",
        f"/CN={hosts[0]}/O=AURA local",
        "-addext",
        f"subjectAltName={_san(hosts)}",
        "-addext",
        "basicConstraints=critical,CA:FALSE",
        "-addext",
        "keyUsage=critical,digitalSignature",
        "-addext",
        "extendedKeyUsage=serverAuth",
        "-keyout",
        str(key),
        "-out",
        str(cert),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CertError(f"openssl failed:\n{done.stderr.strip()}")
    os.chmod(key, 0o600)
    return cert, key
