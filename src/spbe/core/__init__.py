"""The platform's core: settings, database, errors, audit log, keys, templating, region codes and NIK.

``core`` imports nothing from the capability modules above it.
"""
