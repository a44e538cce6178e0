.PHONY: start test

# Start the service locally on the emulator (API on http://127.0.0.1:3000).
start:
	./scripts/start.sh

# Run all the tests.
test:
	./scripts/test.sh
