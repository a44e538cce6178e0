#!/usr/bin/env python3
"""The AWS emulator of the local stack: moto's server, processing one request at a time.

moto rolls a failed DynamoDB transaction back by restoring a copy of the table taken when the
transaction began; with requests processed in parallel that also undoes other requests' writes.
DynamoDB isolates transactions, so processing requests one by one keeps the emulator faithful.

Three Cognito fixes:
- AdminUserGlobalSignOut ends the sessions of the *user*, whatever name they signed in with (AWS
  does; moto compares the sign-in name as typed, so a sign-out by `sub` missed an email sign-in).
- AdminCreateUser keeps a `sub` attribute it is given, so that the sample events' fixtures can
  give their callers the fixed `sub` the events' JWT claims name (AWS generates every sub).
- Email MFA: moto ignores AdminSetUserMFAPreference's EmailMfaSettings; here it sets the user's
  EMAIL_OTP factor (listed in UserMFASettingList, PreferredMfaSetting EMAIL_OTP when preferred).
  And, as Cognito is reported to, disabling a factor the user does not have is refused
  (InvalidParameterException), so the service must send only the factors a person has.

And the outbox keeps both parts of an email: moto keeps only the HTML part of SES v2's SendEmail;
here each message also carries `text`, `html` and `sentAt` (what `make start`'s outbox shows).
"""
import argparse
import datetime
import json
import os
import threading

from moto.cognitoidp import models as cognito
from moto.cognitoidp import responses as cognito_responses
from moto.sesv2 import responses as sesv2_responses
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


def set_mfa_preference(self, user_pool_id, username, software_token_mfa_settings, sms_mfa_settings, email_mfa_settings=None):
    user = self.admin_get_user(user_pool_id, username)
    email_on = getattr(user, "email_mfa_enabled", False)
    for settings, factor, on in ((software_token_mfa_settings, "SOFTWARE_TOKEN_MFA", user.software_token_mfa_enabled),
                                 (email_mfa_settings, "EMAIL_OTP", email_on)):
        if settings and not settings.get("Enabled") and not on:
            raise cognito.InvalidParameterException(f"User does not have {factor} enabled")
    _set_mfa_preference(self, user_pool_id, username, software_token_mfa_settings, sms_mfa_settings)
    if email_mfa_settings:
        user.email_mfa_enabled = bool(email_mfa_settings.get("Enabled"))
        if email_mfa_settings.get("PreferredMfa") and user.email_mfa_enabled:
            user.preferred_mfa_setting = "EMAIL_OTP"
        elif user.preferred_mfa_setting == "EMAIL_OTP":
            user.preferred_mfa_setting = ""


def set_mfa_preference_request(self):
    self.backend.admin_set_user_mfa_preference(
        self._get_param("UserPoolId"), self._get_param("Username"), self._get_param("SoftwareTokenMfaSettings"),
        self._get_param("SMSMfaSettings"), self._get_param("EmailMfaSettings"))
    return cognito_responses.EmptyResult()


def user_json_with_email_mfa(self, *args, **kwargs):
    user = _user_json(self, *args, **kwargs)
    if getattr(self, "email_mfa_enabled", False) and "UserMFASettingList" in user:
        user["UserMFASettingList"] = user["UserMFASettingList"] + ["EMAIL_OTP"]
    return user


_set_mfa_preference = cognito.CognitoIdpBackend.admin_set_user_mfa_preference
_user_json = cognito.CognitoIdpUser.to_json
cognito.CognitoIdpBackend.admin_set_user_mfa_preference = set_mfa_preference
cognito_responses.CognitoIdpResponse.admin_set_user_mfa_preference = set_mfa_preference_request
cognito.CognitoIdpUser.to_json = user_json_with_email_mfa
cognito.CognitoIdpUserPool.sign_out = sign_out_the_user
cognito.CognitoIdpUser.__init__ = user_with_given_sub


def send_email_keeping_both_parts(self):
    answer = _send_email(self)
    content = json.loads(self.body).get("Content", {}).get("Simple")
    if content:
        message = self.sesv2_backend.core_backend.sent_messages[-1]
        message.text = content["Body"].get("Text", {}).get("Data")
        message.html = content["Body"].get("Html", {}).get("Data")
        message.sentAt = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
    return answer


_send_email = sesv2_responses.SESV2Response.send_email
sesv2_responses.SESV2Response.send_email = send_email_keeping_both_parts


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
