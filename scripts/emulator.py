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
- RevokeToken (moto lacks it) ends the one session of the refresh token it is given.
- Email MFA: moto ignores (Admin)SetUserMFAPreference's EmailMfaSettings; here it sets the user's
  EMAIL_OTP factor (listed in UserMFASettingList, PreferredMfaSetting EMAIL_OTP when preferred).
  And, as Cognito is reported to, disabling a factor the user does not have is refused
  (InvalidParameterException), so the service must send only the factors a person has.

SQS's long polling (ReceiveMessage with WaitTimeSeconds) waits outside the one-at-a-time lock:
moto waits holding it, which stopped every other request for the wait.

UpdateUserPool keeps what Cognito never changes after creation (`UsernameAttributes`,
`AliasAttributes`, `UsernameConfiguration`): moto reset them with the rest, so a pool
updated by a second `make start` no longer let people sign in by email.

A session's tokens keep its `auth_time` when refreshed, as Cognito's do (moto gives every token
the time it was issued): the API tells a session begun before a sign-out by it.

Cognito's SRP sign-in (USER_SRP_AUTH): moto answers with a random SALT and SRP_B and takes any
PASSWORD_VERIFIER signature. Here the challenge is a real SRP-6a server's, computed from the
user's password (moto keeps it), and the claim's signature and timestamp are checked as Cognito
checks them: a wrong password, or a client that derives the key differently, is refused.

DynamoDB cancels a transaction that meets another one in flight on the same item
(`TransactionConflict`); moto, serving one request at a time, never does. Here a
TransactWriteItems that arrived while another one was still to finish (one that then
succeeded), and writes or checks one of its items, is cancelled as DynamoDB cancels it, so that concurrent requests see the conflicts
they would see in AWS (`GET /emulator/transaction-conflicts` counts them per table).

The pool's Lambda triggers run where Cognito runs them (emulator_triggers.py): pre-authentication,
pre-token generation (and GetTokensFromRefreshToken, which moto lacks), custom message for the
codes Cognito emails (forgot password, email MFA, whose challenge is served there too).

TransactWriteItems honours `ClientRequestToken` as DynamoDB does (moto ignores it): sent again
within 10 minutes of one that succeeded, it is answered with success and not applied again; with
other parameters, `IdempotentParameterMismatchException`. So a transaction whose answer was lost
can be sent again to learn that it was applied.

A failed transaction leaves the table and its stream as they were: moto restores a copy of each
table it names, taken when it began, and the records of the writes it undid stayed on the shard
the readers' iterators hold. Here only the items it names are copied and put back, and the undone
records leave the shard (the local stack's stream reader, which stands for Lambda's event source
mapping, relies on it).

Speed, as the test suites fill the table: moto copied every table a transaction names, answered
each Query from a sorted copy of the whole table, walked each item it answered value by value
against the service model, and listed its own package's folders at every request. Here a
transaction copies its items, a query reads its partition (an index's query the items unsorted),
item operations are answered as the JSON moto holds, and the listing is taken once.

And the outbox keeps both parts of an email: moto keeps only the HTML part of SES v2's SendEmail;
here each message also carries `text`, `html` and `sentAt` (what `make start`'s outbox shows).
"""
import argparse
import base64
import collections
import copy
import datetime
import hashlib
import hmac
import io
import json
import os
import re
import threading
import time

from moto import backends as moto_backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoResult
from moto.cognitoidp import models as cognito
from moto.cognitoidp import responses as cognito_responses
from moto.sesv2 import responses as sesv2_responses
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

from emulator_triggers import COGNITO, PoolTriggers


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


def set_own_mfa_preference_request(self):
    """SetUserMFAPreference, a person's own call with their access token: email MFA as the admin call sets it."""
    access_token = self._get_param("AccessToken")
    account, region = cognito.find_account_region_by_value("access_token", access_token, fallback=(self.current_account, self.region))
    backend = cognito.cognitoidp_backends[account][region]
    for pool in backend.user_pools.values():
        if access_token in pool.access_tokens:
            backend.admin_set_user_mfa_preference(
                pool.id, pool.access_tokens[access_token][1], self._get_param("SoftwareTokenMfaSettings"),
                self._get_param("SMSMfaSettings"), self._get_param("EmailMfaSettings"))
            return cognito_responses.EmptyResult()
    raise cognito.NotAuthorizedError(access_token)


def revoke_token_request(self):
    """RevokeToken (moto lacks it): the refresh token renews nothing more, as after a sign-out of its session."""
    token = self._get_param("Token")
    for pool in cognito.cognitoidp_backends[self.current_account][self.region].user_pools.values():
        if token in pool.refresh_tokens:
            pool.refresh_tokens[token] = None
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
cognito_responses.CognitoIdpResponse.set_user_mfa_preference = set_own_mfa_preference_request
cognito_responses.CognitoIdpResponse.revoke_token = revoke_token_request
cognito.CognitoIdpUser.to_json = user_json_with_email_mfa
cognito.CognitoIdpUserPool.sign_out = sign_out_the_user
cognito.CognitoIdpUser.__init__ = user_with_given_sub

# Set only by CreateUserPool: UpdateUserPool neither takes nor resets them.
FIXED_AT_CREATION = ("UsernameAttributes", "AliasAttributes", "UsernameConfiguration")
_update_user_pool = cognito.CognitoIdpBackend.update_user_pool


def update_user_pool_keeping_what_is_fixed(self, user_pool_id, extended_config):
    pool = self.describe_user_pool(user_pool_id)
    fixed = {name: pool.extended_config[name] for name in FIXED_AT_CREATION if name in pool.extended_config}
    _update_user_pool(self, user_pool_id, {**{k: v for k, v in extended_config.items() if k not in FIXED_AT_CREATION}, **fixed})


cognito.CognitoIdpBackend.update_user_pool = update_user_pool_keeping_what_is_fixed


# ---- SRP-6a as Cognito computes it (the group and derivations of amazon-cognito-identity-js) ----
SRP_N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF", 16)
SRP_G = 2
CLAIM_TIME = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [1-9][0-9]? [0-9]{2}:[0-9]{2}:[0-9]{2} UTC [0-9]{4}$")


def pad_hex(value):
    digits = value if isinstance(value, str) else f"{value:x}"
    if len(digits) % 2:
        return "0" + digits
    return "00" + digits if digits[0] in "89abcdefABCDEF" else digits


def hash_of_hex(digits):
    return int(hashlib.sha256(bytes.fromhex(digits)).hexdigest(), 16)


SRP_K = hash_of_hex(pad_hex(SRP_N) + pad_hex(SRP_G))
# An open challenge by its SECRET_BLOCK: moto's session, and what the server needs to check the claim.
srp_challenges = {}


def srp_verifier(pool_id, user_id, password, salt):
    identity = hashlib.sha256(f"{pool_id.split('_')[1]}{user_id}:{password}".encode()).hexdigest()
    return pow(SRP_G, hash_of_hex(pad_hex(salt) + identity), SRP_N)


def initiate_srp_auth(self, client_id, auth_flow, auth_parameters):
    answer = _initiate_auth(self, client_id, auth_flow, auth_parameters)
    if answer.get("ChallengeName") != "PASSWORD_VERIFIER":
        return answer
    big_a = int(auth_parameters["SRP_A"], 16)
    if big_a % SRP_N == 0:
        raise cognito.NotAuthorizedError("Invalid SRP_A")
    _, pool = self.sessions[answer["Session"]]
    user = pool._get_user(auth_parameters["USERNAME"])
    salt = os.urandom(16).hex()
    verifier = srp_verifier(pool.id, user.id, user.password, salt)
    small_b = int.from_bytes(os.urandom(128), "big") % SRP_N
    big_b = (SRP_K * verifier + pow(SRP_G, small_b, SRP_N)) % SRP_N
    secret_block = base64.b64encode(os.urandom(64)).decode()
    srp_challenges[secret_block] = (answer["ChallengeParameters"]["SECRET_BLOCK"], pool.id, user.id, verifier, big_a, small_b, big_b)
    answer["ChallengeParameters"].update(SALT=salt, SRP_B=f"{big_b:x}", SECRET_BLOCK=secret_block)
    return answer


def expected_claim(pool_id, user_id, verifier, big_a, small_b, big_b, secret_block, timestamp):
    u = hash_of_hex(pad_hex(big_a) + pad_hex(big_b))
    shared = pow(big_a * pow(verifier, u, SRP_N), small_b, SRP_N)
    prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(shared)), hashlib.sha256).digest()
    key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
    message = pool_id.split("_")[1].encode() + user_id.encode() + base64.b64decode(secret_block) + timestamp.encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def claim_time_is_cognitos(timestamp):
    if not CLAIM_TIME.match(timestamp or ""):
        return False
    at = datetime.datetime.strptime(timestamp, "%a %b %d %H:%M:%S UTC %Y").replace(tzinfo=datetime.timezone.utc)
    now = datetime.datetime.now(datetime.timezone.utc)
    return at.strftime("%a") == timestamp[:3] and abs((now - at).total_seconds()) < 300


def respond_to_srp_challenge(self, session, client_id, challenge_name, challenge_responses):
    if challenge_name == "PASSWORD_VERIFIER":
        opened = srp_challenges.pop(challenge_responses.get("PASSWORD_CLAIM_SECRET_BLOCK"), None)
        if opened is None:
            raise cognito.NotAuthorizedError("Invalid PASSWORD_CLAIM_SECRET_BLOCK")
        moto_session, pool_id, user_id, verifier, big_a, small_b, big_b = opened
        timestamp = challenge_responses.get("TIMESTAMP")
        try:
            signature = base64.b64decode(challenge_responses.get("PASSWORD_CLAIM_SIGNATURE", ""), validate=True)
        except ValueError:
            signature = b""
        expected = expected_claim(pool_id, user_id, verifier, big_a, small_b, big_b,
                                  challenge_responses["PASSWORD_CLAIM_SECRET_BLOCK"], timestamp or "")
        if not claim_time_is_cognitos(timestamp) or not hmac.compare_digest(signature, expected):
            raise cognito.NotAuthorizedError("Incorrect username or password.")
        challenge_responses = dict(challenge_responses, PASSWORD_CLAIM_SECRET_BLOCK=moto_session)
    return _respond_to_auth_challenge(self, session, client_id, challenge_name, challenge_responses)


_initiate_auth = cognito.CognitoIdpBackend.initiate_auth
_respond_to_auth_challenge = cognito.CognitoIdpBackend.respond_to_auth_challenge
cognito.CognitoIdpBackend.initiate_auth = initiate_srp_auth
cognito.CognitoIdpBackend.respond_to_auth_challenge = respond_to_srp_challenge


SESSION_BEGAN = {}
_create_refresh_token = cognito.CognitoIdpUserPool.create_refresh_token
_create_jwt = cognito.CognitoIdpUserPool.create_jwt


def create_refresh_token_noting_when(self, client_id, username):
    refresh_token, origin_jti = _create_refresh_token(self, client_id, username)
    SESSION_BEGAN[origin_jti] = int(time.time())
    return refresh_token, origin_jti


def create_jwt_keeping_auth_time(self, client_id, username, token_use, expires_in=60 * 60, extra_data=None):
    extra_data = dict(extra_data or {})
    began = SESSION_BEGAN.get(extra_data.get("origin_jti"))
    if began is not None:
        extra_data["auth_time"] = began
    return _create_jwt(self, client_id, username, token_use, expires_in, extra_data)


cognito.CognitoIdpUserPool.create_refresh_token = create_refresh_token_noting_when
cognito.CognitoIdpUserPool.create_jwt = create_jwt_keeping_auth_time


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


def transact_undoing_only_its_items(self, transact_items):
    tables = self.tables
    saved = []
    for entry in transact_items:
        for operation in entry.values():
            table = tables.get(operation.get("TableName"))
            if table is None:
                continue
            key = operation.get("Key") or operation.get("Item") or {}
            if table.hash_key_attr not in key or (table.range_key_attr and table.range_key_attr not in key):
                continue
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            saved.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
    shards = {id(table): (table.stream_shard, len(table.stream_shard.items)) for table, *_ in saved if table.stream_shard}
    try:
        return _transact_write_items(self, transact_items)
    except Exception:
        for table, hash_key, range_key, item in reversed(saved):
            stored = table.items[hash_key] if table.range_key_attr else table.items
            slot = range_key if table.range_key_attr else hash_key
            if item is None:
                stored.pop(slot, None)
            else:
                stored[slot] = item
            if table.range_key_attr and not table.items[hash_key]:
                del table.items[hash_key]
        for shard, length in shards.values():
            del shard.items[length:]
        raise


_transact_write_items = DynamoDBBackend.transact_write_items
DynamoDBBackend.transact_write_items = transact_undoing_only_its_items
# moto's own backup of a whole table is the table itself: the items above are what is put back.
Table.__deepcopy__ = lambda table, memo: table


# The operations whose answer moto already holds as DynamoDB's JSON (see "Speed" above).
ITEM_OPERATIONS = {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
                   "BatchWriteItem", "TransactGetItems", "TransactWriteItems"}


def as_dynamodb_json(value):
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} in a DynamoDB answer")


def item_answer_as_it_is(self, context):
    if context.operation_model.name not in ITEM_OPERATIONS:
        return _serialize_dynamodb_result(self, context)
    answer = {name: value for name, value in self.result.items() if value is not None}
    return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(answer, default=as_dynamodb_json)


_serialize_dynamodb_result = DynamoResult.execute_result
DynamoResult.execute_result = item_answer_as_it_is


# A query of the table's key reads its partition, an index's all items unsorted: moto sorts what
# it found by the keys queried anyway (see "Speed" above).
def query_reading_what_it_needs(self, hash_key, *args, **kwargs):
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    self.queried = ("index", None) if index_name else ("partition", hash_key)
    try:
        return _query(self, hash_key, *args, **kwargs)
    finally:
        self.queried = None


def items_a_query_reads(self):
    scope, hash_key = getattr(self, "queried", None) or (None, None)
    if scope is None:
        return _all_items(self)
    partitions = list(self.items.values()) if scope == "index" else [self.items.get(hash_key)]
    if not self.range_key_attr:
        return [item for item in partitions if item is not None]
    return [item for partition in partitions if partition for item in partition.values()]


_query, _all_items = Table.query, Table.all_items
Table.query, Table.all_items = query_reading_what_it_needs, items_a_query_reads
MOTO_MODULES = tuple(moto_backends.list_of_moto_modules())
moto_backends.list_of_moto_modules = lambda: MOTO_MODULES


class TransactionConflicts:
    """The items of the transactions that finished lately, each with when it finished, in requests served."""

    def __init__(self):
        self.served = 0
        self.finished = collections.deque(maxlen=500)
        self.cancelled = collections.Counter()

    def items_of(self, environ, body):
        """The (table, key) of every item a TransactWriteItems request names, or None for any other request."""
        if environ.get("HTTP_X_AMZ_TARGET", "") != "DynamoDB_20120810.TransactWriteItems":
            return None
        region = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
        items = []
        for entry in json.loads(body).get("TransactItems", []):
            (operation,) = entry.values()
            table = operation["TableName"]
            key = operation.get("Key") or self.key_of(region.group(1) if region else "us-east-1", table, operation["Item"])
            items.append((table, json.dumps(key, sort_keys=True)))
        return items

    @staticmethod
    def key_of(region, table, item):
        try:
            found = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].get_table(table)
            names = [found.hash_key_attr] + ([found.range_key_attr] if found.range_key_attr else [])
        except Exception:
            names = ["pk", "sk"]
        return {name: item.get(name) for name in names}

    def cancellation(self, items, arrived):
        """DynamoDB's answer to a transaction that meets one that finished after it arrived, or None."""
        busy = set()
        for finished, written in self.finished:
            if finished > arrived:
                busy |= written
        reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"} if item in busy else {"Code": "None"} for item in items]
        if all(reason["Code"] == "None" for reason in reasons):
            return None
        self.cancelled[items[0][0]] += 1
        codes = ", ".join(reason["Code"] for reason in reasons)
        return {
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "Message": f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
            "CancellationReasons": reasons,
        }


class TransactionTokens:
    """The ClientRequestToken of each TransactWriteItems that succeeded lately, with its parameters."""

    WINDOW_SECONDS = 600

    def __init__(self):
        self.succeeded = collections.OrderedDict()

    @staticmethod
    def token_and_fingerprint(body):
        request = json.loads(body)
        token = request.pop("ClientRequestToken", None)
        return token, hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()

    def answer_again(self, body):
        """DynamoDB's answer to a transaction sent again with a known token, or None for a new one."""
        token, fingerprint = self.token_and_fingerprint(body)
        now = time.monotonic()
        while self.succeeded and now - next(iter(self.succeeded.values()))[1] > self.WINDOW_SECONDS:
            self.succeeded.popitem(last=False)
        if token is None or token not in self.succeeded:
            return None
        known, _, answer = self.succeeded[token]
        if known == fingerprint:
            return answer
        mismatch = {"__type": "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                    "Message": "The request uses the same client token as a previous, but non-identical request."}
        return "400 Bad Request", [("Content-Type", "application/x-amz-json-1.0")], json.dumps(mismatch).encode()

    def remember(self, body, answer):
        token, fingerprint = self.token_and_fingerprint(body)
        if token is not None:
            self.succeeded[token] = (fingerprint, time.monotonic(), answer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))

    moto = DomainDispatcherApplication(create_backend_app)
    one_at_a_time = threading.Lock()
    conflicts = TransactionConflicts()
    tokens = TransactionTokens()

    def locked_call(environ, body, items=None, arrived=0):
        """moto's answer to one request, served alone: (status, headers, body)."""
        environ = dict(environ, **{"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))})
        with one_at_a_time:
            try:
                again = items is not None and tokens.answer_again(body)
                if again:
                    return again
                cancelled = items and conflicts.cancellation(items, arrived)
                if cancelled:
                    return "400 Bad Request", [("Content-Type", "application/x-amz-json-1.0")], json.dumps(cancelled).encode()
                started = []
                answer = moto(environ, lambda status, headers, *rest: started.append((status, headers)))
                try:
                    answered = b"".join(answer)
                finally:
                    getattr(answer, "close", lambda: None)()
                status, headers = started[0]
                # A transaction cancelled by its conditions lets go of its items at once.
                if items and status.startswith("200"):
                    conflicts.finished.append((conflicts.served + 1, set(items)))
                    tokens.remember(body, (status, headers, answered))
                return status, headers, answered
            finally:
                conflicts.served += 1

    def long_poll(environ, body):
        """SQS's ReceiveMessage with WaitTimeSeconds: polled without waiting, the wait spent
        outside the lock (moto would sleep holding it, and stop every other request)."""
        request = json.loads(body or b"{}")
        deadline = time.monotonic() + min(int(request.get("WaitTimeSeconds") or 0), 20)
        body = json.dumps(dict(request, WaitTimeSeconds=0)).encode()
        while True:
            status, headers, answer = locked_call(environ, body)
            if not status.startswith("200") or json.loads(answer or b"{}").get("Messages") or time.monotonic() >= deadline:
                return status, headers, answer
            time.sleep(0.1)

    def cognito_call(environ, action, body):
        return locked_call(dict(environ, HTTP_X_AMZ_TARGET=COGNITO + action), body)

    triggers = PoolTriggers(cognito_call, one_at_a_time)

    def serialised(environ, start_response):
        path = environ.get("PATH_INFO")
        if path == "/emulator/transaction-conflicts":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(dict(conflicts.cancelled)).encode()]
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        action = target[len(COGNITO):] if target.startswith(COGNITO) else None
        if path == "/emulator/cognito-triggers" and environ.get("REQUEST_METHOD") == "POST":
            status, headers, answer = triggers.link(body)
        elif action in PoolTriggers.ACTIONS:
            status, headers, answer = triggers.serve(environ, action, body)
        elif target == "AmazonSQS.ReceiveMessage":
            status, headers, answer = long_poll(environ, body)
        else:
            status, headers, answer = locked_call(environ, body, conflicts.items_of(environ, body), conflicts.served)
        start_response(status, headers)
        return [answer]

    run_simple(args.host, args.port, serialised, threaded=True)


if __name__ == "__main__":
    main()
