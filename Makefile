.PHONY: start test invoke start-api bench

# Start the service locally on the emulator (API on http://127.0.0.1:3000).
start:
	./scripts/start.sh

# Run all the tests.
test:
	./scripts/test.sh

# One function, one event, under real `sam local invoke` (Docker set up by the script):
#   make invoke FUNCTION=invite-member EVENT=events/invite-member.201-admin.json
invoke:
	./scripts/sam-local.sh invoke "$(FUNCTION)" "$(EVENT)"

# The public routes under `sam local start-api` on http://127.0.0.1:3001 (SAM_API_PORT).
start-api:
	./scripts/sam-local.sh start-api

# Cold start, size, memory, handler time and AWS round trips of every function (release builds;
# not part of make test).
bench:
	./scripts/bench.sh
