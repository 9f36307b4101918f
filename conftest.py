"""Repository-level pytest configuration.

The harness's own plugin is installed through its one ``pytest11`` entry point (see pyproject.toml),
so nothing needs loading here except pytest's ``pytester`` for the tests that run pytest itself.
"""

pytest_plugins = ["pytester"]
