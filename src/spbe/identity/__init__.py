"""Identity (IKD): residents, the OpenID Connect provider, staff accounts and machine clients.

See docs/modules/identity.md."""
