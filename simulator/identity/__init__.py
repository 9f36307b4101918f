"""Simulated Microsoft Entra ID: token, authorize and discovery endpoints shaped like the real ones.

Modules: ``app`` (routes, ``build_identity_app``), ``grants`` (password, client credentials,
authorization code + PKCE, refresh token), ``authorize`` (sign-in flow), ``tokens`` (claims and
signing), ``replies`` (v1/v2 envelopes), ``errors`` (AADSTS catalogue, error replies, outage
replies), ``principals`` (client and user authentication), ``scopes`` (resource/scope parsing),
``tenants``, ``discovery``, ``pages`` (HTML), ``state`` (codes, refresh tokens, clock),
``provider`` (``IdentityProvider``: live state and test controls, ``app.state.identity``),
``faults`` (ready-made hooks), ``browser`` (headless sign-in for tests), ``verify`` (the resource
servers' token check).
"""
