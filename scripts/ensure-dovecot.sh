#!/usr/bin/env bash
# Install Dovecot's IMAP server, LMTP delivery agent and Sieve plugin from Debian where missing (the
# gateway's tests start their own instance on loopback ports, with a config file in a temp dir; the system
# service is not used). Needs root and apt-get; does nothing when all three are installed.
set -euo pipefail
if { command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; } \
        && [ -x /usr/lib/dovecot/lmtp ] && [ -f /usr/lib/dovecot/modules/lib90_sieve_plugin.so ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-dovecot: dovecot is missing; install dovecot-imapd dovecot-lmtpd dovecot-sieve (needs root and apt-get)" >&2
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
apt-get install -y -qq --no-install-recommends dovecot-imapd dovecot-lmtpd dovecot-sieve >/dev/null
echo "ensure-dovecot: installed $(dovecot --version)"
