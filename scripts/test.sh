#!/usr/bin/env bash
# Runs every edgellm test: the CTest suite (unit, conformance, end-to-end), the AArch64 kernel tests
# under qemu when that build exists, and the Python binding tests. Needs scripts/setup.sh first.
# Shared test data is read from ../shared, or from $EDGELLM_TESTDATA.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 1200 || status=1

if [ -d build-arm ]; then
  echo "== AArch64 tests under qemu =="
  ctest --test-dir build-arm --output-on-failure -j "$(nproc)" --timeout 1200 || status=1
fi

if [ -d python/tests ] && ls build/python/edgellm*.so >/dev/null 2>&1; then
  echo "== Python binding tests =="
  PYTHONPATH="$PWD/build/python" python3 -m pytest -q python/tests || status=1
fi

exit $status
