"""Bad input that used to end in a traceback or lose its hint: one clear message naming what and where.

A collection nested hundreds of folders deep (RecursionError), a malformed cassette met during replay
(a ~40-line fixture traceback before the message), a typo'd ``.env`` key next to a missing one (the
"did you mean" hint was dropped), terminal escape bytes in ``.env`` (echoed raw, or a crash).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.settings import SettingsError, load_settings

REPO = Path(__file__).resolve().parents[2]
SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
ESC = "\x1b"


def nested_collection(path: Path, depth: int) -> Path:
    """A collection whose one request sits ``depth`` folders deep (written as text: json.dumps would recurse)."""
    request = json.dumps({"name": "leaf", "request": {"method": "GET", "url": "http://127.0.0.1:9/x"}})
    opened = "".join(f'{{"name": "f{i}", "item": [\n' for i in range(depth))
    head = json.dumps({"name": "deep", "schema": SCHEMA})
    path.write_text(f'{{"info": {head}, "item": [\n{opened}{request}{"]}" * depth}]}}\n', encoding="utf-8")
    return path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(cwd)})


# ---------------------------------------------------------------------- item 15: deep collections
@pytest.mark.parametrize("depth, expected", [(500, "nested too deeply"), (150, "nested more than 100 deep")])
def test_a_deeply_nested_collection_is_one_message_and_exit_2(tmp_path, depth, expected):
    path = nested_collection(tmp_path / "deep.postman_collection.json", depth)
    result = run("-m", "harness.cli", "run", str(path), cwd=tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    assert expected in result.stderr and str(path) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("depth, expected", [(500, "nested too deeply"), (150, "nested more than 100 deep")])
def test_a_deeply_nested_collection_is_a_clear_pytest_collection_error(tmp_path, depth, expected):
    path = nested_collection(tmp_path / "deep.postman_collection.json", depth)
    result = run("-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
                 path.name, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-2000:]
    assert expected in output and "RecursionError" not in output and "Traceback" not in output
    assert "ERROR collecting deep.postman_collection.json" in output


def test_a_collection_100_folders_deep_still_loads(tmp_path):
    from harness.postman.loader import load_collection

    collection = load_collection(nested_collection(tmp_path / "ok.postman_collection.json", 100))
    assert [item.name for item in collection.requests()] == ["leaf"]


# ---------------------------------------------------------------------- item 16: malformed cassette in replay
def test_a_malformed_cassette_in_replay_is_one_message(tmp_path):
    test = "tests/suites/test_crm_crud.py::test_create_only_on_existing_record_is_412"
    cassettes = tmp_path / "cassettes"
    shutil.copytree(REPO / "cassettes" / "suites" / "test_crm_crud", cassettes / "suites" / "test_crm_crud")
    broken = cassettes / "suites" / "test_crm_crud" / "test_create_only_on_existing_record_is_412.json"
    lines = broken.read_text(encoding="utf-8").splitlines()
    lines[10] = lines[10] + " oops,"  # a hand edit gone wrong on line 11
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:randomly", test, "--cassette-dir",
                             str(cassettes), "-n", "0"], cwd=REPO, capture_output=True, text=True, timeout=300)
    output = result.stdout
    assert result.returncode == 1, output[-3000:]
    section = output.split("ERROR at setup of test_create_only_on_existing_record_is_412", 1)[1]
    section = section.split("short test summary info", 1)[0]
    body = [line for line in section.splitlines() if line.strip("_= ")]
    assert len(body) == 1, section  # the one message, no fixture traceback
    assert f"{broken}: line 11" in body[0] and "re-record it" in body[0]


# ---------------------------------------------------------------------- item 17: .env hints and escapes
def test_a_typo_key_keeps_its_hint_next_to_the_error(tmp_path):
    env = tmp_path / ".env"
    env.write_text("CRM_URL=https://org.crm.dynamics.com\nCRM_TENANT_ID=72f988bf-0000-4000-8000-00000000a11d\n"
                   "CRM_CLIENT_ID=51f81489-12ee-4a9e-aaae-a2591f45987d\nCRM_USERNAME=a@contoso.com\n"
                   "CRM_PASWORD=not-the-real-one-9\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(env, {"HARNESS_TARGET": "live"})
    message = str(caught.value)
    assert "CRM_PASSWORD: is missing" in message
    assert f"CRM_PASWORD ({env} line 5): unknown key, ignored; did you mean CRM_PASSWORD?" in message
    assert "not-the-real-one-9" not in message


def test_terminal_escapes_from_env_are_never_echoed_raw(tmp_path):
    env = tmp_path / ".env"
    env.write_text(f"CRM_URL=https://org.crm.dynamics.com{ESC}[2J{ESC}]0;pwned\x07\nCRM_{ESC}[31mX=1\n"
                   f"CRM_CLIENT_ID=bad{ESC}[5m\n", encoding="utf-8")
    result = run("-m", "harness.cli", "test", "--target", "live", "--env-file", str(env), cwd=tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert ESC not in result.stdout + result.stderr and "\x07" not in result.stderr
    assert "CRM_URL" in result.stderr and "\\x1b" in result.stderr
