# Drop a second copy of a message Rempart handed on twice (see docs/gateway.md, "Never losing mail").
# X-Rempart-Id names one accepted transaction: Message-ID, SHA-256 of the bytes received, envelope.
# Only the filter writes X-Rempart-* headers (any arriving from outside are removed), so a sender cannot
# make another message look like a copy. Run it before the users' own scripts (Dovecot: sieve_before).
# A copy follows its original within the filter's restart time; two days is Dovecot's default longest
# memory (raise duplicate_max_period in the plugin settings, and this value, to cover a longer outage).
require ["duplicate"];

if duplicate :header "X-Rempart-Id" :seconds 172800 {
    discard;
    stop;
}
