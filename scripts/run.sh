#!/usr/bin/env bash
# Install everything and start the app on the configured database (default: an embedded SQLite
# file under data/, created and filled with demo data on first run; with HUIQI_ENV=production no demo
# data unless HUIQI_DEMO_DATA=true, and `prepare` refuses to start while a demo account still has the
# demo password — see README "生产模式 / Production rules"). Extra arguments go to
# `streamlit run`, e.g. `bash scripts/run.sh --server.port 8600`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
.venv/bin/python manage.py prepare
exec .venv/bin/python -m streamlit run app.py "$@"
