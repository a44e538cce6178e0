#!/usr/bin/env python3
"""Checks policy/template.guard on template.yaml as the SAM transform turns it into
CloudFormation (what CloudFormation creates), with AWS CloudFormation Guard: the template must
pass every rule, and each rule must reject its counter-example (the same template with one
thing broken), failing by that rule's name.

    python scripts/check-template-rules.py CFN_GUARD [TEMPLATE]
"""
import copy
import json
import os
import re
import subprocess
import sys
import tempfile

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform

RULES = os.path.join(os.path.dirname(__file__), "..", "policy", "template.guard")


class NoManagedPolicies:
    """The functions' policies are inline statements: no managed policy name to look up in IAM."""

    def load(self):
        return {}


def cloudformation(path):
    with open(path) as source:
        template = yaml_parse(source.read())
    # Where `sam deploy` would upload the code (as `sam validate` does): any S3 address.
    template.get("Globals", {}).get("Function", {})["CodeUri"] = "s3://bucket/code.zip"
    # The transform asks boto for the region; any region gives the same resources.
    os.environ.setdefault("AWS_DEFAULT_REGION", "ap-northeast-1")
    return transform(template, {"SenderEmail": "no-reply@example.com"}, NoManagedPolicies())


def of_type(template, kind):
    return [(name, r) for name, r in template["Resources"].items() if r["Type"] == kind]


def first(template, kind):
    return of_type(template, kind)[0][1]


def with_statement(statement):
    def breaks(t):
        first(t, "AWS::IAM::Role")["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].append(statement)
    return breaks


WILDCARD_STATEMENTS = {
    "wildcard_policy": {"Effect": "Allow", "Action": ["dynamodb:*"], "Resource": "*"},
    "partial_wildcard_action": {"Effect": "Allow", "Action": "cognito-idp:Admin*", "Resource": {"Fn::GetAtt": ["UserPool", "Arn"]}},
    "wildcard_in_a_sub": {"Effect": "Allow", "Action": ["cognito-idp:AdminGetUser"],
                          "Resource": {"Fn::Sub": "arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/*"}},
    "wildcard_in_a_sub_with_variables": {"Effect": "Allow", "Action": ["ses:SendEmail"],
                                         "Resource": [{"Fn::Sub": ["arn:aws:ses:${R}:1:identity/*", {"R": "x"}]}]},
    "not_action": {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": {"Fn::GetAtt": ["UserPool", "Arn"]}},
    "wildcard_in_an_else_branch": {"Effect": "Allow", "Action": {"Fn::If": ["IsDev", ["dynamodb:GetItem"], ["dynamodb:*"]]},
                                   "Resource": {"Fn::GetAtt": ["MembersTable", "Arn"]}},
    "wildcard_resource_in_a_then_branch": {"Effect": "Allow", "Action": ["dynamodb:GetItem"],
                                           "Resource": [{"Fn::If": ["IsDev", {"Fn::Sub": "arn:aws:dynamodb:*"}, "arn:aws:dynamodb:x"]}]},
}


def wildcard_in_an_attached_policy(t):
    name, _ = of_type(t, "AWS::IAM::Role")[0]
    t["Resources"]["AttachedWildcard"] = {"Type": "AWS::IAM::Policy", "Properties": {
        "PolicyName": "wildcard", "Roles": [{"Ref": name}],
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cognito-idp:*", "Resource": "*"}]}}}


def emulator_endpoint(t):
    first(t, "AWS::Lambda::Function")["Properties"]["Environment"]["Variables"]["AWS_ENDPOINT_URL"] = "http://127.0.0.1:5051"


def password_auth_everywhere(t):
    flows = first(t, "AWS::Cognito::UserPoolClient")["Properties"]["ExplicitAuthFlows"]
    flows[:] = [f for f in flows if isinstance(f, str)] + ["ALLOW_USER_PASSWORD_AUTH"]


def no_timeout(t):
    del first(t, "AWS::Lambda::Function")["Properties"]["Timeout"]


def basic_pool(t):
    del first(t, "AWS::Cognito::UserPool")["Properties"]["UserPoolTier"]


def retained_table(t):
    first(t, "AWS::DynamoDB::Table")["DeletionPolicy"] = "Retain"


def unlogged_api(t):
    del first(t, "AWS::ApiGatewayV2::Stage")["Properties"]["AccessLogSettings"]


def one_bucket_for_every_client(t):
    for rule in first(t, "AWS::WAFv2::WebACL")["Properties"]["Rules"]:
        rule["Statement"]["RateBasedStatement"]["AggregateKeyType"] = "CONSTANT"


def no_origin_header(t):
    for origin in first(t, "AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]["Origins"]:
        origin.pop("OriginCustomHeaders", None)


def stack_id_as_origin_secret(t):
    for origin in first(t, "AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]["Origins"]:
        for header in origin["OriginCustomHeaders"]:
            header["HeaderValue"] = {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}


def unheard_alarm(t):
    del t["Resources"]["ApiServerErrorsAlarm"]["Properties"]["AlarmActions"]


def execute_api_open(t):
    # SAM writes the HttpApi's DisableExecuteApiEndpoint into its OpenAPI body.
    del first(t, "AWS::ApiGatewayV2::Api")["Properties"]["Body"]["servers"]


def origin_domain_without_mtls(t):
    del first(t, "AWS::ApiGatewayV2::DomainName")["Properties"]["MutualTlsAuthentication"]


def no_5xx_alarm(t):
    del t["Resources"]["ApiServerErrorsAlarm"]


def unwatched_function(t):
    del t["Resources"]["InviteMemberFailuresAlarm"]


def dropped_events(t):
    del t["Resources"]["PublishEventsStream"]["Properties"]["DestinationConfig"]


def whole_batch_retried(t):
    t["Resources"]["PublishEventsStream"]["Properties"]["FunctionResponseTypes"] = []


def parked_unwatched(t):
    del t["Resources"]["EventsParkedAlarm"]


def parked_ranges_unread(t):
    del t["Resources"]["PublishEventsParkedRanges"]


def parked_ranges_dropped(t):
    del t["Resources"]["EventsParkedRangesQueue"]["Properties"]["RedrivePolicy"]


def no_archive(t):
    del t["Resources"]["EventArchive"]


def anyone_publishes(t):
    del t["Resources"]["EventBusPolicy"]


def policy_allows_source(t):
    t["Resources"]["EventBusPolicy"]["Properties"]["Statement"]["Effect"] = "Allow"


def named(name, breaks):
    breaks.__name__ = name
    return breaks


# rule name -> the counter-examples it must reject
COUNTER_EXAMPLES = {
    "function_policies_name_their_actions_and_resources": [named(n, with_statement(s)) for n, s in WILDCARD_STATEMENTS.items()]
    + [wildcard_in_an_attached_policy],
    "no_local_only_setting_is_deployed": [emulator_endpoint],
    "password_auth_only_in_dev": [password_auth_everywhere],
    "functions_have_timeouts_and_json_logs": [no_timeout],
    "user_pool_tier_and_deletion": [basic_pool],
    "table_deletion_and_recovery": [retained_table],
    "api_throttled_and_logged": [unlogged_api],
    "public_routes_limited_per_client": [one_bucket_for_every_client, no_origin_header, stack_id_as_origin_secret, execute_api_open,
                                         origin_domain_without_mtls],
    "alarms_watch_the_service": [no_5xx_alarm, unheard_alarm],
    "every_function_has_an_errors_and_throttles_alarm": [unwatched_function],
    "events_never_dropped": [
        dropped_events, whole_batch_retried, parked_unwatched, parked_ranges_unread, parked_ranges_dropped, no_archive
    ],
    "events_only_from_the_publisher": [anyone_publishes, policy_allows_source],
}


with open(RULES) as rules:
    # Parameterised rules are parts of others, not rules of their own.
    RULE_NAMES = [line.split()[1] for line in rules if line.startswith("rule ") and "(" not in line.split()[1]]


def guard(cfn_guard, template):
    """The names of the rules the template fails, and guard's report."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as data:
        json.dump(template, data)
    try:
        run = subprocess.run([cfn_guard, "validate", "--rules", RULES, "--data", data.name, "--show-summary", "fail"],
                             capture_output=True, text=True)
    finally:
        os.unlink(data.name)
    report = run.stdout + run.stderr
    if run.returncode not in (0, 19):
        sys.exit(f"cfn-guard could not check the template ({run.returncode}):\n{report}")
    failed = [name for name in RULE_NAMES if re.search(rf"/{name}\s+FAIL", report)]
    return failed, report


def main():
    cfn_guard = sys.argv[1]
    template = cloudformation(sys.argv[2] if len(sys.argv) > 2 else "template.yaml")
    failed, report = guard(cfn_guard, template)
    if failed:
        sys.exit(f"template.yaml breaks {', '.join(failed)}:\n{report}")
    names = set(RULE_NAMES)
    if names != set(COUNTER_EXAMPLES):
        sys.exit(f"every rule needs a counter-example: rules {sorted(names)}, counter-examples {sorted(COUNTER_EXAMPLES)}")
    examples = 0
    for rule, counter_examples in COUNTER_EXAMPLES.items():
        for breaks in counter_examples:
            broken = copy.deepcopy(template)
            breaks(broken)
            failed, report = guard(cfn_guard, broken)
            if rule not in failed:
                sys.exit(f"rule {rule} let its counter-example ({breaks.__name__}) through:\n{report}")
            examples += 1
    print(f"template.yaml holds the {len(names)} rules of policy/template.guard; each rejects its counter-examples ({examples})")


if __name__ == "__main__":
    main()
