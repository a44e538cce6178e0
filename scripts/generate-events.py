#!/usr/bin/env python3
"""Writes events/<function>.<status>-<case>.json: API Gateway HTTP API (v2) events in the shape
`sam local generate-event apigateway http-api-proxy` produces (each starts as its output), for
the fixtures of local/fixtures.json (which local/src/fixtures.rs seeds), each on the route
openapi.yaml gives its function (`<function>.<status>-<case>`). Run from the project root with the venv's sam on PATH:
    PATH=.venv/bin:$PATH scripts/generate-events.py
"""
import base64
import json
import os
import subprocess
import urllib.parse

import yaml

# The fixtures' ids, tokens, callers and password: one source, local/fixtures.json, which the
# local stack's seeding reads too.
FIXTURES = {name: fixture["value"] for name, fixture in
            json.load(open(os.path.join(os.path.dirname(__file__), "..", "local", "fixtures.json"))).items()}
T = FIXTURES["TENANT_ID"]
M = FIXTURES["MEMBER_ID"]
CH = FIXTURES["CHILD_TENANT_ID"]
ADMN = FIXTURES["ADMIN_ID"]
ADMN2 = FIXTURES["SECOND_ADMIN_ID"]
TGT = FIXTURES["TARGET_ID"]
INV = FIXTURES["INVITED_ID"]
INVITATION_TOKEN = FIXTURES["INVITATION_TOKEN"]
RESET_TOKEN = FIXTURES["RESET_TOKEN"]
JOIN_TOKEN = FIXTURES["JOIN_TOKEN"]
SIGN_IN_TOKEN = FIXTURES["SIGN_IN_TOKEN"]
GOOD_PASSWORD = FIXTURES["TARGET_PASSWORD"]
# What the fixtures do not have.
UNKNOWN = "01JEVENTS0000000000UNKNWN0"
UNKNOWN_TOKEN = "dW5rbm93bi10b2tlbi0wMDAwMDAwMDAwMDAwMDAwMDA"

ADMIN = {"sub": FIXTURES["ADMIN_SUB"], "email": FIXTURES["ADMIN_EMAIL"], "email_verified": "true",
         "token_use": "id", "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EVENTS",
         "aud": "events-client"}
SECOND = dict(ADMIN, sub=FIXTURES["SECOND_ADMIN_SUB"], email=FIXTURES["SECOND_ADMIN_EMAIL"])
MEMBER = dict(ADMIN, sub=FIXTURES["MEMBER_SUB"], email=FIXTURES["MEMBER_EMAIL"])
OPERATOR = dict(ADMIN, sub=FIXTURES["OPERATOR_SUB"], email=FIXTURES["OPERATOR_EMAIL"], **{"cognito:groups": "[operators]"})


def sam_event(method, path, body):
    args = ["sam", "local", "generate-event", "apigateway", "http-api-proxy", "--method", method, "--path", path.lstrip("/")]
    if body is not None:
        args += ["--body", json.dumps(body)]
    env = dict(os.environ, SAM_CLI_TELEMETRY="0")
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True, env=env).stdout)


def routes():
    """Each operation's method and path, as openapi.yaml (the contract) has them."""
    spec = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), "..", "openapi.yaml")))
    return {operation["operationId"]: (method.upper(), path)
            for path, item in spec["paths"].items() for method, operation in item.items() if "operationId" in operation}


ROUTES = routes()
# The SCIM endpoint is RFC 7644's, not openapi.yaml's: one function behind every method.
ROUTES["scim"] = ("ANY", "/scim/v2/{tenantId}/{proxy+}")


def case(name, params, claims, body=None, query=None, headers=None, method=None):
    """The event `<function>.<status>-<case>`, on its function's route (`method` for an `ANY` one)."""
    route_method, route = ROUTES[name.split(".")[0]]
    return {name: event(method or route_method, route, params, claims, body, query, headers, route_method)}


def event(method, route, params, claims, body=None, query=None, headers=None, route_method=None):
    path = route
    for name, value in (params or {}).items():
        path = path.replace("{%s}" % name, value).replace("{%s+}" % name, value)
    e = sam_event(method, path, body)
    route_key = f"{route_method or method} {route}"
    e["routeKey"] = e["requestContext"]["routeKey"] = route_key
    e["cookies"] = []
    e["headers"] = {"accept": "application/json", "host": "id.execute-api.us-east-1.amazonaws.com", **(headers or {})}
    if body is not None:
        e["headers"].setdefault("content-type", "application/json")
    else:
        del e["body"]
        e["isBase64Encoded"] = False
    e["rawQueryString"] = urllib.parse.urlencode(query or {}, quote_via=urllib.parse.quote)
    if query:
        e["queryStringParameters"] = query
    else:
        del e["queryStringParameters"]
    if params:
        e["pathParameters"] = params
    else:
        del e["pathParameters"]
    if claims is None:
        del e["requestContext"]["authorizer"]
    else:
        e["headers"]["authorization"] = "Bearer <the caller's Cognito ID token>"
        e["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return e


TP={"tenantId":T}; TMP={"tenantId":T,"memberId":M}
DIRECTORY={"authorization": "Bearer " + FIXTURES["DIRECTORY_TOKEN"], "content-type": "application/scim+json"}
SCIM_USER="urn:ietf:params:scim:schemas:core:2.0:User"
def scim(proxy): return {"tenantId": T, "proxy": proxy}
PORTAL_MEMBER={"service-management-portal":"member"}
cases = {
 **case("list-roles.200-signed-in",None,MEMBER),
 **case("list-roles.401-no-token",None,None),
 **case("create-tenant.201-operator",None,OPERATOR,{"name":"Globex","adminEmail":"admin@globex.example.com","adminLanguage":"ja"}),
 **case("create-tenant.400-bad-email",None,OPERATOR,{"name":"Globex","adminEmail":"admin-at-globex","adminLanguage":"ja"}),
 **case("create-tenant.403-tenant-admin",None,ADMIN,{"name":"Globex","adminEmail":"admin@globex.example.com","adminLanguage":"en"}),
 **case("get-tenant.200-admin",TP,ADMIN),
 **case("get-tenant.404-unknown-tenant",{"tenantId":UNKNOWN},ADMIN),
 **case("get-tenant.403-plain-member",TP,MEMBER),
 **case("list-tenants.200-admin",None,ADMIN),
 **case("list-tenants.401-no-token",None,None),
 **case("list-members.200-admin",TP,ADMIN,query={"limit":"10"}),
 **case("list-members.400-bad-limit",TP,ADMIN,query={"limit":"500"}),
 **case("list-members.403-plain-member",TP,MEMBER),
 **case("invite-member.201-admin",TP,ADMIN,{"email":"new.member@events.example.com","language":"ja","roles":{"service-management-portal":"member","cloud-video-recorder":"viewer"}}),
 **case("invite-member.400-unknown-role",TP,ADMIN,{"email":"new.member@events.example.com","language":"en","roles":{"service-management-portal":"owner"}}),
 **case("invite-member.403-plain-member",TP,MEMBER,{"email":"new.member@events.example.com","language":"en","roles":PORTAL_MEMBER}),
 **case("invite-member.409-existing-email",TP,ADMIN,{"email":"Member@Events.example.com","language":"en","roles":PORTAL_MEMBER}),
 **case("invite-members.200-mixed-rows",TP,ADMIN,{"items":[
    {"email":"batch.one@events.example.com","language":"ja","roles":{"service-management-portal":"member","cloud-video-recorder":"viewer"}},
    {"email":"batch.two@events.example.com","language":"en","roles":PORTAL_MEMBER,"expiresInDays":14},
    {"email":"not-an-address","language":"en","roles":PORTAL_MEMBER},
    {"email":"Member@Events.example.com","language":"en","roles":PORTAL_MEMBER},
    {"email":"batch.one@events.example.com","language":"en","roles":PORTAL_MEMBER}]}),
 **case("invite-members.400-batch-too-large",TP,ADMIN,{"items":[
    {"email":f"batch.{n}@events.example.com","language":"en","roles":PORTAL_MEMBER} for n in range(101)]}),
 **case("get-me.200-operator",None,OPERATOR),
 **case("get-me.401-no-token",None,None),
 **case("list-my-memberships.200-admin",None,ADMIN,query={"limit":"10"}),
 **case("list-my-memberships.400-bad-limit",None,ADMIN,query={"limit":"0"}),
 **case("get-directory.200-admin",TP,ADMIN),
 **case("get-directory.403-plain-member",TP,MEMBER),
 **case("create-directory-token.201-admin",TP,ADMIN,{"expiresInDays":90}),
 **case("create-directory-token.400-too-long",TP,ADMIN,{"expiresInDays":366}),
 **case("revoke-directory-token.404-unknown-token",{"tenantId":T,"tokenId":UNKNOWN},ADMIN),
 **case("revoke-directory-token.403-plain-member",{"tenantId":T,"tokenId":UNKNOWN},MEMBER),
 **case("set-directory-roles.200-admin",TP,ADMIN,{"defaultRoles":{"service-management-portal":"member","device-management":"viewer"}}),
 **case("set-directory-roles.400-unknown-role",TP,ADMIN,{"defaultRoles":{"service-management-portal":"owner"}}),
 **case("scim.200-service-provider-config",scim("ServiceProviderConfig"),None,headers=DIRECTORY,method="GET"),
 **case("scim.200-users-by-user-name",scim("Users"),None,query={"filter":'userName eq "member@events.example.com"'},headers=DIRECTORY,method="GET"),
 **case("scim.201-create-user",scim("Users"),None,{"schemas":[SCIM_USER],"userName":"scim.user@events.example.com","active":True,"preferredLanguage":"ja-JP","name":{"givenName":"Sora","familyName":"Aoki"}},headers=DIRECTORY,method="POST"),
 **case("scim.200-deactivate",scim("Users/"+M),None,{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]},headers=DIRECTORY,method="PATCH"),
 **case("scim.409-representative",scim("Users/"+ADMN),None,None,headers=DIRECTORY,method="DELETE"),
 **case("scim.401-cognito-token",scim("Users"),None,headers={"authorization":"Bearer <the caller's Cognito ID token>"},method="GET"),
 **case("scim.401-no-token",scim("Users"),None,method="GET"),
 **case("get-member.200-admin",TMP,ADMIN),
 **case("get-member.404-unknown-member",{"tenantId":T,"memberId":UNKNOWN},ADMIN),
 **case("get-member.403-plain-member",TMP,MEMBER),
 **case("accept-invitation.200-valid-token",None,None,{"token":INVITATION_TOKEN,"password":GOOD_PASSWORD}),
 **case("accept-invitation.400-weak-password",None,None,{"token":INVITATION_TOKEN,"password":"short"}),
 **case("accept-invitation.400-unknown-token",None,None,{"token":UNKNOWN_TOKEN,"password":GOOD_PASSWORD}),
 **case("accept-invitation.400-padded-password",None,None,{"token":INVITATION_TOKEN,"password":" "+GOOD_PASSWORD}),
 **case("accept-invitation.409-account-exists",None,None,{"token":SIGN_IN_TOKEN,"password":GOOD_PASSWORD}),
 **case("lookup-invitation.200-new-person",None,None,{"token":INVITATION_TOKEN}),
 **case("lookup-invitation.200-account-exists",None,None,{"token":SIGN_IN_TOKEN}),
 **case("lookup-invitation.400-unknown-token",None,None,{"token":UNKNOWN_TOKEN}),
 **case("join-tenant.200-invited-person",None,ADMIN,{"token":JOIN_TOKEN}),
 **case("join-tenant.403-another-person",None,MEMBER,{"token":JOIN_TOKEN}),
 **case("join-tenant.400-unknown-token",None,ADMIN,{"token":UNKNOWN_TOKEN}),
 **case("join-tenant.401-no-token",None,None,{"token":JOIN_TOKEN}),
}
def mp(m): return {"tenantId":T,"memberId":m}
more={
 **case("change-member-roles.200-admin",mp(TGT),ADMIN,{"roles":{"service-management-portal":"member","device-management":"operator"}}),
 **case("change-member-roles.400-no-portal-role",mp(TGT),ADMIN,{"roles":{"device-management":"operator"}}),
 **case("change-member-roles.403-own-roles",mp(ADMN2),SECOND,{"roles":{"service-management-portal":"member"}}),
 **case("change-member-roles.409-representative",mp(ADMN),SECOND,{"roles":{"service-management-portal":"member"}}),
 **case("change-member-roles.412-stale-version",mp(TGT),ADMIN,{"roles":PORTAL_MEMBER},headers={"if-match":'"99"'}),
 **case("delete-member.204-admin",mp(TGT),ADMIN),
 **case("delete-member.403-self",mp(ADMN2),SECOND),
 **case("delete-member.409-representative",mp(ADMN),SECOND),
 **case("delete-member.403-plain-member",mp(ADMN2),MEMBER),
 **case("resend-invitation.202-invited-member",mp(INV),ADMIN),
 **case("resend-invitation.409-registered-member",mp(TGT),ADMIN),
 **case("resend-invitation.403-plain-member",mp(INV),MEMBER),
 **case("send-password-reset.202-registered-member",mp(TGT),ADMIN),
 **case("send-password-reset.409-invited-member",mp(INV),ADMIN),
 **case("send-password-reset.403-plain-member",mp(TGT),MEMBER),
 **case("send-password-reset.403-self",mp(ADMN2),SECOND),
 **case("complete-password-reset.204-valid-token",None,None,{"token":RESET_TOKEN,"password":"N3w-Corr3ct-Horse!"}),
 **case("complete-password-reset.400-weak-password",None,None,{"token":RESET_TOKEN,"password":"password"}),
 **case("complete-password-reset.400-unknown-token",None,None,{"token":UNKNOWN_TOKEN,"password":"N3w-Corr3ct-Horse!"}),
 **case("set-member-mfa.200-enable",mp(TGT),ADMIN,{"enabled":True}),
 **case("set-member-mfa.400-not-a-boolean",mp(TGT),ADMIN,{"enabled":"yes"}),
 **case("set-member-mfa.409-invited-member",mp(INV),ADMIN,{"enabled":True}),
 **case("set-member-mfa.403-plain-member",mp(TGT),MEMBER,{"enabled":False}),
 **case("set-member-mfa.403-self",mp(ADMN2),SECOND,{"enabled":True}),
 **case("list-representative-candidates.200-admin",TP,ADMIN),
 **case("list-representative-candidates.403-plain-member",TP,MEMBER),
 **case("list-representative-candidates.404-unknown-tenant",{"tenantId":UNKNOWN},ADMIN),
 **case("change-representative.200-representative",TP,ADMIN,{"memberId":ADMN2}),
 **case("change-representative.403-not-representative",TP,SECOND,{"memberId":ADMN2}),
 **case("change-representative.409-plain-member-target",TP,ADMIN,{"memberId":"01JEVENTS000000000000MEMBR"}),
 **case("change-representative-email.200-invited-representative",{"tenantId":CH},ADMIN,{"email":"new.child.admin@events.example.com"}),
 **case("change-representative-email.409-registered-representative",TP,ADMIN,{"email":"new.admin@events.example.com"}),
 **case("list-audit.200-admin",TP,ADMIN,query={"limit":"20"}),
 **case("list-audit.403-plain-member",TP,MEMBER),
 **case("list-audit.400-forged-cursor",TP,ADMIN,query={"cursor":"VEVOQU5UIzAx"}),
 **case("change-representative-email.400-bad-email",{"tenantId":CH},ADMIN,{"email":"nobody"}),
}


def pre_authentication(claims):
    """A Cognito pre-authentication trigger event (sam has no generator for it), as Cognito sends it."""
    return {
        "version": "1", "region": "us-east-1", "userPoolId": "us-east-1_EVENTS", "userName": claims["sub"],
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "events-client"},
        "triggerSource": "PreAuthentication_Authentication",
        "request": {"userAttributes": {"sub": claims["sub"], "email": claims["email"], "email_verified": "true",
                                       "cognito:user_status": "CONFIRMED"}, "validationData": None},
        "response": {},
    }


def custom_message(claims, source, locale=None):
    """A Cognito custom-message trigger event, as Cognito sends it for an email code."""
    attributes = {"sub": claims["sub"], "email": claims["email"], "email_verified": "true",
                  "cognito:user_status": "CONFIRMED"}
    if locale:
        attributes["locale"] = locale
    return {
        "version": "1", "region": "us-east-1", "userPoolId": "us-east-1_EVENTS", "userName": claims["sub"],
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "events-client"},
        "triggerSource": source,
        "request": {"userAttributes": attributes, "codeParameter": "{####}", "linkParameter": "{##Click Here##}",
                    "usernameParameter": None},
        "response": {"smsMessage": None, "emailMessage": None, "emailSubject": None},
    }


def pre_token_generation(claims, source, tenant=None):
    """A Cognito pre-token-generation trigger event of version V2_0, as Cognito sends it; with
    `tenant`, the ClientMetadata of a call that asks for that tenant's tokens."""
    request = {"userAttributes": {"sub": claims["sub"], "email": claims["email"], "email_verified": "true",
                                  "cognito:user_status": "CONFIRMED"},
               "groupConfiguration": {"groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": None},
               "scopes": ["aws.cognito.signin.user.admin"]}
    if tenant:
        request["clientMetadata"] = {"tenantId": tenant}
    return {
        "version": "2", "region": "us-east-1", "userPoolId": "us-east-1_EVENTS", "userName": claims["sub"],
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "events-client"},
        "triggerSource": source, "request": request, "response": {"claimsAndScopeOverrideDetails": None},
    }


triggers = {
 # "200": the trigger hands the event back to Cognito, which goes on with the sign-in.
 "enforce-mfa.200-pre-authentication": pre_authentication(ADMIN),
 # "200-…-ja"/"-en": Cognito's email is worded in that language ("-cognito": left to Cognito).
 # The member's membership is in Japanese; the admin's in English, or the locale they chose.
 "custom-message.200-sign-in-code-ja": custom_message(MEMBER, "CustomMessage_Authentication"),
 "custom-message.200-forgot-password-en": custom_message(ADMIN, "CustomMessage_ForgotPassword"),
 "custom-message.200-forgot-password-locale-ja": custom_message(ADMIN, "CustomMessage_ForgotPassword", "ja-JP"),
 "custom-message.200-verify-email-ja": custom_message(MEMBER, "CustomMessage_VerifyUserAttribute"),
 "custom-message.200-admin-create-user-cognito": custom_message(MEMBER, "CustomMessage_AdminCreateUser"),
 # "200-…": the tokens carry the claims of the events' tenant; "403-<code>": Cognito is told <code>.
 "token-claims.200-sign-in-only-membership": pre_token_generation(MEMBER, "TokenGeneration_Authentication"),
 "token-claims.200-refresh-switching-tenant": pre_token_generation(ADMIN, "TokenGeneration_RefreshTokens", T),
 "token-claims.403-tenant-not-available": pre_token_generation(ADMIN, "TokenGeneration_RefreshTokens", CH),
}


def dynamodb_json(value):
    """A value as DynamoDB's stream records carry it (`{"S": …}`, `{"M": …}`)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, dict):
        return {"M": {k: dynamodb_json(v) for k, v in value.items()}}
    return {"S": value}


def audit_item(audit_id, action, member_id, before, after):
    """An audit entry of the events' tenant as the table holds it: by the events' admin."""
    actor = {"kind": "administrator", "userSub": ADMIN["sub"],
             "via": {"tenantId": T, "memberId": ADMN, "email": ADMIN["email"]}}
    entry = {"pk": f"TENANT#{T}", "sk": f"AUDIT#{audit_id}", "auditId": audit_id, "tenantId": T,
             "at": "2026-12-04T09:00:00Z", "actor": actor, "action": action, "memberId": member_id,
             "before": before, "after": after}
    return {name: dynamodb_json(value) for name, value in entry.items()}


def stream_record(sequence, event_name, image, ttl=False):
    """One record of the table's stream as Lambda's event source mapping hands it over."""
    change = {"ApproximateCreationDateTime": 1796374800.0, "Keys": {"pk": image["pk"], "sk": image["sk"]},
              "SequenceNumber": str(sequence), "SizeBytes": 512, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    change["NewImage" if event_name == "INSERT" else "OldImage"] = image
    record = {"eventID": f"events-{sequence}", "eventName": event_name, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
              "awsRegion": "us-east-1", "dynamodb": change,
              "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/tenant-members-events/stream/2026-12-04T00:00:00.000"}
    if ttl:
        record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    return record


INVITED_STATE = {"email": "invited.member@events.example.com", "status": "invited",
                 "roles": {"service-management-portal": "member"}, "representative": False,
                 "mfa": {"enabled": False, "type": None}}
publisher = {
 # "200-…": every record's event is on the bus (no batch item failure).
 "publish-events.200-member-invited": {"Records": [
     stream_record(1100000000000000000001, "INSERT", audit_item("01KEVENTS0000000000000EVT1", "member_invited", INV, None, INVITED_STATE))]},
 "publish-events.200-invitation-taken-back": {"Records": [
     stream_record(1100000000000000000002, "INSERT", audit_item("01KEVENTS0000000000000EVT2", "member_invited", INV, None, INVITED_STATE)),
     stream_record(1100000000000000000003, "REMOVE", audit_item("01KEVENTS0000000000000EVT2", "member_invited", INV, None, INVITED_STATE))]},
}


def main():
    events = {**cases, **more, **triggers, **publisher}
    os.makedirs("events", exist_ok=True)
    for name, e in sorted(events.items()):
        with open(f"events/{name}.json", "w") as f:
            json.dump(e, f, indent=2)
            f.write("\n")
    print(f"{len(events)} events written")


if __name__ == "__main__":
    main()
