"""Cassette file names: one per test id, safe characters, bounded length, never two ids on one file."""

from __future__ import annotations

from pathlib import Path

from harness.recording.naming import MAX_NAME_LENGTH, cassette_name, module_folder


def test_plain_ids_are_kept():
    assert cassette_name(None, "test_create_returns_204_and_entity_id") == "test_create_returns_204_and_entity_id"
    assert cassette_name(None, "test_x[case-1]") == "test_x[case-1]"


def test_classes_prefix_the_name():
    class TestAccounts:
        pass

    assert cassette_name(TestAccounts, "test_create") == "TestAccounts.test_create"


def test_unsafe_characters_are_replaced_and_a_hash_keeps_ids_apart():
    first = cassette_name(None, "test_x[a/b: 'c' ünï]")
    second = cassette_name(None, "test_x[a-b- -c- ünï]")
    assert first != second
    for name in (first, second):
        assert all(ch.isascii() and (ch.isalnum() or ch in "._-[]=,+@") for ch in name)


def test_long_ids_are_cut_with_a_hash():
    long_id = "test_item[" + "Very long Postman request name " * 20 + "]"
    name = cassette_name(None, long_id)
    assert len(name) <= MAX_NAME_LENGTH
    assert name != cassette_name(None, long_id.replace("Very", "Vary"))
    assert name == cassette_name(None, long_id)  # stable


def test_module_folder_mirrors_the_test_tree(tmp_path):
    root = tmp_path
    assert module_folder(root / "tests" / "suites" / "test_crm_crud.py", root) == Path("suites/test_crm_crud")
    assert module_folder(root / "collections" / "crm.postman_collection.json", root) == Path("collections/crm")
    assert module_folder(Path("/elsewhere/test_x.py"), root) == Path("test_x")
