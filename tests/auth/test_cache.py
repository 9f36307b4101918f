"""Token cache: reuse, on-disk format and permissions, expiry and refresh, several processes."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import time
from pathlib import Path

import pytest

from harness.auth import (
    CacheEntry,
    FileTokenCache,
    MemoryTokenCache,
    TokenBroker,
    cache_key,
    open_cache,
    provider_for,
)
from harness.secrets import Secret
from harness.settings import load_settings
from simulator.config import DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, SimConfig
from simulator.server import SimulatorServer
from tests.auth.conftest import identity, make_target

REPO_ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ----------------------------------------------------------------------------- reuse
def test_one_provider_asks_once(target, counter):
    provider = provider_for(target("crm"), MemoryTokenCache(), session=counter.session)
    tokens = [provider.get_token() for _ in range(5)]
    assert counter.total == 1
    assert all(t.value == tokens[0].value for t in tokens)


def test_a_second_provider_reuses_the_cached_token(target, counter):
    cache = MemoryTokenCache()
    first = provider_for(target("crm", version="v2"), cache, session=counter.session).get_token()
    second = provider_for(target("crm", version="v2"), cache, session=counter.session).get_token()
    assert counter.total == 1
    assert second.value == first.value and second.source == "cache"
    assert cache.hits >= 1


def test_cache_keys_separate_users_resources_and_grants(target, counter):
    cache = MemoryTokenCache()
    for settings in (target("crm"), target("fno"), target("crm", grant="client_credentials"),
                     target("crm", user="mfa@contoso.onmicrosoft.com", grant="authorization_code")):
        cache.put(cache_key(settings), CacheEntry(Secret("x" * 10), time.time() + 3600))
    assert len(set(cache.keys())) == 4
    key = cache_key(target("crm"))
    assert key.split("|") == [target("crm").authority.lower(), target("crm").tenant_id, target("crm").client_id,
                              target("crm").audience.lower(), "admin@contoso.onmicrosoft.com", "password"]


def test_file_cache_is_shared_between_cache_objects_and_holds_no_password(tmp_path, target, counter):
    path = tmp_path / "cache" / "tokens.json"
    token = provider_for(target("crm"), FileTokenCache(path), session=counter.session).get_token()
    again = provider_for(target("crm"), FileTokenCache(path), session=counter.session).get_token()
    assert counter.total == 1 and again.value == token.value
    text = path.read_text()
    assert token.value.reveal() in text and token.refresh_token.reveal() in text
    assert DEFAULT_PASSWORD not in text
    data = json.loads(text)
    assert data["version"] == 1 and list(data["tokens"]) == [cache_key(target("crm"))]
    assert set(data["tokens"][cache_key(target("crm"))]) == {"access_token", "refresh_token", "expires_at",
                                                               "token_type", "stored_at"}


def test_client_secret_is_never_written(tmp_path, target):
    path = tmp_path / "tokens.json"
    provider_for(target("bc", grant="client_credentials"), FileTokenCache(path)).get_token()
    assert DEFAULT_CLIENT_SECRET not in path.read_text()


def test_file_and_directory_permissions(tmp_path, target):
    old = os.umask(0o022)  # a usual umask: without care the file would be 0644
    try:
        path = tmp_path / "a" / "b" / "tokens.json"
        provider_for(target("crm"), FileTokenCache(path)).get_token()
    finally:
        os.umask(old)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
    assert mode(path.with_name("tokens.json.lock")) == 0o600
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_a_cache_file_readable_by_others_is_tightened(tmp_path, caplog):
    path = tmp_path / "tokens.json"
    cache = FileTokenCache(path)
    cache.put("k", CacheEntry(Secret("token-value-1"), time.time() + 3600))
    os.chmod(path, 0o644)
    assert FileTokenCache(path).get("k") is not None
    assert mode(path) == 0o600
    assert "readable by others" in caplog.text


def test_default_cache_location_is_outside_the_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={"XDG_CACHE_HOME": str(tmp_path / "xdg")})
    broker = TokenBroker.from_settings(settings)
    assert isinstance(broker.cache, FileTokenCache)
    assert broker.cache.path == tmp_path / "xdg" / "dynamics-harness" / "tokens.json"
    assert REPO_ROOT not in broker.cache.path.parents
    assert isinstance(open_cache(None), MemoryTokenCache)
    off = load_settings(environ={"HARNESS_TOKEN_CACHE": "off"})
    assert isinstance(TokenBroker.from_settings(off).cache, MemoryTokenCache)


def test_corrupt_cache_file_is_replaced(tmp_path, target, caplog, counter):
    path = tmp_path / "tokens.json"
    path.write_text("{not json")
    os.chmod(path, 0o600)
    provider_for(target("crm"), FileTokenCache(path), session=counter.session).get_token()
    assert "unreadable" in caplog.text
    assert counter.total == 1 and json.loads(path.read_text())["version"] == 1


def _hammer(path: str, worker: int, count: int) -> None:
    cache = FileTokenCache(path)
    for i in range(count):
        cache.put(f"w{worker}-k{i}", CacheEntry(Secret(f"token-{worker}-{i}"), time.time() + 3600))


def test_several_processes_update_the_file_without_losing_entries(tmp_path):
    path = tmp_path / "shared" / "tokens.json"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_hammer, args=(str(path), w, 15)) for w in range(3)]
    for proc in workers:
        proc.start()
    for proc in workers:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    tokens = json.loads(path.read_text())["tokens"]
    assert len(tokens) == 45
    assert tokens["w2-k14"]["access_token"] == "token-2-14"


# ----------------------------------------------------------------------------- expiry and refresh
@pytest.fixture(scope="module")
def short_sim():
    """A simulator whose access tokens live 60 s: with the 120 s skew they are stale at once."""
    with SimulatorServer(SimConfig(token_lifetime=60)) as server:
        yield server


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_stale_token_is_renewed_with_the_refresh_token(short_sim, counter, version):
    provider = provider_for(make_target(short_sim, "crm", version=version), MemoryTokenCache(),
                            session=counter.session)
    first = provider.get_token()
    assert first.expires_in() <= 60
    second = provider.get_token()
    assert counter.grants == {"password": 1, "refresh_token": 1}
    assert second.value != first.value and second.source == "refresh"


def test_client_credentials_reacquire_when_stale(short_sim, counter):
    provider = provider_for(make_target(short_sim, "fno", grant="client_credentials"), session=counter.session)
    provider.get_token()
    provider.get_token()
    assert counter.grants == {"client_credentials": 2}


def test_expired_cache_entry_is_renewed_from_its_refresh_token(tmp_path, target, counter):
    settings = target("crm")
    real = provider_for(settings).get_token()
    cache = FileTokenCache(tmp_path / "tokens.json")
    cache.put(cache_key(settings), CacheEntry(Secret("expired-access-token"), time.time() - 10, "Bearer",
                                              real.refresh_token))
    token = provider_for(settings, cache, session=counter.session).get_token()
    assert counter.grants == {"refresh_token": 1}
    assert token.value != Secret("expired-access-token")
    assert cache.get(cache_key(settings)).access_token == token.value


def test_almost_expired_entry_counts_as_expired(target, counter):
    settings = target("crm")
    cache = MemoryTokenCache()
    cache.put(cache_key(settings), CacheEntry(Secret("soon-expired-token"), time.time() + 100))  # < 120 s skew
    token = provider_for(settings, cache, session=counter.session).get_token()
    assert counter.grants == {"password": 1} and token.value != Secret("soon-expired-token")


def test_refused_refresh_token_falls_back_to_the_grant(sim, target, counter, caplog):
    settings = target("crm", version="v2")
    real = provider_for(settings).get_token()
    identity(sim).expire_refresh_token(real.refresh_token.reveal())
    cache = MemoryTokenCache()
    cache.put(cache_key(settings), CacheEntry(None, 0, "Bearer", real.refresh_token))
    token = provider_for(settings, cache, session=counter.session).get_token()
    assert counter.grants == {"refresh_token": 1, "password": 1}
    assert token.claims["upn"] == "admin@contoso.onmicrosoft.com"
    assert "AADSTS700082" in caplog.text


def test_invalidate_drops_the_access_token_but_keeps_the_refresh_token(target, counter):
    cache = MemoryTokenCache()
    provider = provider_for(target("crm"), cache, session=counter.session)
    first = provider.get_token()
    provider.invalidate()
    entry = cache.get(provider.key)
    assert entry.access_token is None and entry.refresh_token == first.refresh_token
    second = provider.get_token()
    assert counter.grants == {"password": 1, "refresh_token": 1}
    assert second.value != first.value


def test_broker_memoizes_one_provider_per_target(target, counter):
    broker = TokenBroker(session=counter.session)
    crm = target("crm")
    assert broker.provider(crm) is broker.provider(target("crm"))
    assert broker.provider(crm) is not broker.provider(target("fno"))
    assert broker.token(crm).value == broker.token(crm).value
    assert broker.auth(crm).provider is broker.provider(crm)
    assert counter.grants == {"password": 1}


def test_file_cache_invalidate_keeps_the_refresh_token(tmp_path, target, counter):
    path = tmp_path / "tokens.json"
    provider = provider_for(target("crm"), FileTokenCache(path), session=counter.session)
    first = provider.get_token()
    provider.invalidate()
    stored = json.loads(path.read_text())["tokens"][provider.key]
    assert stored["access_token"] is None and stored["refresh_token"] == first.refresh_token.reveal()
    other = provider_for(target("crm"), FileTokenCache(path), session=counter.session)
    assert other.get_token().value != first.value
    assert counter.grants == {"password": 1, "refresh_token": 1}


def test_broker_shares_one_token_session_and_forgets_providers_on_close(target):
    with TokenBroker() as broker:
        provider = broker.provider(target("crm"))
        assert provider.session is broker.session is broker.provider(target("fno")).session
        broker.token(target("crm"))
    assert broker.provider(target("crm")) is not provider
