"""Harness settings: which Dynamics services to call and how to sign in, from ``.env`` + environment.

Usage::

    from harness.settings import load_settings
    settings = load_settings()            # ./.env (optional) + os.environ; raises SettingsError
    crm = settings.crm                    # TargetSettings or None
    crm.api_root, crm.token_url, crm.audience

Keys are documented in ``.env.example`` at the repository root.
"""

from __future__ import annotations

from harness.lazy import lazy_exports

# name -> module: imported on first use (PEP 562), so a module that needs only target_settings (the
# Postman target variables, `harness run`) does not pay for the .env loader and python-dotenv
_EXPORTS = {
    "Settings": "harness.settings.loader",
    "default_token_cache_path": "harness.settings.loader",
    "known_keys": "harness.settings.loader",
    "load_settings": "harness.settings.loader",
    "secret_setting_values": "harness.settings.loader",
    "Origin": "harness.settings.problems",
    "Problem": "harness.settings.problems",
    "SettingsError": "harness.settings.problems",
    "BC_AUDIENCE": "harness.settings.target_settings",
    "DEFAULT_AUTHORITY": "harness.settings.target_settings",
    "GRANT_TYPES": "harness.settings.target_settings",
    "TARGETS": "harness.settings.target_settings",
    "TargetSettings": "harness.settings.target_settings",
}

__getattr__ = lazy_exports(globals(), _EXPORTS)

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
