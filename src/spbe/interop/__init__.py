"""Interop (SPLP): the X-Road-compatible gateway, access rights and the message log.

See docs/modules/interop.md."""
