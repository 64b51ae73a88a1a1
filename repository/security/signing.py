"""The copying agency's signature: one certificate per agency, kept outside the catalog.

An agency's key is a PKCS#12 file, ``<keys>/<agency>.p12``, where ``<keys>`` is SOHOA_SIGNING_KEYS
(default ``$SOHOA_HOME/keys``). Its passphrase comes from the environment
(``SOHOA_SIGNING_PASSPHRASE_<AGENCY>``, the agency code upper-cased with non-alphanumerics as ``_``)
or from ``<keys>/<agency>.pass`` (mode 600). Production keys come from the government CA (Ban Cơ yếu
Chính phủ) on tokens: ``AgencyKey`` is the one seam a PKCS#11 signer (pyHanko's ``PKCS11Signer``)
fills later; nothing else in the repository touches a key.

``make_test_certificate`` makes a self-signed certificate for samples and tests only: an e-copy
signed with it verifies here, and nowhere else.
"""

from __future__ import annotations

import os
import re
import secrets
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from repository.errors import NOT_FOUND, DomainError
from repository.settings import load_settings

# pyHanko imports cryptography's DSA support, which warns on import; e-copies never use DSA.
warnings.filterwarnings("ignore", message="DSA is deprecated")

TEST_MARK = "CHỈ DÙNG THỬ / TEST ONLY"


class AgencyKey(Protocol):
    """What signing needs of an agency's key: a pyHanko signer and its certificate."""

    agency: str

    def signer(self):  # -> pyhanko.sign.signers.Signer
        ...

    def certificate(self):  # -> asn1crypto.x509.Certificate
        ...


def keys_dir() -> Path:
    return Path(os.environ.get("SOHOA_SIGNING_KEYS") or load_settings().home / "keys")


def _slug(agency: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", agency).strip("_").upper()


def _file_name(agency: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", agency)


@dataclass
class Pkcs12Key:
    agency: str
    path: Path

    def _passphrase(self) -> bytes:
        from_env = os.environ.get(f"SOHOA_SIGNING_PASSPHRASE_{_slug(self.agency)}")
        if from_env is not None:
            return from_env.encode()
        secret = self.path.with_suffix(".pass")
        if secret.exists():
            return secret.read_bytes().strip()
        raise DomainError(
            NOT_FOUND,
            "signing_passphrase_missing",
            f"Chưa cấu hình mật khẩu khóa ký của cơ quan {self.agency} / no passphrase for the agency's key",
        )

    def signer(self):
        from pyhanko.sign import signers

        loaded = signers.SimpleSigner.load_pkcs12(str(self.path), passphrase=self._passphrase())
        if loaded is None:
            raise DomainError(
                NOT_FOUND,
                "signing_key_unreadable",
                f"Không đọc được khóa ký của {self.agency} / unreadable key",
            )
        return loaded

    def certificate(self):
        return self.signer().signing_cert


def agency_key(agency: str) -> AgencyKey:
    """The agency's configured key, or a 404 saying it has none (the admin configures one)."""
    path = keys_dir() / f"{_file_name(agency)}.p12"
    if not path.exists():
        raise DomainError(
            NOT_FOUND,
            "no_signing_key",
            f"Cơ quan {agency} chưa có chứng thư số để ký bản sao điện tử; quản trị viên cấu hình"
            f" tệp {path.name} / the agency has no signing certificate",
        )
    return Pkcs12Key(agency, path)


def has_key(agency: str | None) -> bool:
    return bool(agency) and (keys_dir() / f"{_file_name(agency)}.p12").exists()


def trusted_certificates() -> list:
    """Every configured agency's certificate: what a verifier trusts an e-copy's signature to.

    Read once per key file version: /verify answers anyone, and opening a PKCS#12 file decrypts the
    agency's private key (a deliberately slow key derivation) - not to be redone on every request."""
    found = []
    folder = keys_dir()
    for path in sorted(folder.glob("*.p12")) if folder.is_dir() else []:
        certificate = _certificate(str(path), path.stat().st_mtime_ns)
        if certificate is not None:
            found.append(certificate)
    return found


@lru_cache(maxsize=256)
def _certificate(path: str, _version: int):
    try:
        return Pkcs12Key(Path(path).stem, Path(path)).certificate()
    except DomainError:
        return None


def make_test_certificate(agency: str, agency_name: str | None = None, days: int = 365) -> Path:
    """A self-signed certificate and key for ``agency``, as ``<keys>/<agency>.p12`` with a random
    passphrase in ``<agency>.pass`` (mode 600). For samples and tests only: its subject says so."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = keys_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency_name or agency),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TEST_MARK),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{agency} ({TEST_MARK})"),
    ])  # fmt: skip
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .sign(key, hashes.SHA256())
    )
    passphrase = secrets.token_urlsafe(24).encode()
    data = pkcs12.serialize_key_and_certificates(
        agency.encode(), key, certificate, None, serialization.BestAvailableEncryption(passphrase)
    )
    target = folder / f"{_file_name(agency)}.p12"
    secret = target.with_suffix(".pass")
    secret.touch(mode=0o600)
    secret.write_bytes(passphrase)
    target.write_bytes(data)
    target.chmod(0o600)
    return target
