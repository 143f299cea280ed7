"""The OpenID Connect provider, on Authlib's grants and mixins (PAR written here, RFC 9126)."""
