"""`harness run` and collection oauth2 blocks: Newman's behaviour by default, the harness's providers on request.

Newman 6.2.2 (postman-runtime's oauth2 signer) adds ``Authorization: Bearer <accessToken>`` when the
block exports an ``accessToken`` and otherwise sends the request as the scripts left it; it never
refuses to send. ``--oauth2 fetch`` asks the harness's providers, and even then a header a script
set for a host the target does not own is kept.
"""

from __future__ import annotations

import base64
import json

from harness.cli import main
from tests.postman.helpers import collection, request_item, write_json

ECHO_AUTH = "pm.test('auth', () => pm.expect(pm.response.json().headers.authorization).to.equal({expected}));"


def oauth2_block(**extra: str) -> dict:
    params = {"accessTokenUrl": "https://login.windows.net/common/oauth2/token", "grant_type": "authorization_code",
              "clientId": "51f81489-12ee-4a9e-aaae-a2591f45987d", "addTokenTo": "header", **extra}
    return {"type": "oauth2", "oauth2": [{"key": k, "value": v, "type": "string"} for k, v in params.items()]}


def run(capsys, path, *args: str) -> tuple[int, str, str]:
    status = main(["run", str(path), *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_an_unusable_oauth2_block_does_not_stop_the_request(tmp_path, capsys, server):
    tests = ECHO_AUTH.format(expected="undefined")
    path = write_json(tmp_path / "c.postman_collection.json", collection(
        [request_item("Echo", f"{server.url}/echo/accounts", tests=tests)], auth=oauth2_block()))
    status, out, err = run(capsys, path, "-r", "cli,json", "--reporter-json-export", str(tmp_path / "r.json"))
    assert status == 0, out
    report = json.loads((tmp_path / "r.json").read_text())
    (execution,) = report["run"]["executions"]
    assert execution["response"]["code"] == 200 and "requestError" not in execution
    assert any("oauth2" in w for w in execution["warnings"])


def test_the_exported_access_token_is_sent_like_newman(tmp_path, capsys, server):
    tests = ECHO_AUTH.format(expected="'Bearer exported-token-1'")
    path = write_json(tmp_path / "c.postman_collection.json", collection(
        [request_item("Echo", f"{server.url}/echo/accounts", tests=tests)],
        auth=oauth2_block(accessToken="exported-token-1")))
    status, out, _ = run(capsys, path)
    assert status == 0, out


def test_a_script_set_authorization_survives_an_oauth2_block_without_a_token(tmp_path, capsys, server):
    tests = ECHO_AUTH.format(expected="'Bearer from-the-script'")
    pre = "pm.request.headers.upsert({key: 'Authorization', value: 'Bearer from-the-script'});"
    path = write_json(tmp_path / "c.postman_collection.json", collection(
        [request_item("Echo", f"{server.url}/echo/accounts", tests=tests, pre=pre)], auth=oauth2_block()))
    status, out, _ = run(capsys, path)
    assert status == 0, out


def test_fetch_keeps_a_script_set_authorization_for_a_host_the_target_does_not_own(tmp_path, capsys, server):
    """With the simulator as target and --oauth2 fetch, a block asking for the Dataverse audience would get the
    simulator's token; the request goes to another host whose header the script computed: it is kept."""
    tests = ECHO_AUTH.format(expected="'Bearer from-the-script'")
    pre = "pm.request.headers.upsert({key: 'Authorization', value: 'Bearer from-the-script'});"
    block = oauth2_block(scope="{{crm_url}}/.default", grant_type="password_credentials",
                         accessTokenUrl="{{token_url}}", clientId="{{client_id}}", username="{{username}}",
                         password="{{password}}")
    path = write_json(tmp_path / "c.postman_collection.json", collection(
        [request_item("Echo", f"{server.url}/echo/accounts", tests=tests, pre=pre)], auth=block))
    status, out, _ = run(capsys, path, "--target", "sim", "--oauth2", "fetch")
    assert status == 0, out
    assert "is not a host of the target" in out


def test_fetch_signs_in_for_the_targets_own_host(tmp_path, capsys):
    tests = "pm.test('signed in', () => pm.response.to.have.status(200));"
    block = oauth2_block(scope="{{crm_url}}/.default", grant_type="password_credentials",
                         accessTokenUrl="{{token_url}}", clientId="{{client_id}}", username="{{username}}",
                         password="{{password}}")
    path = write_json(tmp_path / "c.postman_collection.json", collection(
        [request_item("WhoAmI", "{{crm_api}}/WhoAmI", tests=tests)], auth=block))
    assert run(capsys, path, "--target", "sim", "--oauth2", "fetch")[0] == 0
    # the Newman default sends no token: the simulator answers 401
    status, out, _ = run(capsys, path, "--target", "sim")
    assert status == 1 and "401" in out


def test_import_warnings_are_printed_before_the_run(tmp_path, capsys, server):
    path = write_json(tmp_path / "c.postman_collection.json", collection(
        [request_item("Echo", f"{server.url}/echo/x", tests="pm.test('t', () => {});"),
         request_item("Fixed host", "https://login.windows.net/common/discovery/instance")]))
    status, out, err = run(capsys, path, "--bail")
    assert "import warning(s)" in err and "login.windows.net" in err
    assert err.index("import warning(s)") >= 0 and "harness run" in out  # stderr is written before the run


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_the_json_export_has_the_redacted_response_bodies(tmp_path, capsys, server):
    token = ".".join(_b64(part) for part in ('{"alg":"none"}', '{"sub":"ada"}', "signature"))  # built, not stored
    body = {"user": "ada", "access_token": token}
    path = write_json(tmp_path / "c.postman_collection.json", collection(
        [request_item("Echo", f"{server.url}/echo/x", method="POST", body={"mode": "raw", "raw": json.dumps(body)})]))
    status, _, _ = run(capsys, path, "-r", "json", "--reporter-json-export", str(tmp_path / "r.json"))
    (execution,) = json.loads((tmp_path / "r.json").read_text())["run"]["executions"]
    stream = execution["response"]["stream"]
    assert stream["type"] == "Buffer"
    text = bytes(stream["data"]).decode("utf-8")
    assert '"user": "ada"' in text.replace('\\"', '"') or "ada" in text
    assert token.split(".")[0] not in text and token.split(".")[2] not in text
