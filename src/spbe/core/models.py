"""Every ORM model owned by ``core``, imported so the metadata knows them."""

from __future__ import annotations
