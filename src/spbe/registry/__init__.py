"""Registry (Arsitektur SPBE): agencies, applications, services, data, infrastructure.

See docs/modules/registry.md."""
