"""Collection ``oauth2`` auth gets its token from the harness's own providers — which Newman cannot do.

The auth block (``accessTokenUrl``, ``grant_type``, ``clientId``, ``clientSecret``, ``scope``/
``resource``, ``username``, ``password``) becomes a ``TargetSettings`` for the token broker, or, when
it names a configured target's audience, that target's provider is reused. Checked through pytest
items and through ``harness run``, against the simulator's token endpoint; the token never shows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.auth import AuthError, MemoryTokenCache, TokenBroker
from harness.cli import main
from harness.postman import CollectionRunner, load_collection
from harness.postman.oauth2 import BrokerTokenProvider, oauth2_audience
from harness.postman.target_variables import simulator_variables
from harness.secrets import Secret
from harness.settings.target_settings import TargetSettings
from simulator.config import DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.")


def oauth2(**settings) -> dict:
    return {"type": "oauth2", "oauth2": [{"key": k, "value": v, "type": "string"} for k, v in settings.items()]}


def check(code: str) -> list[dict]:
    return [{"listen": "test", "script": {"type": "text/javascript", "exec": code.strip().split("\n")}}]


def oauth2_collection() -> dict:
    """Collection-level client credentials (v2, Dataverse audience, an app the harness has no target
    for), a folder with its own v1 block for F&O (the harness's fno target: reused) and a noauth request."""
    ok = check("""
pm.test("status 200", function () { pm.response.to.have.status(200); });
pm.test("the Authorization header carries a JWT", function () {
    pm.expect(pm.request.headers.get("Authorization")).to.match(/^Bearer eyJ/);
});
""")
    return {
        "info": {"name": "OAuth2 from the harness", "schema": SCHEMA},
        "auth": oauth2(grant_type="client_credentials", accessTokenUrl="{{token_url_v2}}",
                       clientId="{{confidential_client_id}}", clientSecret="{{client_secret}}",
                       scope="{{crm_url}}/.default", addTokenTo="header", client_authentication="body",
                       accessToken="", tokenName="exported without a token"),
        "item": [
            {"name": "WhoAmI", "request": {"method": "GET", "url": "{{crm_api}}/WhoAmI"}, "event": ok},
            {"name": "Accounts", "request": {"method": "GET", "url": "{{crm_api}}/accounts?$top=2"}, "event": ok},
            {"name": "F&O", "auth": oauth2(grant_type="client_credentials", accessTokenUrl="{{token_url}}",
                                           clientId="{{confidential_client_id}}", clientSecret="{{client_secret}}",
                                           resource="{{fno_url}}"),
             "item": [{"name": "Customers", "request": {"method": "GET", "url": "{{fno_api}}/CustomersV3?$top=1"},
                       "event": ok}]},
            {"name": "No auth", "request": {"method": "GET", "url": "{{crm_api}}/WhoAmI", "auth": {"type": "noauth"}},
             "event": check('pm.test("401 without a token", function () { pm.response.to.have.status(401); });')},
        ],
    }


def write(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sim():
    from simulator.server import SimulatorServer

    with SimulatorServer() as server:
        yield server


def sim_targets(sim) -> dict[str, TargetSettings]:
    from harness.targets import simulator_targets
    from simulator import config as simcfg

    c = sim.config
    return simulator_targets(c.login_url, c.tenant_id, c.crm_url, c.fno_url, c.bc_url, simcfg.PUBLIC_CLIENT_ID,
                             simcfg.CONFIDENTIAL_CLIENT_ID, c.users[0].upn, simcfg.DEFAULT_PASSWORD,
                             simcfg.DEFAULT_CLIENT_SECRET)


# ---------------------------------------------------------------------------- mapping (no server)
LOGIN = "http://127.0.0.1:5000"
TENANT = "72f988bf-0000-4000-8000-00000000a11d"


def test_a_v2_client_credentials_block_becomes_target_settings():
    provider = BrokerTokenProvider(TokenBroker(MemoryTokenCache()), {})
    settings = provider.settings_for({
        "grant_type": "client_credentials", "accessTokenUrl": f"{LOGIN}/{TENANT}/oauth2/v2.0/token",
        "clientId": "app-id", "clientSecret": "app-secret-value", "scope": "https://org.crm.dynamics.com/.default"})
    assert (settings.grant_type, settings.token_version, settings.tenant_id, settings.authority) == (
        "client_credentials", "v2", TENANT, LOGIN)
    assert settings.audience == "https://org.crm.dynamics.com" and settings.client_id == "app-id"
    assert settings.client_secret == Secret("app-secret-value")
    assert settings.token_url == f"{LOGIN}/{TENANT}/oauth2/v2.0/token"
    assert settings.v2_scopes(user_flow=False) == ["https://org.crm.dynamics.com/.default"]
    assert "app-secret-value" not in repr(settings)


def test_a_v1_password_block_maps_postman_grant_names():
    provider = BrokerTokenProvider(TokenBroker(MemoryTokenCache()), {})
    settings = provider.settings_for({
        "grant_type": "password_credentials", "accessTokenUrl": f"{LOGIN}/{TENANT}/oauth2/token",
        "clientId": "public-app", "username": "ada@contoso.com", "password": "pw-value",
        "resource": {"https://x": "https://org.operations.dynamics.com/"}})  # newer exports: a map
    assert (settings.grant_type, settings.token_version, settings.name) == ("password", "v1", "fno")
    assert settings.audience == "https://org.operations.dynamics.com"
    assert settings.username == "ada@contoso.com" and settings.password == Secret("pw-value")
    assert settings.key("password") == "oauth2 password"  # messages name the auth block's setting


@pytest.mark.parametrize("scope, audience", [
    ("https://org.crm.dynamics.com/.default", "https://org.crm.dynamics.com"),
    ("https://org.crm.dynamics.com//user_impersonation offline_access", "https://org.crm.dynamics.com"),
    ("openid https://api.businesscentral.dynamics.com/.default", "https://api.businesscentral.dynamics.com"),
    ("openid profile", ""),
])
def test_the_audience_comes_from_a_url_scope(scope, audience):
    assert oauth2_audience({"scope": scope}) == audience


def test_a_block_naming_a_known_audience_reuses_that_targets_provider():
    fno = TargetSettings.simulated("fno", url="http://127.0.0.1:5002", login_url=LOGIN, tenant_id=TENANT,
                                   client_id="confidential", client_secret="s3cret-value")
    provider = BrokerTokenProvider(TokenBroker(MemoryTokenCache()), {"fno": fno})
    assert provider.settings_for({"scope": "http://127.0.0.1:5002/.default"}) is fno
    assert provider.settings_for({"resource": "http://127.0.0.1:5002", "clientId": "confidential",
                                  "grant_type": "client_credentials"}) is fno
    other_app = provider.settings_for({"resource": "http://127.0.0.1:5002", "clientId": "another-app",
                                       "clientSecret": "x-value", "accessTokenUrl": f"{LOGIN}/{TENANT}/oauth2/token"})
    assert other_app is not fno and other_app.client_id == "another-app" and other_app.name == "fno"


@pytest.mark.parametrize("params, message", [
    ({"grant_type": "implicit", "scope": "https://a/.default"}, "grant_type 'implicit' is not supported"),
    ({"scope": "https://unknown.example/.default"}, "no accessTokenUrl"),
    ({"accessTokenUrl": "https://idp.example/token", "scope": "https://a/.default"}, "not an Entra ID token endpoint"),
    ({"accessTokenUrl": f"{LOGIN}/{TENANT}/oauth2/v2.0/token", "scope": "openid",
      "clientSecret": "never-shown-secret"}, "set scope"),
    ({"grant_type": "authorization_code", "accessTokenUrl": f"{LOGIN}/{TENANT}/oauth2/v2.0/token",
      "scope": "https://a/.default"}, "needs a browser"),
])
def test_unusable_blocks_are_explained(params, message):
    provider = BrokerTokenProvider(TokenBroker(MemoryTokenCache()), {})
    with pytest.raises(AuthError, match=message) as raised:
        provider.settings_for(params)
    assert "never-shown-secret" not in str(raised.value)


def test_an_unusable_block_with_an_exported_token_sends_that_token(server):
    """Newman's behaviour is kept for blocks the harness cannot map: the exported accessToken is sent."""
    from tests.postman.helpers import TEST_TOKEN

    def collection_with(**settings) -> dict:
        return {"info": {"name": "exported", "schema": SCHEMA}, "auth": oauth2(**settings),
                "item": [{"name": "Secure", "request": {"method": "GET", "url": f"{server.url}/secure"}}]}

    provider = BrokerTokenProvider(TokenBroker(MemoryTokenCache()), {})
    with CollectionRunner(load_collection(collection_with(accessToken=TEST_TOKEN, tokenType="Bearer")),
                          token_provider=provider) as runner:
        secure = runner.run().executions[0]
    assert secure.response.status == 200 and dict(secure.request.headers)["Authorization"] == "Bearer ***"
    with CollectionRunner(load_collection(collection_with(accessToken="", grant_type="implicit")),
                          token_provider=provider) as runner:
        secure = runner.run().executions[0]
    assert secure.response is None and "grant_type 'implicit' is not supported" in secure.request_error


# ---------------------------------------------------------------------------- against the simulator
def test_the_runner_gets_one_token_per_app_and_reuses_the_fno_target(sim):
    targets = sim_targets(sim)
    with TokenBroker(MemoryTokenCache()) as broker, CollectionRunner(
            load_collection(oauth2_collection()), harness_variables=simulator_variables(sim),
            token_provider=BrokerTokenProvider(broker, targets)) as runner:
        result = runner.run()
        assert result.passed, result.summary_text()
        crm_app = BrokerTokenProvider(broker, targets).settings_for(
            {"grant_type": "client_credentials", "accessTokenUrl": simulator_variables(sim)["token_url_v2"],
             "clientId": targets["fno"].client_id, "clientSecret": DEFAULT_CLIENT_SECRET,
             "scope": f"{sim.config.crm_url}/.default"})
        # two crm requests, one token request; the F&O folder used the harness's own fno provider
        assert broker.provider(crm_app).requests_made == 1
        assert broker.provider(targets["fno"]).requests_made == 1
    assert [e.response.status for e in result.executions] == [200, 200, 200, 401]
    for execution in result.executions[:3]:
        assert dict(execution.request.headers)["Authorization"] == "Bearer ***"
    assert not JWT.search(result.summary_text())


def test_a_token_error_is_the_requests_error_not_a_crash(sim):
    collection = oauth2_collection()
    collection["auth"] = oauth2(grant_type="client_credentials", accessTokenUrl="{{token_url_v2}}",
                                clientId="{{confidential_client_id}}", clientSecret="wrong-secret-value",
                                scope="{{crm_url}}/.default")
    with TokenBroker(MemoryTokenCache()) as broker, CollectionRunner(
            load_collection(collection), harness_variables=simulator_variables(sim),
            token_provider=BrokerTokenProvider(broker, {})) as runner:
        result = runner.run()
    whoami = result.executions[0]
    assert whoami.response is None and "AADSTS7000215" in whoami.request_error
    assert "oauth2 clientSecret" in whoami.request_error  # names the setting to fix
    assert "wrong-secret-value" not in result.summary_text()


def run_pytest(pytester, *args):
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)


def test_pytest_items_get_tokens_from_the_harness(pytester):
    write(pytester.path / "oauth2.postman_collection.json", oauth2_collection())
    pytester.makeconftest("""
from pathlib import Path

import pytest

@pytest.fixture(scope="session")
def harness_targets(harness_targets):
    # the default postman_token_provider looks the harness targets up when an oauth2 request runs
    Path("targets-looked-up").write_text(",".join(sorted(harness_targets)))
    return harness_targets
""")
    result = run_pytest(pytester, "--postman=oauth2.postman_collection.json", "--postman-no-default", "-rA")
    result.assert_outcomes(passed=4)
    marker = pytester.path / "targets-looked-up"
    assert marker.is_file() and marker.read_text() == "bc,crm,fno"
    text = result.stdout.str()
    assert text.count("-> 200 OK") == 3 and text.count('passed   pm.test "the Authorization header carries a JWT"') == 3
    assert not JWT.search(text) and DEFAULT_CLIENT_SECRET not in text and DEFAULT_PASSWORD not in text


def test_without_the_harness_provider_the_requests_fail_as_in_newman(pytester):
    """Overriding the fixture with ``None`` gives Newman's behaviour: the empty exported token is sent."""
    write(pytester.path / "oauth2.postman_collection.json", oauth2_collection())
    pytester.makeconftest("""
import pytest

@pytest.fixture
def postman_token_provider():
    return None
""")
    result = run_pytest(pytester, "--postman=oauth2.postman_collection.json", "--postman-no-default")
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(["*could not obtain an access token*"])


def test_harness_run_gets_tokens_and_keeps_them_out_of_every_report(tmp_path, capsys):
    """With --oauth2 fetch (without it, harness run sends the block's exported token, as Newman does)."""
    collection = write(tmp_path / "oauth2.postman_collection.json", oauth2_collection())
    reports = {name: tmp_path / f"report.{ext}" for name, ext in (("junit", "xml"), ("json", "json"),
                                                                  ("html", "html"))}
    exported = tmp_path / "final.postman_environment.json"
    status = main(["run", str(collection), "-r", "cli,junit,json,html", "--oauth2", "fetch",
                   *(arg for name, path in reports.items() for arg in (f"--reporter-{name}-export", str(path))),
                   "--export-environment", str(exported)])
    out, err = capsys.readouterr()
    assert status == 0, out + err
    assert "│              assertions │" in out and "target: embedded simulator" in out
    run = json.loads(reports["json"].read_text())["run"]
    assert run["stats"]["assertions"] == {"total": 7, "pending": 0, "failed": 0}
    headers = [dict((h["key"], h["value"]) for h in e["request"]["header"]) for e in run["executions"]]
    assert [h.get("Authorization") for h in headers] == ["Bearer ***"] * 3 + [None]
    for text in [out, err, exported.read_text(), *(p.read_text() for p in reports.values())]:
        assert not JWT.search(text)
        assert DEFAULT_CLIENT_SECRET not in text and DEFAULT_PASSWORD not in text
