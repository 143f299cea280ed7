#!/usr/bin/env bash
# SPLP gateway benchmark: direct vs nginx vs gateway (log off / metadata / bodies), wrk at 50 connections.
# Needs the Debian packages wrk and nginx-light (apt-get install -y wrk nginx-light). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python bench/interop/run.py "$@"
