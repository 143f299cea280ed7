"""Portal (MPP Digital): residents find, apply for and track public services. See docs/modules/portal.md."""
