"""The sandbox's self-signed TLS certificate for 127.0.0.1 and localhost.

`cert.pem` is the certificate alone; `ca-bundle.pem` is it plus the public CAs (certifi), so
REQUESTS_CA_BUNDLE can point at it and the same process still reaches the real Vonage.
"""

import datetime
import ipaddress
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

VALID_DAYS = 365
RENEW_BEFORE = datetime.timedelta(days=7)


@dataclass(frozen=True)
class CertificatePaths:
    cert: Path
    key: Path
    bundle: Path


def ensure_certificate(directory: Path) -> CertificatePaths:
    """Make the certificate unless a valid one is already there; returns its paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = CertificatePaths(
        cert=directory / "cert.pem", key=directory / "key.pem", bundle=directory / "ca-bundle.pem"
    )
    if _still_valid(paths):
        return paths
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Vonage sandbox (127.0.0.1)")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_atomically(paths.key, key_pem, mode=0o600)
    _write_atomically(paths.cert, cert_pem)
    _write_atomically(paths.bundle, cert_pem + b"\n" + Path(certifi.where()).read_bytes())
    return paths


def _still_valid(paths: CertificatePaths) -> bool:
    if not (paths.cert.exists() and paths.key.exists() and paths.bundle.exists()):
        return False
    try:
        certificate = x509.load_pem_x509_certificate(paths.cert.read_bytes())
    except ValueError:
        return False
    expires = certificate.not_valid_after_utc
    return expires - RENEW_BEFORE > datetime.datetime.now(datetime.UTC)


def _write_atomically(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(temporary, mode)
    os.replace(temporary, path)
