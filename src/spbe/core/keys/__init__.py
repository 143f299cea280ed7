"""The platform's signing keys: generated on first use, rotated, published as JWKS."""
