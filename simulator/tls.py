"""A local certificate authority so the simulator can serve https like the real hosts.

Real client libraries (MSAL, azure-identity, Microsoft's Dataverse SDK) refuse ``http://``
authorities and base URLs, so ``--tls`` serves every simulated host over https with a leaf
certificate signed by a CA of the simulator's own. The CA lives in a directory (by default
``$XDG_CACHE_HOME/dynamics-simulator/tls``) and is reused across runs, so a machine trusts it
once; its public certificate is ``ca.pem`` in that directory (point ``REQUESTS_CA_BUNDLE``,
``SSL_CERT_FILE`` or ``NODE_EXTRA_CA_CERTS`` at it). The leaf certificate is made fresh for the
host names of each run and never leaves the process except as PEM files beside the CA.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CA_NAME = "Dynamics simulator local CA"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def default_tls_dir() -> Path:
    """Where the CA is kept unless told otherwise (``SIMULATOR_TLS_DIR`` wins)."""
    configured = os.environ.get("SIMULATOR_TLS_DIR")
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "dynamics-simulator" / "tls"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` atomically with mode 0600 (two simulators may start at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _san(names: tuple[str, ...]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in dict.fromkeys(names):
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


@dataclass
class LocalCA:
    """The CA certificate and key; :meth:`issue` signs a server certificate for host names."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    directory: Path

    @property
    def bundle_path(self) -> Path:
        """The PEM file clients trust (``REQUESTS_CA_BUNDLE``, ``SSL_CERT_FILE``, ``NODE_EXTRA_CA_CERTS``)."""
        return self.directory / CA_FILE

    @classmethod
    def load_or_create(cls, directory: str | Path | None = None) -> LocalCA:
        """Reuse the CA in ``directory`` while it is valid for another day; else make a new one."""
        directory = Path(directory) if directory else default_tls_dir()
        cert_path, key_path = directory / CA_FILE, directory / CA_KEY_FILE
        if cert_path.exists() and key_path.exists():
            try:
                cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
                key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
                if (isinstance(key, ec.EllipticCurvePrivateKey)
                        and cert.not_valid_after_utc > _now() + dt.timedelta(days=1)
                        and cert.public_key().public_numbers() == key.public_key().public_numbers()):
                    return cls(cert, key, directory)
            except (ValueError, TypeError):
                pass  # unreadable or foreign files: replace them with a fresh CA
        return cls.create(directory)

    @classmethod
    def create(cls, directory: Path) -> LocalCA:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "dynamics-harness")])
        now = _now()
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(hours=1))
                .not_valid_after(now + dt.timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                             content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False,
                                             encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        _write_private(directory / CA_KEY_FILE, key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        _write_private(directory / CA_FILE, cert.public_bytes(serialization.Encoding.PEM))
        (directory / CA_FILE).chmod(0o644)
        return cls(cert, key, directory)

    def issue(self, host: str) -> ServerCertificate:
        """A server certificate for ``host`` and the loopback names, valid for a year."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = _now()
        names = (host, *LOOPBACK_NAMES) if host not in ("0.0.0.0", "::") else LOOPBACK_NAMES
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
                .issuer_name(self.certificate.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(hours=1))
                .not_valid_after(now + dt.timedelta(days=365))
                .add_extension(_san(names), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                               critical=False)
                .sign(self.key, hashes.SHA256()))
        return ServerCertificate(cert, key, self)


@dataclass
class ServerCertificate:
    """A leaf certificate and key, ready to become an ``ssl.SSLContext`` or PEM files for uvicorn."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    ca: LocalCA

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        """``(certfile, keyfile)``: the chain (leaf + CA) and the key, mode 0600."""
        chain = (self.certificate.public_bytes(serialization.Encoding.PEM)
                 + self.ca.certificate.public_bytes(serialization.Encoding.PEM))
        key = self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
        cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}-key.pem"
        _write_private(cert_path, chain)
        _write_private(key_path, key)
        return cert_path, key_path


def trust_instructions(bundle: Path) -> str:
    """What the banner prints: how each kind of client trusts the simulator's CA."""
    return (f"  CA bundle (trust it):  {bundle}\n"
            f"    Python requests / MSAL / azure-identity:  export REQUESTS_CA_BUNDLE={bundle}\n"
            f"    Python ssl, httpx, aiohttp, curl, openssl: export SSL_CERT_FILE={bundle}\n"
            f"    Node.js:                                  export NODE_EXTRA_CA_CERTS={bundle}")


def client_context(bundle: str | Path) -> ssl.SSLContext:
    """An SSL context that trusts only the simulator's CA (for clients that take a context)."""
    return ssl.create_default_context(cafile=str(bundle))
