"""Unit tests of harness.settings: .env + environment loading, precedence, defaults and validation."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import jwt
import pytest

from harness.errors import HarnessError
from harness.secrets import Secret
from harness.settings import Settings, SettingsError, TargetSettings, load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "51f81489-12ee-4a9e-aaae-a2591f45987d"
OTHER_CLIENT = "5a1e0c1d-0000-4000-8000-00000000c11e"
PASSWORD = "Pa55-w0rd-value!"
SECRET = "client-secret-value-123"


def make_jwt(exp_offset: float = 3600, **claims) -> str:
    payload = {"exp": int(time.time() + exp_offset), "aud": "https://org.crm.dynamics.com",
               "tid": TENANT, **claims}
    return jwt.encode(payload, "not-a-real-key-but-long-enough-for-hs256", algorithm="HS256")


def write_env(tmp_path: Path, text: str, name: str = ".env") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str, environ: dict | None = None, **kwargs) -> Settings:
    return load_settings(write_env(tmp_path, text), environ=environ or {}, **kwargs)


def problems_of(tmp_path: Path, text: str, environ: dict | None = None) -> SettingsError:
    with pytest.raises(SettingsError) as info:
        load(tmp_path, text, environ)
    return info.value


CRM_PASSWORD_ENV = f"""\
CRM_URL=https://org.crm.dynamics.com/
CRM_TENANT_ID={TENANT}
CRM_CLIENT_ID={CLIENT}
CRM_USERNAME=admin@contoso.onmicrosoft.com
CRM_PASSWORD={PASSWORD}
"""


# ----------------------------------------------------------------------------- finding the file
def test_no_env_file_is_fine_and_defaults_to_the_simulator(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={"XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert settings.target == "sim"
    assert settings.env_file is None
    assert (settings.crm, settings.fno, settings.bc) == (None, None, None)
    assert settings.targets() == {}
    assert settings.token_cache_path == tmp_path / "xdg" / "dynamics-harness" / "tokens.json"


def test_default_token_cache_is_outside_the_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    path = settings.token_cache_path
    assert path is not None and path.parts[-3:] == (".cache", "dynamics-harness", "tokens.json")
    assert REPO_ROOT not in path.parents


def test_dot_env_in_the_working_directory_is_read(tmp_path, monkeypatch):
    write_env(tmp_path, CRM_PASSWORD_ENV)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.env_file == (tmp_path / ".env").resolve()
    assert settings.crm is not None and settings.crm.username == "admin@contoso.onmicrosoft.com"


def test_harness_env_file_variable_and_argument_precedence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    by_var = write_env(tmp_path, CRM_PASSWORD_ENV.replace("admin@", "var@"), "var.env")
    by_arg = write_env(tmp_path, CRM_PASSWORD_ENV.replace("admin@", "arg@"), "arg.env")
    write_env(tmp_path, CRM_PASSWORD_ENV.replace("admin@", "cwd@"))
    assert load_settings(environ={"HARNESS_ENV_FILE": str(by_var)}).crm.username == "var@contoso.onmicrosoft.com"
    assert load_settings(by_arg, environ={"HARNESS_ENV_FILE": str(by_var)}).crm.username == \
        "arg@contoso.onmicrosoft.com"
    assert load_settings(environ={}).crm.username == "cwd@contoso.onmicrosoft.com"


def test_a_named_env_file_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(SettingsError) as info:
        load_settings(environ={"HARNESS_ENV_FILE": str(tmp_path / "nope.env")})
    assert info.value.keys() == ["HARNESS_ENV_FILE"]
    assert "nope.env" in str(info.value) and "does not exist" in str(info.value)
    with pytest.raises(SettingsError, match="missing.env"):
        load_settings(tmp_path / "missing.env", environ={})


def test_settings_error_is_a_harness_error():
    assert issubclass(SettingsError, HarnessError)


# ----------------------------------------------------------------------------- precedence
def test_real_environment_wins_over_the_file(tmp_path):
    settings = load(tmp_path, CRM_PASSWORD_ENV, {"CRM_USERNAME": "ci@contoso.onmicrosoft.com",
                                                 "CRM_URL": "https://ci.crm4.dynamics.com"})
    assert settings.crm.username == "ci@contoso.onmicrosoft.com"
    assert settings.crm.url == "https://ci.crm4.dynamics.com"
    assert settings.crm.password == Secret(PASSWORD)  # still from the file


def test_an_empty_value_counts_as_unset(tmp_path):
    settings = load(tmp_path, CRM_PASSWORD_ENV + "CRM_SCOPE=\n", {"CRM_TOKEN_VERSION": ""})
    assert settings.crm.token_version == "v1"
    assert settings.crm.scope == ()


def test_loading_exports_nothing_to_os_environ(tmp_path):
    before = dict(os.environ)
    load(tmp_path, CRM_PASSWORD_ENV)
    assert dict(os.environ) == before


def test_an_environment_value_is_reported_as_such(tmp_path):
    err = problems_of(tmp_path, CRM_PASSWORD_ENV, {"CRM_URL": "org.crm.dynamics.com"})
    assert str(err.problems[0]).startswith("CRM_URL (environment variable): expected an http(s) URL")


# ----------------------------------------------------------------------------- targets and defaults
def test_password_target_defaults_and_derived_urls(tmp_path):
    crm = load(tmp_path, CRM_PASSWORD_ENV).crm
    assert crm.grant_type == "password" and crm.token_version == "v1"
    assert crm.url == "https://org.crm.dynamics.com"
    assert crm.audience == "https://org.crm.dynamics.com"
    assert crm.api_version == "v9.2"
    assert crm.api_root == "https://org.crm.dynamics.com/api/data/v9.2"
    assert crm.token_url == f"https://login.microsoftonline.com/{TENANT}/oauth2/token"
    assert crm.authorize_url == f"https://login.microsoftonline.com/{TENANT}/oauth2/authorize"
    assert crm.redirect_uri == "http://localhost:8400/"
    assert isinstance(crm.password, Secret) and crm.password.reveal() == PASSWORD


def test_v2_token_url_and_v82_api_version(tmp_path):
    crm = load(tmp_path, CRM_PASSWORD_ENV + "CRM_TOKEN_VERSION=v2\nCRM_API_VERSION=v8.2\n").crm
    assert crm.token_url == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
    assert crm.api_root == "https://org.crm.dynamics.com/api/data/v8.2"


def test_client_credentials_defaults_to_v2_and_fno_bc_roots(tmp_path):
    text = f"""\
TENANT_ID=contoso.onmicrosoft.com
CLIENT_ID={CLIENT}
CLIENT_SECRET={SECRET}
FNO_URL=https://env.operations.dynamics.com
BC_GRANT_TYPE=client_credentials
"""
    settings = load(tmp_path, text)
    fno, bc = settings.fno, settings.bc
    assert settings.crm is None
    assert fno.grant_type == "client_credentials" and fno.token_version == "v2"
    assert fno.api_root == "https://env.operations.dynamics.com/data"
    assert fno.company == "usmf"
    assert fno.audience == "https://env.operations.dynamics.com"
    assert bc.url == "https://api.businesscentral.dynamics.com"
    assert bc.audience == "https://api.businesscentral.dynamics.com"
    assert bc.environment == "production" and bc.company_id is None
    assert bc.api_root == ("https://api.businesscentral.dynamics.com/v2.0/contoso.onmicrosoft.com/production"
                           "/api/v2.0")
    assert bc.v2_scopes(user_flow=False) == ["https://api.businesscentral.dynamics.com/.default"]
    assert bc.client_secret == Secret(SECRET)
    assert bc.key("client_secret") == "CLIENT_SECRET" and bc.key("tenant_id") == "TENANT_ID"


def test_bc_audience_stays_fixed_for_another_host_and_resource_overrides(tmp_path):
    text = f"""\
TENANT_ID={TENANT}
CLIENT_ID={CLIENT}
CLIENT_SECRET={SECRET}
BC_URL=http://127.0.0.1:5555
BC_ENVIRONMENT=sandbox
BC_COMPANY_ID=11111111-2222-4333-8444-555555555555
FNO_URL=https://env.operations.dynamics.com
FNO_RESOURCE=https://env.operations.dynamics.com/
FNO_COMPANY=dat
"""
    settings = load(tmp_path, text)
    assert settings.bc.audience == "https://api.businesscentral.dynamics.com"
    assert settings.bc.api_root == f"http://127.0.0.1:5555/v2.0/{TENANT}/sandbox/api/v2.0"
    assert settings.bc.company_id == "11111111-2222-4333-8444-555555555555"
    assert settings.fno.audience == "https://env.operations.dynamics.com/"  # an override is kept as written
    assert settings.fno.v2_scopes(user_flow=False) == ["https://env.operations.dynamics.com//.default"]
    assert settings.fno.company == "dat"


def test_per_target_keys_beat_shared_fallbacks(tmp_path):
    text = CRM_PASSWORD_ENV + f"""\
TENANT_ID=other.onmicrosoft.com
CLIENT_ID={OTHER_CLIENT}
AUTHORITY=https://login.microsoftonline.us
"""
    crm = load(tmp_path, text).crm
    assert crm.tenant_id == TENANT and crm.client_id == CLIENT
    assert crm.authority == "https://login.microsoftonline.us"
    assert crm.key("authority") == "AUTHORITY" and crm.key("client_id") == "CRM_CLIENT_ID"


def test_shared_secret_is_not_paired_with_a_target_specific_client(tmp_path):
    # CRM signs in with its own (public) app: the shared secret belongs to the shared CLIENT_ID.
    text = CRM_PASSWORD_ENV + f"CLIENT_ID={OTHER_CLIENT}\nCLIENT_SECRET={SECRET}\n"
    crm = load(tmp_path, text).crm
    assert crm.client_secret is None
    assert crm.key("client_secret") == "CRM_CLIENT_SECRET"


@pytest.mark.parametrize(("extra", "grant"), [
    (f"CRM_CLIENT_SECRET={SECRET}\n", "client_credentials"),
    ("CRM_REFRESH_TOKEN=0.AXrefresh-token-value\n", "refresh_token"),
    ("", "authorization_code"),
])
def test_grant_defaults_from_what_is_given(tmp_path, extra, grant):
    text = f"CRM_URL=https://org.crm.dynamics.com\nTENANT_ID={TENANT}\nCRM_CLIENT_ID={CLIENT}\n{extra}"
    crm = load(tmp_path, text).crm
    assert crm.grant_type == grant
    assert crm.token_version == "v2"


def test_grant_type_aliases_and_case(tmp_path):
    crm = load(tmp_path, CRM_PASSWORD_ENV + "CRM_GRANT_TYPE=Client-Credentials\n"
                                            f"CRM_CLIENT_SECRET={SECRET}\nCRM_TOKEN_VERSION=1.0\n").crm
    assert crm.grant_type == "client_credentials" and crm.token_version == "v1"


def test_v2_scopes_for_user_flows_and_extra_scopes(tmp_path):
    crm = load(tmp_path, CRM_PASSWORD_ENV + "CRM_SCOPE=openid profile\n").crm
    assert crm.v2_scopes(user_flow=True) == ["https://org.crm.dynamics.com/.default", "openid", "profile",
                                              "offline_access"]
    crm = load(tmp_path, CRM_PASSWORD_ENV + "CRM_SCOPE=https://org.crm.dynamics.com/user_impersonation\n").crm
    assert crm.v2_scopes(user_flow=True) == ["https://org.crm.dynamics.com/user_impersonation",
                                              "offline_access"]
    assert crm.v2_scopes(user_flow=False) == ["https://org.crm.dynamics.com/.default"]


def test_harness_target_and_token_cache_keys(tmp_path):
    settings = load(tmp_path, CRM_PASSWORD_ENV + "HARNESS_TARGET=LIVE\nHARNESS_TOKEN_CACHE=off\n")
    assert settings.target == "live" and settings.token_cache_path is None
    settings = load(tmp_path, CRM_PASSWORD_ENV, {"HARNESS_TOKEN_CACHE": str(tmp_path / "c" / "t.json")})
    assert settings.token_cache_path == tmp_path / "c" / "t.json"


def test_live_without_any_target_is_an_error(tmp_path):
    err = problems_of(tmp_path, "HARNESS_TARGET=live\n")
    assert err.keys() == ["HARNESS_TARGET"]
    assert "no target is configured" in str(err)


def test_unknown_prefixed_key_is_a_warning_with_a_suggestion(tmp_path):
    settings = load(tmp_path, CRM_PASSWORD_ENV + f"CRM_CLIENTID={CLIENT}\nUNRELATED=1\n")
    assert len(settings.warnings) == 1
    assert "CRM_CLIENTID" in settings.warnings[0] and "did you mean CRM_CLIENT_ID" in settings.warnings[0]
    assert "line 6" in settings.warnings[0]


def test_duplicate_key_warns_and_last_wins(tmp_path):
    settings = load(tmp_path, CRM_PASSWORD_ENV + "CRM_USERNAME=second@contoso.onmicrosoft.com\n")
    assert settings.crm.username == "second@contoso.onmicrosoft.com"
    assert any("lines 4, 6" in w for w in settings.warnings)


def test_simulated_target_factory():
    target = TargetSettings.simulated("crm", url="http://127.0.0.1:9001/", login_url="http://127.0.0.1:9000",
                                      tenant_id=TENANT, client_id=CLIENT, username="admin@contoso.onmicrosoft.com",
                                      password=PASSWORD)
    assert target.grant_type == "password" and target.token_version == "v1"
    assert target.token_url == f"http://127.0.0.1:9000/{TENANT}/oauth2/token"
    assert target.api_root == "http://127.0.0.1:9001/api/data/v9.2"
    assert isinstance(target.password, Secret)
    app = TargetSettings.simulated("bc", url="http://127.0.0.1:9003", login_url="http://127.0.0.1:9000",
                                   tenant_id=TENANT, client_id=OTHER_CLIENT, client_secret=SECRET)
    assert app.grant_type == "client_credentials" and app.token_version == "v2"
    assert app.audience == "https://api.businesscentral.dynamics.com"
    assert app.replace(token_version="v1").token_url.endswith("/oauth2/token")


# ----------------------------------------------------------------------------- validation messages
def test_url_without_scheme_names_key_file_and_line(tmp_path):
    err = problems_of(tmp_path, CRM_PASSWORD_ENV.replace("https://org.crm.dynamics.com/", "org.crm.dynamics.com"))
    assert len(err.problems) == 1
    text = str(err.problems[0])
    assert text.startswith(f"CRM_URL ({tmp_path / '.env'} line 1): expected an http(s) URL")
    assert "the scheme is missing" in text


@pytest.mark.parametrize(("url", "expected"), [
    ("ftp://org.crm.dynamics.com", "expected an http(s) URL"),
    ("https://org.crm.dynamics.com/api/data/v9.2", "without '/api/data/...'"),
    ("https://org.crm.dynamics.com/?x=1", "without '?query'"),
    ("https://org.crm.dynamics.com/tenant", "without a path"),
    ("https://", "with a host name"),
])
def test_bad_urls(tmp_path, url, expected):
    err = problems_of(tmp_path, CRM_PASSWORD_ENV.replace("https://org.crm.dynamics.com/", url))
    assert err.keys() == ["CRM_URL"]
    assert expected in str(err)


def test_fno_url_with_data_path(tmp_path):
    err = problems_of(tmp_path, f"FNO_URL=https://env.operations.dynamics.com/data\nTENANT_ID={TENANT}\n"
                                f"CLIENT_ID={CLIENT}\nCLIENT_SECRET={SECRET}\n")
    assert err.keys() == ["FNO_URL"] and "without '/data'" in str(err)


def test_missing_url(tmp_path):
    err = problems_of(tmp_path, CRM_PASSWORD_ENV.replace("CRM_URL=https://org.crm.dynamics.com/\n", ""))
    assert err.keys() == ["CRM_URL"]
    assert "is missing" in str(err) and "https://org.crm.dynamics.com" in str(err)


def test_bad_tenant_and_client_id(tmp_path):
    text = CRM_PASSWORD_ENV.replace(TENANT, "not a tenant").replace(CLIENT, "my-app")
    err = problems_of(tmp_path, text)
    assert err.keys() == ["CRM_TENANT_ID", "CRM_CLIENT_ID"]
    assert "line 2" in str(err.problems[0]) and "GUID" in str(err.problems[0])
    assert "domain like contoso.onmicrosoft.com" in str(err.problems[0])
    assert "line 3" in str(err.problems[1]) and "application (client) ID" in str(err.problems[1])


@pytest.mark.parametrize("tenant", [TENANT, "contoso.onmicrosoft.com", "contoso.com", "organizations"])
def test_accepted_tenants(tmp_path, tenant):
    assert load(tmp_path, CRM_PASSWORD_ENV.replace(TENANT, tenant)).crm.tenant_id == tenant


def test_unknown_grant_type_suggests_the_closest(tmp_path):
    err = problems_of(tmp_path, CRM_PASSWORD_ENV + "CRM_GRANT_TYPE=pasword\n")
    assert err.keys() == ["CRM_GRANT_TYPE"]
    assert "line 6" in str(err) and "did you mean password?" in str(err)
    assert "client_credentials" in str(err)


def test_password_grant_without_username_and_password(tmp_path):
    text = f"CRM_URL=https://org.crm.dynamics.com\nTENANT_ID={TENANT}\nCRM_CLIENT_ID={CLIENT}\n" \
           "CRM_GRANT_TYPE=password\n"
    err = problems_of(tmp_path, text)
    assert err.keys() == ["CRM_USERNAME", "CRM_PASSWORD"]
    assert all("the password grant needs it" in str(p) for p in err.problems)


def test_client_credentials_without_secret(tmp_path):
    text = f"CRM_URL=https://org.crm.dynamics.com\nTENANT_ID={TENANT}\nCRM_CLIENT_ID={CLIENT}\n" \
           "CRM_GRANT_TYPE=client_credentials\n"
    err = problems_of(tmp_path, text)
    assert err.keys() == ["CRM_CLIENT_SECRET"]
    assert "or CLIENT_SECRET for all targets" in str(err)


def test_grant_without_tenant_or_client(tmp_path):
    err = problems_of(tmp_path, "FNO_URL=https://env.operations.dynamics.com\nFNO_GRANT_TYPE=authorization_code\n")
    assert err.keys() == ["FNO_TENANT_ID", "FNO_CLIENT_ID"]
    assert "or TENANT_ID for all targets" in str(err)


def test_client_credentials_refuses_common_tenant(tmp_path):
    text = f"CRM_URL=https://org.crm.dynamics.com\nTENANT_ID=common\nCRM_CLIENT_ID={CLIENT}\n" \
           f"CRM_CLIENT_SECRET={SECRET}\n"
    err = problems_of(tmp_path, text)
    assert err.keys() == ["TENANT_ID"] and "real tenant" in str(err)


def test_username_must_be_a_upn(tmp_path):
    err = problems_of(tmp_path, CRM_PASSWORD_ENV.replace("admin@contoso.onmicrosoft.com", "CONTOSO\\admin"))
    assert err.keys() == ["CRM_USERNAME"] and "user principal name" in str(err)


def test_no_credentials_at_all(tmp_path):
    err = problems_of(tmp_path, "CRM_URL=https://org.crm.dynamics.com\n")
    assert err.keys() == ["CRM_GRANT_TYPE"]
    assert "CRM_ACCESS_TOKEN" in str(err) and "CRM_CLIENT_ID" in str(err)


def test_token_version_api_version_and_bc_values(tmp_path):
    text = CRM_PASSWORD_ENV + f"""\
CRM_TOKEN_VERSION=v3
CRM_API_VERSION=v10
BC_TENANT_ID={TENANT}
BC_CLIENT_ID={CLIENT}
BC_CLIENT_SECRET={SECRET}
BC_ENVIRONMENT=my env
BC_COMPANY_ID=cronus
FNO_URL=https://env.operations.dynamics.com
FNO_ACCESS_TOKEN={make_jwt()}
FNO_COMPANY=us-mf
"""
    err = problems_of(tmp_path, text)
    assert set(err.keys()) == {"CRM_TOKEN_VERSION", "CRM_API_VERSION", "BC_ENVIRONMENT", "BC_COMPANY_ID",
                               "FNO_COMPANY"}
    assert "expected v1 or v2" in str(err) and "v9.2" in str(err)


def test_redirect_uri_must_be_loopback_for_authorization_code(tmp_path):
    text = f"CRM_URL=https://org.crm.dynamics.com\nTENANT_ID={TENANT}\nCRM_CLIENT_ID={CLIENT}\n" \
           "CRM_REDIRECT_URI=https://app.contoso.com/callback\n"
    err = problems_of(tmp_path, text)
    assert err.keys() == ["CRM_REDIRECT_URI"] and "loopback" in str(err)


def test_malformed_lines_are_reported_with_line_numbers(tmp_path):
    text = "# a comment\n\n" + CRM_PASSWORD_ENV + "\nTHIS IS NOT A SETTING\nCRM_SCOPE\nCRM_RESOURCE='x\n"
    err = problems_of(tmp_path, text)
    lines = [p.origin.line for p in err.problems]
    assert lines == [9, 10, 11]
    assert "cannot parse this line; expected KEY=VALUE" in str(err.problems[0])
    assert err.problems[1].key == "CRM_SCOPE" and "has no '=VALUE'" in str(err.problems[1])


def test_line_numbers_follow_blank_lines_and_comments(tmp_path):
    text = "\n\n# heading\n\nCRM_URL=nope\n" + CRM_PASSWORD_ENV.split("\n", 1)[1]
    err = problems_of(tmp_path, text)
    assert err.problems[0].origin.line == 5


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / ".env"
    path.write_bytes(CRM_PASSWORD_ENV.encode() + b"CRM_SCOPE=caf\xe9\n")
    with pytest.raises(SettingsError) as info:
        load_settings(path, environ={})
    assert "not valid UTF-8" in str(info.value) and "line 6" in str(info.value)


def test_all_problems_are_collected_into_one_error(tmp_path):
    text = f"""\
CRM_URL=crm
CRM_TENANT_ID=??
CRM_CLIENT_ID={CLIENT}
CRM_GRANT_TYPE=client_credentials
FNO_URL=https://env.operations.dynamics.com
FNO_GRANT_TYPE=magic
BROKEN LINE HERE
"""
    err = problems_of(tmp_path, text)
    assert len(err.problems) >= 5
    assert str(err).startswith(f"{len(err.problems)} settings problems (env file: {tmp_path / '.env'}):")
    assert {"CRM_URL", "CRM_TENANT_ID", "CRM_CLIENT_SECRET", "FNO_GRANT_TYPE", None} <= set(err.keys())


def test_error_messages_never_contain_secret_values(tmp_path):
    # The secret is also pasted by mistake into keys whose values are echoed in messages.
    text = f"""\
CRM_URL={SECRET}
CRM_TENANT_ID={PASSWORD}
CRM_CLIENT_ID={SECRET}
CRM_CLIENT_SECRET={SECRET}
CRM_USERNAME=admin@contoso.onmicrosoft.com
CRM_PASSWORD={PASSWORD}
CRM_GRANT_TYPE={PASSWORD}
"""
    err = problems_of(tmp_path, text)
    assert len(err.problems) == 4
    assert SECRET not in str(err) and PASSWORD not in str(err)
    assert "'***'" in str(err)


# ----------------------------------------------------------------------------- pasted tokens
def test_pasted_token_alone_selects_the_token_grant(tmp_path):
    token = make_jwt()
    crm = load(tmp_path, f"CRM_URL=https://org.crm.dynamics.com\nCRM_ACCESS_TOKEN={token}\n").crm
    assert crm.grant_type == "token"
    assert crm.access_token == Secret(token)
    assert crm.tenant_id is None and crm.client_id is None


def test_pasted_token_gives_bc_its_tenant(tmp_path):
    bc = load(tmp_path, f"BC_ACCESS_TOKEN={make_jwt(aud='https://api.businesscentral.dynamics.com')}\n").bc
    assert bc.tenant_id == TENANT
    assert bc.api_root.endswith(f"/v2.0/{TENANT}/production/api/v2.0")


@pytest.mark.parametrize(("value", "expected"), [
    ("not-a-token", "is not a JWT: a JWT has three dot-separated parts"),
    ("abc.def", "three dot-separated parts; this value has 2"),
    ("a b.c d.e f", "base64url text"),
    ("bm90.anNvbg.c2ln", "not base64url-encoded JSON"),
])
def test_pasted_token_that_is_not_a_jwt(tmp_path, value, expected):
    err = problems_of(tmp_path, f"CRM_URL=https://org.crm.dynamics.com\nCRM_ACCESS_TOKEN={value}\n")
    assert err.keys() == ["CRM_ACCESS_TOKEN"] and "line 2" in str(err)
    assert expected in str(err)


def test_pasted_token_with_bearer_prefix(tmp_path):
    err = problems_of(tmp_path, f"CRM_URL=https://org.crm.dynamics.com\nCRM_ACCESS_TOKEN='Bearer {make_jwt()}'\n")
    assert "without the 'Bearer ' prefix" in str(err)


def test_expired_pasted_token_is_an_error_when_live(tmp_path):
    token = make_jwt(exp_offset=-600)
    text = f"HARNESS_TARGET=live\nCRM_URL=https://org.crm.dynamics.com\nCRM_ACCESS_TOKEN={token}\n"
    err = problems_of(tmp_path, text)
    assert err.keys() == ["CRM_ACCESS_TOKEN"]
    message = str(err)
    assert "expired at" in message and "10 min ago" in message and "paste a new token into CRM_ACCESS_TOKEN" in message
    assert token not in message


def test_expired_pasted_token_only_warns_for_the_simulator(tmp_path, caplog):
    token = make_jwt(exp_offset=-600)
    settings = load(tmp_path, f"CRM_URL=https://org.crm.dynamics.com\nCRM_ACCESS_TOKEN={token}\n")
    assert settings.crm is not None and settings.crm.grant_type == "token"
    assert any("expired" in w and "CRM_ACCESS_TOKEN" in w for w in settings.warnings)
    assert token not in caplog.text


def test_pasted_token_for_another_audience_warns(tmp_path):
    token = make_jwt(aud="https://other.crm.dynamics.com/")
    settings = load(tmp_path, f"CRM_URL=https://org.crm.dynamics.com\nCRM_ACCESS_TOKEN={token}\n")
    assert any("https://other.crm.dynamics.com/" in w for w in settings.warnings)


# ----------------------------------------------------------------------------- secrets
def test_repr_and_str_hide_every_secret(tmp_path):
    token, refresh = make_jwt(), "0.AXrefresh-token-value-xyz"
    text = CRM_PASSWORD_ENV + f"CRM_CLIENT_SECRET={SECRET}\nFNO_URL=https://env.operations.dynamics.com\n" \
                              f"FNO_ACCESS_TOKEN={token}\nFNO_REFRESH_TOKEN={refresh}\n"
    settings = load(tmp_path, text)
    for shown in (repr(settings), str(settings), repr(settings.crm), f"{settings.fno}"):
        for value in (PASSWORD, SECRET, token, refresh):
            assert value not in shown
    assert "Secret('********')" in repr(settings.crm)


def test_values_for_lint_lists_every_secret(tmp_path):
    token = make_jwt()
    text = CRM_PASSWORD_ENV + f"CRM_CLIENT_SECRET={SECRET}\nBC_ACCESS_TOKEN={token}\n" \
                              "MY_SERVICE_API_KEY=some-api-key-value\nPLAIN=not-secret\n"
    values = load(tmp_path, text).values_for_lint()
    assert {PASSWORD, SECRET, token, "some-api-key-value"} <= set(values)
    assert "not-secret" not in values and "admin@contoso.onmicrosoft.com" not in values
    assert len(values) == len(set(values))


def test_quoted_values_and_password_spaces_are_kept(tmp_path):
    settings = load(tmp_path, CRM_PASSWORD_ENV.replace(f"CRM_PASSWORD={PASSWORD}", 'CRM_PASSWORD="p # w \' x"'))
    assert settings.crm.password.reveal() == "p # w ' x"


def test_secret_fields_are_not_json_serializable(tmp_path):
    crm = load(tmp_path, CRM_PASSWORD_ENV).crm
    with pytest.raises(TypeError):
        json.dumps({"password": crm.password})


def test_token_cache_inside_the_project_directory_warns(tmp_path):
    settings = load(tmp_path, CRM_PASSWORD_ENV + "HARNESS_TOKEN_CACHE=" + str(tmp_path / "tokens.json") + "\n")
    assert any("inside the project directory" in w for w in settings.warnings)
    outside = tmp_path.parent / f"{tmp_path.name}-cache" / "tokens.json"
    settings = load(tmp_path, CRM_PASSWORD_ENV + f"HARNESS_TOKEN_CACHE={outside}\n")
    assert settings.warnings == ()


def test_settings_for_the_simulator():
    settings = Settings.simulated(login_url="http://127.0.0.1:1", tenant_id=TENANT, client_id=CLIENT,
                                  crm_url="http://127.0.0.1:2", bc_url="http://127.0.0.1:4",
                                  username="admin@contoso.onmicrosoft.com", password=PASSWORD)
    assert settings.target == "sim" and settings.fno is None and settings.token_cache_path is None
    assert settings.crm.api_root == "http://127.0.0.1:2/api/data/v9.2"
    assert settings.bc.api_root == f"http://127.0.0.1:4/v2.0/{TENANT}/production/api/v2.0"
    assert settings.crm.grant_type == settings.bc.grant_type == "password"
    assert PASSWORD in settings.values_for_lint() and PASSWORD not in repr(settings)


def test_env_example_documents_exactly_the_known_keys():
    import re

    from harness.settings import known_keys

    example = REPO_ROOT / ".env.example"
    text = example.read_text()
    documented = set(re.findall(r"^# ?([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))
    documented |= set(re.findall(r"\b(HARNESS_ENV_FILE)=", text))
    assert documented == known_keys()
    settings = load_settings(example, environ={})  # as shipped it parses and configures nothing
    assert settings.targets() == {} and settings.warnings == ()
