"""TokenAuth against the simulated Dataverse: bearer header, and one retry (never more) on 401."""

from __future__ import annotations

import functools
import io
import json
import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from requests.adapters import HTTPAdapter

from harness.auth import (
    AccessToken,
    AuthError,
    CacheEntry,
    MemoryTokenCache,
    PastedTokenProvider,
    TokenAuth,
    TokenProvider,
    cache_key,
    provider_for,
)
from harness.secrets import Secret


@functools.cache
def _foreign_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def forged_token(sim) -> str:
    """Looks valid to the client (JWT, future exp, right audience) but is signed with another key."""
    key = _foreign_key()
    now = int(time.time())
    claims = {"aud": sim.config.crm_url, "iss": f"https://sts.windows.net/{sim.config.tenant_id}/",
              "iat": now, "nbf": now, "exp": now + 3600, "tid": sim.config.tenant_id, "ver": "1.0"}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "forged"})


class CountingAdapter(HTTPAdapter):
    """Counts every request that reaches the wire, including TokenAuth's re-sends."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []

    def send(self, request, **kwargs):
        self.sent.append((request.method, request.url))
        return super().send(request, **kwargs)


@pytest.fixture
def http():
    session = requests.Session()
    adapter = CountingAdapter()
    session.mount("http://", adapter)
    session.adapter = adapter  # type: ignore[attr-defined]
    yield session
    session.close()


def whoami_url(sim) -> str:
    return f"{sim.config.crm_url}/api/data/v9.2/WhoAmI"


def seeded_provider(sim, target, counter, **kwargs):
    """A password provider whose cache holds a rejected-but-unexpired token."""
    settings = target("crm", **kwargs)
    cache = MemoryTokenCache()
    cache.put(cache_key(settings), CacheEntry(Secret(forged_token(sim)), time.time() + 3600))
    return provider_for(settings, cache, session=counter.session)


def test_bearer_header_is_added_and_one_token_serves_many_requests(sim, target, counter, http):
    http.auth = TokenAuth(provider_for(target("crm"), session=counter.session))
    replies = [http.get(whoami_url(sim), timeout=10) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 200]
    assert replies[0].request.headers["Authorization"].startswith("Bearer eyJ")
    assert counter.total == 1 and len(http.adapter.sent) == 3


def test_401_renews_the_token_and_retries_once(sim, target, counter, http):
    provider = seeded_provider(sim, target, counter)
    auth = TokenAuth(provider)
    reply = http.get(whoami_url(sim), auth=auth, timeout=10)
    assert reply.status_code == 200, reply.text
    assert [r.status_code for r in reply.history] == [401]
    assert auth.retries == 1 and len(http.adapter.sent) == 2
    assert counter.grants == {"password": 1}
    assert reply.request.headers["Authorization"] != reply.history[0].request.headers["Authorization"]
    # The renewed token is kept: the next call needs no retry and no new token.
    assert http.get(whoami_url(sim), auth=auth, timeout=10).status_code == 200
    assert auth.retries == 1 and counter.total == 1


def test_retry_prefers_the_refresh_token(sim, target, counter, http):
    settings = target("crm", version="v2")
    real = provider_for(settings).get_token()
    cache = MemoryTokenCache()  # an unexpired token the service will reject, plus a good refresh token
    cache.put(cache_key(settings), CacheEntry(Secret(forged_token(sim)), time.time() + 3600, "Bearer",
                                              real.refresh_token))
    provider = provider_for(settings, cache, session=counter.session)
    reply = http.get(whoami_url(sim), auth=TokenAuth(provider), timeout=10)
    assert reply.status_code == 200
    assert counter.grants == {"refresh_token": 1}


class AlwaysForged(TokenProvider):
    """A provider that keeps handing out a token the service refuses."""

    def __init__(self, sim, settings):
        self.target = settings
        self.value = Secret(forged_token(sim))
        self.invalidations = 0
        self.calls = 0

    def get_token(self, force_refresh: bool = False) -> AccessToken:
        self.calls += 1
        return AccessToken(self.value, time.time() + 3600)

    def invalidate(self) -> None:
        self.invalidations += 1


def test_a_second_401_is_returned_not_retried(sim, target, http):
    provider = AlwaysForged(sim, target("crm"))
    auth = TokenAuth(provider)
    reply = http.get(whoami_url(sim), auth=auth, timeout=10)
    assert reply.status_code == 401
    assert len(http.adapter.sent) == 2 and auth.retries == 1
    assert provider.invalidations == 1 and provider.calls == 2
    assert "Bearer" in reply.headers.get("WWW-Authenticate", "")


def test_rejected_pasted_token_raises_a_paste_a_new_one_error(sim, target, http):
    token = forged_token(sim)
    provider = PastedTokenProvider(target("crm", grant="token", access_token=token))
    with pytest.raises(AuthError) as info:
        http.get(whoami_url(sim), auth=TokenAuth(provider), timeout=10)
    err = info.value
    assert "rejected the pasted token in CRM_ACCESS_TOKEN (HTTP 401)" in str(err)
    assert "paste a new token into CRM_ACCESS_TOKEN" in str(err)
    assert err.response is not None and err.response.status_code == 401
    assert token not in str(err) and len(http.adapter.sent) == 1


def test_expired_pasted_token_fails_before_sending(sim, target, http):
    expired = jwt.encode({"exp": int(time.time()) - 5}, "k" * 32, algorithm="HS256")
    provider = PastedTokenProvider(target("crm", grant="token", access_token=expired))
    with pytest.raises(AuthError, match="CRM_ACCESS_TOKEN expired at"):
        http.get(whoami_url(sim), auth=TokenAuth(provider), timeout=10)
    assert http.adapter.sent == []


@pytest.mark.parametrize("streamed", [False, True])
def test_a_request_body_is_sent_again_on_retry(sim, target, counter, http, streamed):
    provider = seeded_provider(sim, target, counter)
    name = f"retry {uuid.uuid4().hex[:8]}"
    payload = json.dumps({"name": name}).encode()
    body = io.BytesIO(payload) if streamed else payload
    reply = http.post(f"{sim.config.crm_url}/api/data/v9.2/accounts", data=body, auth=TokenAuth(provider),
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert reply.status_code == 204, reply.text
    assert [r.status_code for r in reply.history] == [401]
    created = http.get(reply.headers["OData-EntityId"], auth=TokenAuth(provider), timeout=10)
    assert created.status_code == 200 and created.json()["name"] == name


def test_other_errors_are_not_retried(sim, target, counter, http):
    auth = TokenAuth(provider_for(target("crm"), session=counter.session))
    reply = http.get(f"{sim.config.crm_url}/api/data/v9.2/nosuchentities", auth=auth, timeout=10)
    assert reply.status_code == 404
    assert auth.retries == 0 and len(http.adapter.sent) == 1


def test_an_unauthenticated_401_is_left_alone(sim, http):
    reply = http.get(whoami_url(sim), timeout=10)
    assert reply.status_code == 401 and len(http.adapter.sent) == 1
