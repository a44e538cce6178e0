"""Cognito's Lambda triggers on the emulator, where Cognito runs them (moto runs none).

A user pool's `LambdaConfig` names its triggers by function ARN, as in AWS. The local stack that
serves those functions registers, per pool, where their Lambda Invoke API answers
(`POST /emulator/cognito-triggers {"userPoolId", "lambdaUrl", "sesUrl"}`); from then on, for every
client of the emulator (the SDKs, boto3, the AWS CLI, the pages' `/cognito`):
- pre-authentication runs before a sign-in is judged (InitiateAuth / AdminInitiateAuth, any flow
  but a refresh); an error refuses the sign-in;
- pre-token generation (V1_0 or V2_0) runs whenever tokens are issued: a sign-in, a refresh by
  InitiateAuth, and GetTokensFromRefreshToken, which moto lacks and is served here. Its claims and
  scopes are written into the ID and access tokens, re-signed with the key the pool's JWKS serves,
  with the lifetimes of the app client (moto gives every token an hour). An error issues nothing:
  the tokens moto made are revoked and the caller gets UserLambdaValidationException;
- custom message runs for the codes Cognito emails: the forgot-password code, which moto keeps to
  itself (and hands back in a header), goes out through the pool's SES sender to the outbox, and
  ConfirmForgotPassword takes that code and no other (moto takes any code without its prefix);
- email MFA (EMAIL_OTP): a sign-in of a person whose email factor is on is challenged for a code,
  which is emailed the same way (moto never challenges for it).
As in AWS, InitiateAuth's ClientMetadata does not reach pre-token generation; RespondToAuthChallenge's,
AdminInitiateAuth's and GetTokensFromRefreshToken's do.

Every trigger is called outside the emulator's one-request-at-a-time lock: the functions read and
write the emulator's DynamoDB.
"""
import base64
import json
import secrets
import time
import urllib.error
import urllib.request

from moto.cognitoidp import models as cognito
from moto.core import DEFAULT_ACCOUNT_ID
from joserfc import jwt

COGNITO = "AWSCognitoIdentityProviderService."
REFRESH_FLOWS = {"REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"}
# moto checks only the forgot-password codes that carry its prefix.
MOTO_CODE = "moto-confirmation-code:"
# Claims Cognito keeps its own values of, whatever a pre-token-generation trigger answers.
KEPT_CLAIMS = {
    "acr", "amr", "at_hash", "auth_time", "aud", "azp", "client_id", "cognito:username", "device_key", "event_id", "exp",
    "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "scope", "sub", "token_use", "username",
}
# Cognito's own message when there is no custom message trigger (or it fails).
DEFAULT_MESSAGES = {
    "CustomMessage_ForgotPassword": ("Your verification code", "Your password reset code is {####}."),
    "CustomMessage_Authentication": ("Your sign-in code", "Your authentication code is {####}."),
}
EMAIL_CHALLENGE_TTL = 180


def failure(kind, message, status="400 Bad Request"):
    return status, [("Content-Type", "application/x-amz-json-1.1")], json.dumps({"__type": kind, "message": message}).encode()


def answer(body):
    return "200 OK", [("Content-Type", "application/x-amz-json-1.1")], json.dumps(body).encode()


def claims_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def masked(email):
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain[:1]}***"


class PoolTriggers:
    ACTIONS = {
        "InitiateAuth", "AdminInitiateAuth", "RespondToAuthChallenge", "AdminRespondToAuthChallenge",
        "GetTokensFromRefreshToken", "ForgotPassword", "ConfirmForgotPassword",
    }

    def __init__(self, moto_call, lock):
        # moto_call(environ, action, body) -> (status, headers, body): one call to moto, under the lock.
        self.moto_call = moto_call
        self.lock = lock
        self.links = {}
        # An open EMAIL_OTP challenge by its session: (pool id, client id, username, code, until).
        self.email_challenges = {}

    def link(self, body):
        link = json.loads(body or b"{}")
        if not all(isinstance(link.get(k), str) for k in ("userPoolId", "lambdaUrl", "sesUrl")):
            return failure("InvalidParameterException", "userPoolId, lambdaUrl and sesUrl are required")
        self.links[link["userPoolId"]] = link
        return "204 No Content", [], b""

    # ---- the actions ----

    def serve(self, environ, action, body):
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return self.moto_call(environ, action, body)
        if action == "GetTokensFromRefreshToken":
            refresh = {"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": request.get("ClientId"),
                       "AuthParameters": {"REFRESH_TOKEN": request.get("RefreshToken")}}
            answered = self.moto_call(environ, "InitiateAuth", json.dumps(refresh).encode())
            return self.issued(request, answered, "TokenGeneration_RefreshTokens", request.get("ClientMetadata"))
        if action == "ForgotPassword":
            return self.forgot_password(environ, body, request)
        if action == "ConfirmForgotPassword":
            refused = self.wrong_code(request)
            if refused:
                return refused
            request["ConfirmationCode"] = MOTO_CODE + str(request.get("ConfirmationCode", ""))
            return self.moto_call(environ, action, json.dumps(request).encode())
        if action.endswith("RespondToAuthChallenge") and request.get("ChallengeName") == "EMAIL_OTP":
            return self.email_code_answered(request)
        refresh = request.get("AuthFlow") in REFRESH_FLOWS
        if action.endswith("InitiateAuth") and not refresh:
            refused = self.pre_authentication(request)
            if refused:
                return refused
        answered = self.moto_call(environ, action, body)
        source = "TokenGeneration_RefreshTokens" if refresh else "TokenGeneration_Authentication"
        metadata = None if action == "InitiateAuth" else request.get("ClientMetadata")
        if not refresh:
            challenged = self.email_challenge(request, answered)
            if challenged:
                return challenged
        return self.issued(request, answered, source, metadata)

    # ---- moto's state, read under the lock ----

    def pool_of(self, request):
        with self.lock:
            if request.get("UserPoolId"):
                region = str(request["UserPoolId"]).split("_")[0]
                return cognito.cognitoidp_backends[DEFAULT_ACCOUNT_ID][region].user_pools.get(request["UserPoolId"])
            client_id = request.get("ClientId")
            account, region = cognito.find_account_region_by_value("client_id", client_id, fallback=(None, None))
            if account is None:
                return None
            return next((p for p in cognito.cognitoidp_backends[account][region].user_pools.values() if client_id in p.clients), None)

    def user_of(self, pool, username):
        with self.lock:
            user = pool._get_user(username) if username else None
            if user is None:
                return None, {}
            attributes = dict(cognito.flatten_attrs(user.attributes))
            attributes["cognito:user_status"] = getattr(user.status, "value", user.status)
            return user, attributes

    def triggers_of(self, pool):
        return pool.extended_config.get("LambdaConfig") or {}

    # ---- calling a trigger ----

    def invoke(self, pool, arn, name, event):
        """(the function's answer, None) or (None, the failure Cognito answers)."""
        link = self.links.get(pool.id)
        if link is None:
            return None, failure("UnexpectedLambdaException", f"{name} invocation failed: no Lambda endpoint serves {pool.id} (start the local stack)")
        function = arn.split(":function:", 1)[-1].split(":")[0]
        request = urllib.request.Request(
            f"{link['lambdaUrl'].rstrip('/')}/2015-03-31/functions/{function}/invocations",
            data=json.dumps(event).encode(), headers={"Content-Type": "application/json"}, method="POST")
        try:
            # Cognito waits five seconds for a trigger; the local functions meet a busy emulator.
            with urllib.request.urlopen(request, timeout=30) as response:
                function_error = response.headers.get("X-Amz-Function-Error")
                result = json.loads(response.read() or b"null")
        except (OSError, ValueError) as error:
            return None, failure("UnexpectedLambdaException", f"{name} invocation failed: {error}")
        if function_error:
            message = (result or {}).get("errorMessage", "the function failed")
            return None, failure("UserLambdaValidationException", f"{name} failed with error {message}.")
        return result, None

    def event(self, pool, client_id, source, user, attributes, request, version="1"):
        return {
            "version": version, "triggerSource": source, "region": pool.region, "userPoolId": pool.id,
            "userName": user.username, "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
            "request": dict(userAttributes=attributes, **request), "response": {},
        }

    def pre_authentication(self, request):
        pool = self.pool_of(request)
        arn = pool and self.triggers_of(pool).get("PreAuthentication")
        if not arn:
            return None
        user, attributes = self.user_of(pool, (request.get("AuthParameters") or {}).get("USERNAME"))
        if user is None:
            return None
        event = self.event(pool, request.get("ClientId"), "PreAuthentication_Authentication", user, attributes,
                           {"validationData": request.get("ClientMetadata") or {}})
        _, refused = self.invoke(pool, arn, "PreAuthentication", event)
        return refused

    # ---- tokens ----

    def issued(self, request, answered, source, metadata):
        """moto's answer, its tokens carrying what pre-token generation says, or the trigger's failure."""
        status, _, body = answered
        if not status.startswith("200"):
            return answered
        result = json.loads(body).get("AuthenticationResult")
        if not result:
            return answered
        pool = self.pool_of(request)
        if pool is None:
            return answered
        with self.lock:
            client_id, username = pool.id_tokens.get(result["IdToken"], (None, None))
        user, attributes = self.user_of(pool, username)
        if user is None:
            return answered
        triggers = self.triggers_of(pool)
        config = triggers.get("PreTokenGenerationConfig") or {}
        arn = config.get("LambdaArn") or triggers.get("PreTokenGeneration")
        details = {}
        if arn:
            v2 = config.get("LambdaVersion") == "V2_0"
            scopes = claims_of(result["AccessToken"]).get("scope", "").split()
            with self.lock:
                groups = [g.group_name for g in user.groups]
            event = self.event(pool, client_id, source, user, attributes, {
                "groupConfiguration": {"groupsToOverride": groups, "iamRolesToOverride": [], "preferredRole": None},
                "clientMetadata": metadata or {}, **({"scopes": scopes} if v2 else {}),
            }, version="2" if v2 else "1")
            generated, refused = self.invoke(pool, arn, "PreTokenGeneration", event)
            if refused:
                self.revoke(pool, result)
                return refused
            response = (generated or {}).get("response") or {}
            if v2:
                details = response.get("claimsAndScopeOverrideDetails") or {}
            else:
                v1 = response.get("claimsOverrideDetails") or {}
                details = {"idTokenGeneration": v1, "groupOverrideDetails": v1.get("groupOverrideDetails")}
        with self.lock:
            self.reissue(pool, client_id, result, details)
        return answer({**json.loads(body), "AuthenticationResult": result})

    def revoke(self, pool, result):
        with self.lock:
            pool.access_tokens.pop(result.get("AccessToken"), None)
            pool.id_tokens.pop(result.get("IdToken"), None)
            if result.get("RefreshToken") in pool.refresh_tokens:
                pool.refresh_tokens[result["RefreshToken"]] = None

    @staticmethod
    def lifetime(client, kind):
        """Seconds a token of `kind` ("AccessToken", "IdToken") lives, as the app client says."""
        config = client.extended_config if client else {}
        value = config.get(f"{kind}Validity")
        if value is None:
            return 3600
        unit = (config.get("TokenValidityUnits") or {}).get(kind, "hours")
        return int(value) * {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}.get(unit, 3600)

    def reissue(self, pool, client_id, result, details):
        client = pool.clients.get(client_id)
        groups = (details.get("groupOverrideDetails") or {}).get("groupsToOverride")
        for key, generation in (("AccessToken", "accessTokenGeneration"), ("IdToken", "idTokenGeneration")):
            old = result[key]
            claims = claims_of(old)
            changes = details.get(generation) or {}
            for name in changes.get("claimsToSuppress") or []:
                if name not in KEPT_CLAIMS:
                    claims.pop(name, None)
            for name, value in (changes.get("claimsToAddOrOverride") or {}).items():
                if name not in KEPT_CLAIMS:
                    claims[name] = value
            if key == "AccessToken":
                scopes = [s for s in claims.get("scope", "").split() if s not in (changes.get("scopesToSuppress") or [])]
                scopes += [s for s in changes.get("scopesToAdd") or [] if s not in scopes]
                claims["scope"] = " ".join(scopes)
            if groups is not None:
                claims["cognito:groups"] = groups
            claims["exp"] = claims["iat"] + self.lifetime(client, key)
            new = jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, pool.json_web_key)
            issued = pool.access_tokens if key == "AccessToken" else pool.id_tokens
            issued[new] = issued.pop(old, (client_id, claims.get("username") or claims.get("cognito:username")))
            result[key] = new
        result["ExpiresIn"] = self.lifetime(client, "AccessToken")

    # ---- the codes Cognito emails ----

    def send_code(self, pool, client_id, user, attributes, source, code, metadata):
        """Emails `code` as Cognito does: the custom message trigger's text, else Cognito's default."""
        subject, message = DEFAULT_MESSAGES[source]
        arn = self.triggers_of(pool).get("CustomMessage")
        if arn:
            event = self.event(pool, client_id, source, user, attributes, {
                "codeParameter": "{####}", "linkParameter": "{##Click Here##}", "usernameParameter": None,
                "clientMetadata": metadata or {},
            })
            event["response"] = {"smsMessage": None, "emailMessage": None, "emailSubject": None}
            custom, _ = self.invoke(pool, arn, "CustomMessage", event)
            response = (custom or {}).get("response") or {}
            subject = response.get("emailSubject") or subject
            message = response.get("emailMessage") or message
        link = self.links.get(pool.id)
        if link is None or not attributes.get("email"):
            return
        sender = (pool.extended_config.get("EmailConfiguration") or {}).get("From") or "no-reply@verificationemail.com"
        email = {
            "FromEmailAddress": sender,
            "Destination": {"ToAddresses": [attributes["email"]]},
            "Content": {"Simple": {"Subject": {"Data": subject}, "Body": {"Html": {"Data": message.replace("{####}", code)}}}},
        }
        stamp = time.strftime("%Y%m%d", time.gmtime())
        request = urllib.request.Request(
            f"{link['sesUrl'].rstrip('/')}/v2/email/outbound-emails", data=json.dumps(email).encode(), method="POST",
            headers={"Content-Type": "application/json",
                     "Authorization": f"AWS4-HMAC-SHA256 Credential=local/{stamp}/{pool.region}/ses/aws4_request, SignedHeaders=host, Signature=0"})
        try:
            urllib.request.urlopen(request, timeout=30).close()
        except OSError as error:
            print(f"Cognito's {source} email to the outbox failed: {error}", flush=True)

    def forgot_password(self, environ, body, request):
        status, headers, out = self.moto_call(environ, "ForgotPassword", body)
        # The code reaches the person by email only, as in Cognito.
        code = next((v for k, v in headers if k.lower() == "x-moto-forgot-password-confirmation-code"), None)
        headers = [(k, v) for k, v in headers if k.lower() != "x-moto-forgot-password-confirmation-code"]
        pool = self.pool_of(request)
        if status.startswith("200") and code and code.startswith(MOTO_CODE) and pool is not None:
            user, attributes = self.user_of(pool, request.get("Username"))
            if user is not None:
                self.send_code(pool, request.get("ClientId"), user, attributes, "CustomMessage_ForgotPassword",
                               code[len(MOTO_CODE):], request.get("ClientMetadata"))
        return status, headers, out

    def wrong_code(self, request):
        """Cognito's refusal of a forgot-password code other than the one emailed (moto takes any)."""
        pool = self.pool_of(request)
        user, _ = self.user_of(pool, request.get("Username")) if pool else (None, {})
        if user is None:
            return None
        expected = user.confirmation_code
        if expected is None:
            return failure("ExpiredCodeException", "Invalid code provided, please request a code again.")
        if not secrets.compare_digest(expected, MOTO_CODE + str(request.get("ConfirmationCode", ""))):
            return failure("CodeMismatchException", "Invalid verification code provided, please try again.")
        return None

    def email_challenge(self, request, answered):
        """A sign-in whose person has the email factor on: moto's tokens withheld, a code emailed instead."""
        status, _, body = answered
        result = json.loads(body).get("AuthenticationResult") if status.startswith("200") else None
        pool = result and self.pool_of(request)
        if not pool:
            return None
        with self.lock:
            client_id, username = pool.id_tokens.get(result["IdToken"], (None, None))
        user, attributes = self.user_of(pool, username)
        if user is None or not getattr(user, "email_mfa_enabled", False) or user.preferred_mfa_setting == "SOFTWARE_TOKEN_MFA":
            return None
        self.revoke(pool, result)
        code = f"{secrets.randbelow(1_000_000):06d}"
        session = base64.b64encode(secrets.token_bytes(48)).decode()
        self.email_challenges[session] = (pool.id, client_id, username, code, time.time() + EMAIL_CHALLENGE_TTL)
        self.send_code(pool, client_id, user, attributes, "CustomMessage_Authentication", code, request.get("ClientMetadata"))
        return answer({
            "ChallengeName": "EMAIL_OTP", "Session": session,
            "ChallengeParameters": {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": masked(attributes.get("email", "")),
                                    "USER_ID_FOR_SRP": user.username},
        })

    def email_code_answered(self, request):
        opened = self.email_challenges.get(request.get("Session"))
        if opened is None or opened[4] < time.time():
            self.email_challenges.pop(request.get("Session"), None)
            return failure("NotAuthorizedException", "Invalid session for the user, session is expired.")
        pool_id, client_id, username, code, _ = opened
        given = str((request.get("ChallengeResponses") or {}).get("EMAIL_OTP_CODE", ""))
        if not secrets.compare_digest(given, code):
            return failure("CodeMismatchException", "Invalid code received for user")
        del self.email_challenges[request["Session"]]
        pool = self.pool_of({"UserPoolId": pool_id})
        if pool is None or client_id != request.get("ClientId"):
            return failure("NotAuthorizedException", "Invalid session for the user.")
        with self.lock:
            refresh_token, origin_jti = pool.create_refresh_token(client_id, username)
            access_token, expires_in = pool.create_access_token(client_id, username, origin_jti=origin_jti)
            id_token, _ = pool.create_id_token(client_id, username, origin_jti=origin_jti)
        signed_in = answer({"AuthenticationResult": {"AccessToken": access_token, "ExpiresIn": expires_in, "IdToken": id_token,
                                                     "RefreshToken": refresh_token, "TokenType": "Bearer"}, "ChallengeParameters": {}})
        return self.issued(request, signed_in, "TokenGeneration_Authentication", request.get("ClientMetadata"))
