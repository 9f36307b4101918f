"""Harness settings: which Dynamics services to call and how to sign in, from ``.env`` + environment.

Usage::

    from harness.settings import load_settings
    settings = load_settings()            # ./.env (optional) + os.environ; raises SettingsError
    crm = settings.crm                    # TargetSettings or None
    crm.api_root, crm.token_url, crm.audience

Keys are documented in ``.env.example`` at the repository root.
"""

from harness.settings.loader import (
    Settings,
    default_token_cache_path,
    known_keys,
    load_settings,
    secret_setting_values,
)
from harness.settings.problems import Origin, Problem, SettingsError
from harness.settings.target_settings import (
    BC_AUDIENCE,
    DEFAULT_AUTHORITY,
    GRANT_TYPES,
    TARGETS,
    TargetSettings,
)

__all__ = [
    "BC_AUDIENCE",
    "DEFAULT_AUTHORITY",
    "GRANT_TYPES",
    "Origin",
    "Problem",
    "Settings",
    "SettingsError",
    "TARGETS",
    "TargetSettings",
    "default_token_cache_path",
    "known_keys",
    "load_settings",
    "secret_setting_values",
]
