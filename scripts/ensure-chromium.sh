#!/usr/bin/env bash
# Install Debian's Chromium where it is missing: the console's browser tests (tests/console) drive it
# with Playwright (`executable_path=/usr/bin/chromium`); Playwright's own browser download is never
# used. Needs root and apt-get; does nothing when /usr/bin/chromium is already installed.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: /usr/bin/chromium is missing; install Debian's chromium package (needs root and apt-get)" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq chromium >/dev/null
echo "ensure-chromium: installed $(/usr/bin/chromium --version 2>/dev/null | tail -n 1)"
