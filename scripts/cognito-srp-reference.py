#!/usr/bin/env python3
"""Cognito's SRP as pycognito computes it (the client used against AWS Cognito), for the tests.

  vectors                       known-answer vectors for pages/cognito-srp.js, as JSON: for a
                                fixed `a`, challenge and time, the SRP_A and the claim pycognito sends
  sign-in ENDPOINT POOL CLIENT USERNAME PASSWORD [AT]
                                pycognito's whole SRP sign-in against ENDPOINT (the emulator),
                                its claim dated AT (ISO 8601, UTC) if given, else now; prints
                                `signed in` or `refused: <Cognito's code>`
  sign-in-to ENDPOINT POOL CLIENT USERNAME PASSWORD TENANT
                                the same, asking for TENANT (ClientMetadata.tenantId); prints the
                                ID token's claims as JSON, or `refused: <code>: <message>`
"""
import base64
import datetime
import json
import random
import sys

import boto3
from botocore.exceptions import ClientError
from pycognito import aws_srp

# Passwords with what a person may type: symbols, spaces inside, Japanese (the identity is hashed
# as UTF-8).
PASSWORDS = ["Correct-Horse-9!", "パスワード-Ok-1", "with inner space 9A!", "\\\"'`~^=+<>|{}[]Aa1"]


def vectors(count=24):
    """`count` vectors from a fixed seed, covering each way Cognito pads a number for hashing
    (odd length, a leading digit of 8 or more, neither) in A, B, u and the salt, and days of the
    month of one and two digits."""
    rng = random.Random(20261202)
    n = aws_srp.hex_to_long(aws_srp.N_HEX)
    found, kinds = [], set()
    for i in range(count):
        srp = aws_srp.AWSSRP("unused", rng.choice(PASSWORDS), f"ap-northeast-1_{rng.getrandbits(40):x}", "client", client=object())
        srp.small_a_value = rng.getrandbits(1024) % n
        srp.large_a_value = srp.calculate_a()
        big_b = rng.getrandbits(3072) % n
        salt = f"{rng.getrandbits(4 * rng.randint(31, 32)):x}"
        at = datetime.datetime(2026, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
        challenge = {
            "USERNAME": f"user-{i}", "USER_ID_FOR_SRP": f"{rng.getrandbits(128):032x}", "SALT": salt,
            "SRP_B": f"{big_b:x}", "SECRET_BLOCK": base64.b64encode(rng.randbytes(rng.randint(40, 90))).decode(),
        }
        aws_srp.datetime = FixedClock(at)
        claim = srp.process_challenge(challenge, {"USERNAME": challenge["USERNAME"]})
        u = aws_srp.calculate_u(srp.large_a_value, big_b)
        for name, value in (("A", srp.large_a_value), ("B", big_b), ("u", u), ("salt", salt)):
            kinds.add((name, padding(value)))
        kinds.add(("day", "one digit" if at.day < 10 else "two digits"))
        found.append({
            "poolId": srp.pool_id, "password": srp.password, "a": f"{srp.small_a_value:x}", "at": at.isoformat() + "Z",
            "challenge": challenge, "claim": claim,
        })
    wanted = {(name, kind) for name in ("A", "B", "u", "salt") for kind in ("odd", "sign", "plain")}
    missing = (wanted | {("day", "one digit"), ("day", "two digits")}) - kinds
    assert not missing, f"the vectors miss {sorted(missing)}: take more"
    return found


def padding(value):
    digits = value if isinstance(value, str) else f"{value:x}"
    return "odd" if len(digits) % 2 else "sign" if digits[0] in "89abcdef" else "plain"


class FixedClock:
    """pycognito reads the time of its claim from `datetime.datetime.utcnow()`."""

    def __init__(self, at):
        self.datetime = type("datetime", (), {"utcnow": staticmethod(lambda: at)})


def srp_tokens(endpoint, pool, client, username, password, metadata=None):
    cognito = boto3.client("cognito-idp", endpoint_url=endpoint, region_name=pool.split("_")[0],
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    return aws_srp.AWSSRP(username, password, pool, client, client=cognito).authenticate_user(client_metadata=metadata)


def sign_in(endpoint, pool, client, username, password, at=None):
    if at:
        aws_srp.datetime = FixedClock(datetime.datetime.fromisoformat(at))
    try:
        tokens = srp_tokens(endpoint, pool, client, username, password)
    except ClientError as error:
        return f"refused: {error.response['Error']['Code']}"
    return "signed in" if tokens["AuthenticationResult"]["IdToken"] else "no token"


def sign_in_to(endpoint, pool, client, username, password, tenant):
    try:
        tokens = srp_tokens(endpoint, pool, client, username, password, {"tenantId": tenant})
    except ClientError as error:
        return f"refused: {error.response['Error']['Code']}: {error.response['Error']['Message']}"
    payload = tokens["AuthenticationResult"]["IdToken"].split(".")[1]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()


if __name__ == "__main__":
    if sys.argv[1:2] == ["vectors"]:
        print(json.dumps(vectors(), ensure_ascii=False))
    elif sys.argv[1:2] == ["sign-in"] and len(sys.argv) in (7, 8):
        print(sign_in(*sys.argv[2:]))
    elif sys.argv[1:2] == ["sign-in-to"] and len(sys.argv) == 8:
        print(sign_in_to(*sys.argv[2:]))
    else:
        sys.exit(__doc__)
