#!/bin/sh
# nextest's wrapper around every test (.config/nextest.toml): the test talks to the emulators of its
# slot. One moto process answers one request at a time: with both test slots on one emulator, a
# slot waited for the other's answers while a core stood idle. TEST_EMULATOR_PORTS lists the pairs
# `make test` started (scripts/lib.sh, use_own_emulators); slot N takes the Nth, wrapping around.
# Unset (a plain `cargo nextest run`), the test keeps the environment it was given.
if [ -n "${TEST_EMULATOR_PORTS:-}" ] && [ -n "${NEXTEST_TEST_GLOBAL_SLOT:-}" ]; then
  port=$(echo "$TEST_EMULATOR_PORTS" | awk -v slot="$NEXTEST_TEST_GLOBAL_SLOT" '{ print $(slot % NF + 1) }')
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$((port + 1))"
fi
exec "$@"
