#!/usr/bin/env python3
"""The AWS emulator of the local stack: moto's server, processing one request at a time.

moto rolls a failed DynamoDB transaction back by restoring a copy of the table taken when the
transaction began; with requests processed in parallel that also undoes other requests' writes.
DynamoDB isolates transactions, so processing requests one by one keeps the emulator faithful.
"""
import argparse
import os
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))

    moto = DomainDispatcherApplication(create_backend_app)
    one_at_a_time = threading.Lock()

    def serialised(environ, start_response):
        with one_at_a_time:
            return list(moto(environ, start_response))

    run_simple(args.host, args.port, serialised, threaded=True)


if __name__ == "__main__":
    main()
