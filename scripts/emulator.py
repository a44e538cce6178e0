#!/usr/bin/env python3
"""The AWS emulator of the local stack: moto's server, processing one request at a time.

moto rolls a failed DynamoDB transaction back by restoring a copy of the table taken when the
transaction began; with requests processed in parallel that also undoes other requests' writes.
DynamoDB isolates transactions, so processing requests one by one keeps the emulator faithful.

Two Cognito fixes:
- AdminUserGlobalSignOut ends the sessions of the *user*, whatever name they signed in with (AWS
  does; moto compares the sign-in name as typed, so a sign-out by `sub` missed an email sign-in).
- AdminCreateUser keeps a `sub` attribute it is given, so that the sample events' fixtures can
  give their callers the fixed `sub` the events' JWT claims name (AWS generates every sub).
"""
import argparse
import os
import threading

from moto.cognitoidp import models as cognito
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def sign_out_the_user(pool, username):
    user = pool._get_user(username)
    signed_in_as = lambda name: pool._get_user(name) is user if user else name == username
    for token, session in list(pool.refresh_tokens.items()):
        if session is not None and signed_in_as(session[1]):
            pool.refresh_tokens[token] = None
    for token, (_, name) in list(pool.access_tokens.items()):
        if signed_in_as(name):
            pool.access_tokens.pop(token)


_new_user = cognito.CognitoIdpUser.__init__


def user_with_given_sub(self, user_pool_id, username, password, status, attributes):
    _new_user(self, user_pool_id, username, password, status, attributes)
    given = cognito.flatten_attrs(attributes or []).get("sub")
    if given and username is None:
        self.id = self.username = given
        self.update_attributes([{"Name": "sub", "Value": given}])


cognito.CognitoIdpUserPool.sign_out = sign_out_the_user
cognito.CognitoIdpUser.__init__ = user_with_given_sub


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
