#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when the machine lacks it.
# The tests drive it through playwright-core's executablePath: Playwright's own
# browser download is not used (it fetches a binary from outside the registries).
# Idempotent: does nothing when a Chromium is already there. Exits non-zero,
# with a message, when it cannot install one.
set -euo pipefail

chromium="${KEEPWATCH_CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$chromium" ]]; then
  exit 0
fi

as_root=()
if [[ "$(id -u)" -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-chromium: $chromium is missing and this user cannot install it (not root, no sudo)" >&2
    exit 1
  fi
  as_root=(sudo -n)
fi

echo "install-chromium: installing Debian's chromium" >&2
export DEBIAN_FRONTEND=noninteractive
# A stale package list fails the install; refresh it and retry once.
if ! "${as_root[@]}" apt-get install -y --no-install-recommends chromium >&2; then
  "${as_root[@]}" apt-get update >&2
  "${as_root[@]}" apt-get install -y --no-install-recommends chromium >&2
fi

if [[ ! -x "$chromium" ]]; then
  echo "install-chromium: apt-get finished but $chromium is still missing" >&2
  exit 1
fi
