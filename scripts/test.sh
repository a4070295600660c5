#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite:
# unit rules, services on SQLite and on a real PostgreSQL server (started by the tests),
# pages with Streamlit AppTest, and journeys in headless Chromium (Playwright), one of them through nginx
# in front of two app processes.
# Then the date-sensitive suites again under fixed dates (HUIQI_CLOCK, see clock.py):
# the first half hour of a year in China time (UTC still the old year), a January report month,
# a quarter month, the first half hour of a month in China time, and a leap day.
# Extra arguments go to pytest alone, e.g. `bash scripts/test.sh tests/unit -q`
# (set HUIQI_TEST_DATES="2027-03-15T10:00:00+08:00 …" to run those suites under other dates too).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)  # tests/e2e/test_two_processes.py
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing system packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt

if [ $# -gt 0 ] && [ -z "${HUIQI_TEST_DATES:-}" ]; then
  exec .venv/bin/python -m pytest "$@"
fi

DATE_SUITES=(tests/monitor tests/cmmm tests/assessment tests/quality tests/market/test_vouchers.py tests/stats tests/forms tests/services tests/unit)
DATES=${HUIQI_TEST_DATES:-"2027-01-01T00:30:00+08:00 2027-01-20T10:00:00+08:00 2027-03-15T10:00:00+08:00 2027-06-01T00:20:00+08:00 2028-02-29T09:00:00+08:00"}
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
status=0

echo "=== python manage.py check-specs"
.venv/bin/python manage.py check-specs || status=1

echo "=== today ($(date -u +%FT%TZ))"
.venv/bin/python -m pytest --junitxml="$reports/today.xml" "$@" || status=1
for when in $DATES; do
  echo "=== HUIQI_CLOCK=$when: ${DATE_SUITES[*]}"
  HUIQI_CLOCK="$when" .venv/bin/python -m pytest -p no:cacheprovider --junitxml="$reports/$when.xml" \
    "${DATE_SUITES[@]}" || status=1
done

# One closing line for every run together.
.venv/bin/python - "$reports" <<'EOF'
import sys, pathlib, xml.etree.ElementTree as ET
n = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for f in pathlib.Path(sys.argv[1]).glob("*.xml"):
    for suite in ET.parse(f).getroot().iter("testsuite"):
        for k in n:
            n[k] += int(suite.get(k, 0))
passed = n["tests"] - n["failures"] - n["errors"] - n["skipped"]
print(f"all: {passed} passed, {n['failures'] + n['errors']} failed, {n['skipped']} skipped")
EOF
exit $status
