"""Parameters and fixtures of the contract suite: one test per service root and entity set.

`test_contract[crm-accounts]` builds the Dataverse contract from the `$metadata` the service serves,
limited to `accounts`, and runs every operation of it (`crm-operations` covers unbound functions such
as WhoAmI). The entity sets are those of the pinned `cassettes/metadata/<root>.xml`, which the drift
test keeps equal to what the simulator serves; one cassette per test keeps replays fast.

Against a live instance (`--target=live`) there is one test per root, GET operations only unless
`--allow-writes` is given, over the entity sets the suites use; HARNESS_CONTRACT_<ROOT>_SETS="a,b"
(or "all") chooses others, in both modes. HARNESS_CONTRACT_MAX_EXAMPLES and HARNESS_CONTRACT_SEED
change how many cases each operation gets and from which seed (the committed cassettes were
recorded with the defaults; other values need --disable-recording or a fresh --cassette-dir).
"""

from __future__ import annotations

import os

import pytest

from harness.contract import DEFAULT_MAX_EXAMPLES, DEFAULT_SEED, GenerationSettings, build_contract
from harness.contract.pinning import metadata_path, pinned_contract_metadata, recording_requested  # noqa: F401
from harness.metadata import MetadataError, parse_csdl

from .known_issues import SIMULATOR_ISSUES

ROOTS = ("crm", "fno", "bc")
ALL, OPERATIONS = "all", "operations"
# Entity sets a live run covers by default: the ones the suites and collections already touch.
LIVE_SETS = {
    "crm": ["accounts", "contacts", "tasks", "systemusers"],
    "fno": ["LegalEntities", "CustomerGroups", "CustomersV3", "VendorsV2"],
    "bc": ["companies", "customers", "vendors", "items"],
}
OPERATION_IMPORTS = {"crm": ["WhoAmI"], "fno": None, "bc": None}


def _configured_sets(root: str) -> list[str] | None:
    value = os.environ.get(f"HARNESS_CONTRACT_{root.upper()}_SETS", "").strip()
    if not value:
        return None
    return [ALL] if value == ALL else [name.strip() for name in value.split(",") if name.strip()]


def contract_groups(config: pytest.Config, root: str) -> list[str]:
    """The test groups of one root: its entity sets (plus `operations`), or `all` for a live run."""
    configured = _configured_sets(root)
    if configured is not None:
        return configured
    if config.getoption("target") == "live":
        return [ALL]
    pinned = metadata_path(config.rootpath / "cassettes", root)
    try:
        model = parse_csdl(pinned)
    except MetadataError:  # no pinned document yet: one test for the whole root
        return [ALL]
    container = model.container
    imports = {**container.function_imports, **container.action_imports} if container else {}
    has_operations = any(name in imports for name in OPERATION_IMPORTS[root] or ())
    return [*model.entity_sets, *([OPERATIONS] if has_operations else [])]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "contract_group" not in metafunc.fixturenames:
        return
    params = [pytest.param(root, group, id=f"{root}-{group}", marks=getattr(pytest.mark, root))
              for root in ROOTS for group in contract_groups(metafunc.config, root)]
    metafunc.parametrize(("contract_root", "contract_group"), params)


@pytest.fixture(scope="session")
def contract_settings() -> GenerationSettings:
    return GenerationSettings(max_examples=int(os.environ.get("HARNESS_CONTRACT_MAX_EXAMPLES", DEFAULT_MAX_EXAMPLES)),
                              seed=int(os.environ.get("HARNESS_CONTRACT_SEED", DEFAULT_SEED)))


@pytest.fixture(scope="session")
def contract_read_only(request: pytest.FixtureRequest, harness_target: str) -> bool:
    """Writes go to the simulator always, to a live instance only with --allow-writes."""
    return harness_target == "live" and not request.config.getoption("allow_writes")


@pytest.fixture
def contract(request, contract_root, contract_group, harness_target, contract_read_only, contract_settings):
    """The contract (document, schema, runner) of one root and group, from the `$metadata` served now."""
    client = request.getfixturevalue(contract_root)
    if contract_group == OPERATIONS:
        entity_sets, imports = [], OPERATION_IMPORTS[contract_root]
    elif contract_group == ALL:
        entity_sets = "all" if harness_target == "sim" else LIVE_SETS[contract_root]
        entity_sets = _configured_sets(contract_root) or entity_sets
        entity_sets = "all" if entity_sets == [ALL] else entity_sets
        imports = OPERATION_IMPORTS[contract_root]
    else:
        entity_sets, imports = [contract_group], None
    return build_contract(client, contract_root, read_only=contract_read_only, entity_sets=entity_sets,
                          operation_imports=imports, settings=contract_settings,
                          known_issues=SIMULATOR_ISSUES if harness_target == "sim" else ())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The contract runs record into and replay from cassettes/contract/test_contract/<test>.json.

    Against a live instance they only use cassettes when recording was asked for: replaying the
    simulator's recordings there would test nothing about the instance.
    """
    live = config.getoption("target") == "live"
    if live and not recording_requested(config):
        return
    for item in items:
        if item.path.name == "test_contract.py" and item.get_closest_marker("vcr") is None:
            item.add_marker(pytest.mark.vcr)
