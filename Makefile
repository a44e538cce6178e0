.PHONY: start test invoke bench

# Start the service locally on the emulator (API on http://127.0.0.1:3000).
start:
	./scripts/start.sh

# Run all the tests.
test:
	./scripts/test.sh

# Invoke one function with one event, like `sam local invoke` without Docker:
#   make invoke FUNCTION=invite-member EVENT=events/invite-member.201-admin.json
invoke:
	./scripts/invoke.sh "$(FUNCTION)" "$(EVENT)"

# Cold start, size, memory, handler time and AWS round trips of every function (release builds;
# not part of make test).
bench:
	./scripts/bench.sh
