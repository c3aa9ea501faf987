#!/usr/bin/env bash
# Install Dovecot's IMAP server from Debian where it is missing (the gateway's IMAP tests start their
# own instance on a loopback port, with a config file in a temp dir; the system service is not used).
# Needs root and apt-get; does nothing when `dovecot` is already installed.
set -euo pipefail
if command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-dovecot: dovecot is missing; install dovecot-imapd (needs root and apt-get)" >&2
    exit 0
fi
# Keep the package's own system instance from starting (it would listen on every interface).
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null
echo "ensure-dovecot: installed $(dovecot --version)"
