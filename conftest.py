"""Repository-level pytest configuration.

The harness's own plugin is installed through its ``pytest11`` entry points (see pyproject.toml),
so nothing needs loading here except pytest's ``pytester`` for the tests that run pytest itself.
"""

pytest_plugins = ["pytester"]
