"""What the connector tests share: a throwaway service-account key (GA4's tests and the contract sign with it)."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr


@pytest.fixture(scope="session")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def key_json(private_key) -> SecretStr:
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return SecretStr(json.dumps({
        "type": "service_account", "project_id": "acme-analytics", "private_key_id": "0123abcd", "private_key": pem,
        "client_email": "okr-reader@acme-analytics.iam.gserviceaccount.com", "client_id": "1000", "token_uri": "https://oauth2.googleapis.com/token",
    }))
