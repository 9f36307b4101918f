"""Variable precedence, nesting and unresolved names."""

from __future__ import annotations

import pytest

from harness.postman.variables import LAYER_ORDER, VariableResolver, VariableScope, js_string, variable_names


def layers(**values) -> list[VariableScope]:
    """One scope per layer name, highest precedence first."""
    return [VariableScope.from_mapping(name, values.get(name, {})) for name in LAYER_ORDER]


def test_precedence_local_data_environment_collection_globals_harness_dotenv():
    scopes = layers(local={"v": "local"}, iterationData={"v": "data", "d": "data"},
                    environment={"v": "env", "d": "env", "e": "env"},
                    collectionVariables={"v": "coll", "e": "coll", "c": "coll"},
                    globals={"v": "glob", "c": "glob", "g": "glob"}, harness={"g": "harness", "h": "harness"},
                    dotenv={"h": "dotenv", "z": "dotenv"})
    r = VariableResolver(scopes)
    assert r.resolve("{{v}} {{d}} {{e}} {{c}} {{g}} {{h}} {{z}}") == "local data env coll glob harness dotenv"


@pytest.mark.parametrize("drop, expected", [
    ("local", "data"), ("iterationData", "local"),
])
def test_each_layer_only_shadows_lower_ones(drop, expected):
    values = {"local": {"v": "local"}, "iterationData": {"v": "data"}, "environment": {"v": "env"}}
    values[drop] = {}
    assert VariableResolver(layers(**values)).resolve("{{v}}") == expected


def test_nested_values_resolve_like_the_ce_environment():
    r = VariableResolver(layers(environment={"Resource": "https://org.crm.dynamics.com",
                                             "WebAPIUrl": "{{Resource}}/api/data/v9.0/"},
                                collectionVariables={"baseUrl": "{{api}}/{{tenantId}}", "api": "https://bc"},
                                iterationData={"tenantId": "t1"}))
    assert r.resolve("{{WebAPIUrl}}contacts") == "https://org.crm.dynamics.com/api/data/v9.0/contacts"
    assert r.resolve("{{baseUrl}}/companies") == "https://bc/t1/companies"
    assert r.unresolved == []


def test_unresolved_names_stay_literal_and_are_recorded_with_field_and_item():
    r = VariableResolver(layers(environment={"a": "{{missing}}-x"}))
    assert r.resolve("{{a}} and {{other}}", field="url", item_path="F/R") == "{{missing}}-x and {{other}}"
    found = r.take_unresolved()
    assert [(u.name, u.field, u.item_path) for u in found] == [("missing", "url", "F/R"), ("other", "url", "F/R")]
    assert r.take_unresolved() == []


def test_self_reference_stops_after_the_pass_limit():
    r = VariableResolver(layers(environment={"loop": "x{{loop}}"}))
    result = r.resolve("{{loop}}")
    assert result == "x" * 19 + "{{loop}}"


def test_typed_values_print_like_javascript():
    r = VariableResolver(layers(environment={"n": 5, "f": 2.5, "i": 3.0, "t": True, "none": None, "list": [1, "a"],
                                             "obj": {"a": 1}}))
    assert r.resolve("{{n}}|{{f}}|{{i}}|{{t}}|{{none}}|{{list}}|{{obj}}") == "5|2.5|3|true||1,a|[object Object]"
    assert js_string(None) == "null" and js_string(False) == "false" and js_string(float("nan")) == "NaN"


def test_dynamic_callback_only_for_dollar_names_not_defined_elsewhere():
    calls = []

    def dynamic(name):
        calls.append(name)
        return "generated" if name == "$guid" else None

    r = VariableResolver(layers(environment={"$timestamp": "fixed"}), dynamic=dynamic)
    assert r.resolve("{{$guid}} {{$timestamp}} {{$nope}}") == "generated fixed {{$nope}}"
    assert calls == ["$guid", "$nope"]
    assert [u.name for u in r.take_unresolved()] == ["$nope"]


def test_resolve_json_covers_keys_and_nested_values():
    r = VariableResolver(layers(environment={"k": "key", "v": "value"}))
    assert r.resolve_json({"{{k}}": ["{{v}}", {"x": "{{v}}"}], "n": 1}) == {"key": ["value", {"x": "value"}], "n": 1}


def test_scope_api_and_names():
    scope = VariableScope("environment")
    scope.set("a", 1)
    assert scope.has("a") and scope.get("a") == 1 and scope.to_dict() == {"a": 1}
    scope.unset("a")
    assert not scope.has("a")
    scope.set("b", 2)
    scope.clear()
    assert scope.values == {}
    assert variable_names("{{a}}/{{b}}/{{ a }}/{x}") == {"a", "b", " a "}
