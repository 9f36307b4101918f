"""Run every flow and error path with DEBUG logging and check no secret value shows up anywhere."""

from __future__ import annotations

import logging
import time

import pytest
import requests

from harness.auth import AuthError, CacheEntry, MemoryTokenCache, TokenAuth, cache_key, provider_for
from harness.secrets import Secret
from simulator.config import DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, EXPIRED_SECRET_CLIENT_ID
from tests.auth.conftest import MFA_USER, SignInDriver, identity
from tests.fakes import fake_jwt

WRONG_PASSWORD = "Wr0ng-Passw0rd-value"
WRONG_SECRET = "wrong-client-secret-value"


def test_no_secret_reaches_logs_or_error_messages(sim, target, caplog):
    caplog.set_level(logging.DEBUG, logger="harness")
    secrets: set[str] = {DEFAULT_PASSWORD, DEFAULT_CLIENT_SECRET, WRONG_PASSWORD, WRONG_SECRET}
    messages: list[str] = []

    def collect(token) -> None:
        secrets.add(token.value.reveal())
        if token.refresh_token is not None:
            secrets.add(token.refresh_token.reveal())

    def expect_failure(settings, **options) -> None:
        with pytest.raises(AuthError) as info:
            provider_for(settings, **options).get_token()
        messages.append(str(info.value))
        messages.append(repr(info.value))
        messages.append(str(info.value.description))

    # Successful flows, every grant, both versions.
    for version in ("v1", "v2"):
        password = provider_for(target("crm", version=version))
        collect(password.get_token())
        collect(password.get_token(force_refresh=True))  # refresh grant
        collect(provider_for(target("bc", grant="client_credentials", version=version)).get_token())
        driver = SignInDriver()
        collect(provider_for(target("fno", grant="authorization_code", version=version,
                                    redirect_uri="http://localhost:0/"), open_url=driver).get_token())
        assert driver.code
        secrets.add(driver.code)
        rt = password.get_token().refresh_token
        collect(provider_for(target("crm", grant="refresh_token", version=version, refresh_token=rt)).get_token())

    # The 401 retry path (the rejected token is logged nowhere either).
    settings = target("crm")
    rejected = fake_jwt({'alg': 'HS256'}, {'exp': 4102444800}, b'signature-forged')
    secrets.add(rejected)
    cache = MemoryTokenCache()
    cache.put(cache_key(settings), CacheEntry(Secret(rejected), time.time() + 3600))
    retrying = provider_for(settings, cache)
    reply = requests.get(f"{sim.config.crm_url}/api/data/v9.2/WhoAmI", auth=TokenAuth(retrying), timeout=10)
    assert reply.status_code == 200
    collect(retrying.get_token())

    # Error paths.
    expect_failure(target("crm", password=WRONG_PASSWORD))
    expect_failure(target("crm", user=MFA_USER))
    expect_failure(target("bc", grant="client_credentials", secret=WRONG_SECRET))
    expect_failure(target("crm", grant="client_credentials", client_id=EXPIRED_SECRET_CLIENT_ID))
    expired_rt = provider_for(target("crm")).get_token().refresh_token
    secrets.add(expired_rt.reveal())
    identity(sim).expire_refresh_token(expired_rt.reveal())
    expect_failure(target("crm", grant="refresh_token", refresh_token=expired_rt))
    expect_failure(target("crm", grant="token", access_token=rejected).replace(
        access_token=Secret(fake_jwt({'alg': 'HS256'}, {'exp': 1}, b'sig'))))

    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "token acquired" in logged and "token request failed" in logged  # the flows did log
    assert len(caplog.records) > 20
    for value in secrets:
        assert value not in logged, "a secret value was logged"
        for message in messages:
            assert value not in message, "a secret value is in an error message"
