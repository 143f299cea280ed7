"""Browser sign-in for every module's pages: the platform is a relying party of its own IKD provider.

``/masuk`` runs the OpenID Connect code flow over real HTTP against the configured issuer (PAR,
``private_key_jwt`` with the ``web-client`` key, PKCE S256, RFC 9207 ``iss``), keeps the resulting access
token in an HttpOnly cookie, and ``core.security`` accepts that cookie like a bearer token. The refresh
token (sealed with the platform secret) renews the access token transparently (``SessionRefreshMiddleware``),
so a long form is not lost when the five-minute access token expires. ``core`` never imports ``identity``:
it only speaks OpenID Connect to whatever issuer ``SPBE_WEB_ISSUER`` names (default: this platform).
"""
