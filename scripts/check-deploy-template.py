"""Checks that nothing local-only reaches a deployed stack.

Reads the template `sam deploy` sends (`.aws-sam/build/template.yaml`, which `sam build` writes)
and, for every deploy environment of samconfig.toml, resolves each function's environment the
way CloudFormation would in a real AWS account with that environment's parameters: no function
may get an endpoint override (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>) or an emulator's
address. As a control, the same resolution in the emulator's account, with the endpoint
`scripts/sam-local.sh` passes, must give every function its AWS_ENDPOINT_URL.

    python scripts/check-deploy-template.py [TEMPLATE] [SAMCONFIG]
"""

import shlex
import sys
import tomllib

from samcli.yamlhelper import yaml_parse

EMULATOR_ACCOUNT = "123456789012"
# Stands for any real account: equal to no literal in the template.
REAL_ACCOUNT = object()
LOCAL_ADDRESSES = ("127.0.0.1", "localhost", "host.docker.internal", "0.0.0.0", "172.17.0.1")
NO_VALUE = object()


class Resolver:
    def __init__(self, template, parameters, account):
        self.template = template
        self.values = {name: spec.get("Default") for name, spec in template.get("Parameters", {}).items()}
        self.values.update(parameters)
        self.values["AWS::AccountId"] = account

    def condition(self, name):
        return self.truth(self.template["Conditions"][name])

    def truth(self, node):
        (function, args), = node.items()
        if function == "Fn::And":
            return all(self.truth(a) for a in args)
        if function == "Fn::Or":
            return any(self.truth(a) for a in args)
        if function == "Fn::Not":
            return not self.truth(args[0])
        if function == "Fn::Equals":
            left, right = (self.value(a) for a in args)
            return left == right
        if function == "Condition":
            return self.condition(args)
        raise ValueError(f"condition function {function}")

    def value(self, node):
        """The value CloudFormation would give; what only a deploy can know stays as it is."""
        if isinstance(node, dict) and len(node) == 1:
            (function, args), = node.items()
            if function == "Ref":
                if args == "AWS::NoValue":
                    return NO_VALUE
                return self.values.get(args, node)
            if function == "Fn::If":
                name, then, otherwise = args
                return self.value(then if self.condition(name) else otherwise)
        if isinstance(node, dict):
            resolved = {k: self.value(v) for k, v in node.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        if isinstance(node, list):
            return [v for v in (self.value(x) for x in node) if v is not NO_VALUE]
        return node

    def function_environments(self):
        globals_ = self.template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
        for name, resource in self.template["Resources"].items():
            if resource["Type"] != "AWS::Serverless::Function":
                continue
            variables = dict(globals_)
            variables.update(resource["Properties"].get("Environment", {}).get("Variables", {}))
            yield name, self.value(variables)


def local_only(environment):
    found = [k for k in environment if k.startswith("AWS_ENDPOINT_URL")]
    found += [f"{k}={v}" for k, v in environment.items() if any(a in str(v) for a in LOCAL_ADDRESSES)]
    return found


def main():
    template_path = sys.argv[1] if len(sys.argv) > 1 else ".aws-sam/build/template.yaml"
    samconfig_path = sys.argv[2] if len(sys.argv) > 2 else "samconfig.toml"
    with open(template_path) as f:
        template = yaml_parse(f.read())
    with open(samconfig_path, "rb") as f:
        samconfig = tomllib.load(f)
    failures = []

    for parameter, spec in template.get("Parameters", {}).items():
        if any(a in str(spec.get("Default", "")) for a in LOCAL_ADDRESSES):
            failures.append(f"parameter {parameter} defaults to a local address")

    environments = [(env, cfg["deploy"]["parameters"]) for env, cfg in samconfig.items() if isinstance(cfg, dict) and "deploy" in cfg]
    if not environments:
        failures.append(f"{samconfig_path} has no deploy environment")
    functions = 0
    for env, deploy in environments:
        overrides = dict(pair.split("=", 1) for pair in shlex.split(deploy.get("parameter_overrides", "")))
        for name, environment in Resolver(template, overrides, REAL_ACCOUNT).function_environments():
            functions += 1
            failures += [f"{env}: {name} gets {what}" for what in local_only(environment)]
        # Even with the emulator's endpoint passed by mistake, a real account gets none of it.
        overrides["EmulatorEndpoint"] = "http://host.docker.internal:5060"
        for name, environment in Resolver(template, overrides, REAL_ACCOUNT).function_environments():
            failures += [f"{env} with EmulatorEndpoint set: {name} gets {what}" for what in local_only(environment)]

    # A template with no functions (a wrong path, a broken transform) checks nothing.
    if functions == 0:
        failures.append(f"{template_path} has no AWS::Serverless::Function: nothing was checked")

    # The control: in the emulator's account, with the endpoint sam-local.sh passes, every function
    # has its override, so the check above looks where the override would be.
    emulator = Resolver(template, {"EmulatorEndpoint": "http://host.docker.internal:5060"}, EMULATOR_ACCOUNT)
    for name, environment in emulator.function_environments():
        if environment.get("AWS_ENDPOINT_URL") != "http://host.docker.internal:5060":
            failures.append(f"control: {name} has no AWS_ENDPOINT_URL on the emulator")

    if failures:
        print("the template sam deploy sends fails its checks:\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)
    names = ", ".join(env for env, _ in environments)
    print(f"{template_path}: deploy environments {names}: {functions} function environments, "
          "no endpoint override or emulator address (the emulator's account alone gets AWS_ENDPOINT_URL)")


if __name__ == "__main__":
    main()
