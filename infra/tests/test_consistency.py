"""Checks that infra/ still matches the code it deploys.

Terraform cannot run here (no providers), so this parses every .tf file with python-hcl2 and
compares it with facts read out of the Rust sources:

- each Lambda package in functions/*/Cargo.toml has an aws_lambda_function (bootstrap,
  provided.al2023, arm64) whose artifact path names the package;
- each name in AWS_PROFILE_ENV (crates/app/src/config.rs) is set on every Lambda, and the feed
  worker gets what its code reads; ALGO_CALENDAR is never always-open;
- the order queue is <prefix>-orders.fifo (FIFO, content-based deduplication, DLQ after 5 receives,
  visibility timeout >= 6x the executor's timeout) and the executor consumes it with
  ReportBatchItemFailures;
- the DynamoDB ledger's hash key and TTL attribute are the literals crates/store/src/aws/dynamodb.rs
  writes;
- each IAM role grants exactly the actions derived from the SDK calls in crates/store/src/aws/*.rs
  (per component), nothing with Resource "*", and no managed policy beyond the AWS ones for
  logging/VPC/ECS;
- names carry the per-environment prefix (project-environment), the provider allows only the
  environment's account, .gitignore keeps state, plans, tfvars and backend settings out,
  required_version covers the backend settings, the Redis parameter group family exists;
- two static IPs in two zones (one NAT each), Lambda concurrency that a new account's quota of
  10 accepts, a Postgres connection budget within the instance class, the feed worker on a
  market-hours schedule that includes the calendar's special sessions;
- the alarm set: every signal the README lists has its alarm, all to the topic with its
  required e-mail subscription;
- module wiring that `terraform validate` would check: arguments match variables, references
  name declared variables, locals, resources, data sources and module outputs.

Run it with scripts/check-infra.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from functools import cache
from pathlib import Path

import hcl2
import pytest

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
STORE_AWS = ROOT / "crates" / "store" / "src" / "aws"
CONFIG_RS = ROOT / "crates" / "app" / "src" / "config.rs"

# --- parsing ---------------------------------------------------------------------------------


def unquote(value):
    """python-hcl2 8 keeps quotes around strings and block labels: strip them, recursively."""
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            return value[1:-1]
        return value
    if isinstance(value, list):
        return [unquote(v) for v in value]
    if isinstance(value, dict):
        return {
            unquote(k): unquote(v)
            for k, v in value.items()
            if k not in ("__is_block__", "__comments__", "__inline_comments__")
        }
    return value


class Module:
    """The blocks of one Terraform module (one directory)."""

    def __init__(self, path: Path):
        self.path = path
        self.resources: dict[tuple[str, str], dict] = {}
        self.data: dict[tuple[str, str], dict] = {}
        self.variables: dict[str, dict] = {}
        self.outputs: dict[str, dict] = {}
        self.locals: dict[str, object] = {}
        self.calls: dict[str, dict] = {}
        self.text = ""
        for tf in sorted(path.glob("*.tf")):
            self.text += strip_comments(tf.read_text()) + "\n"
            with tf.open() as f:
                doc = unquote(hcl2.load(f))
            for block in doc.get("resource", []):
                for rtype, named in block.items():
                    for name, body in named.items():
                        self.resources[(rtype, name)] = body
            for block in doc.get("data", []):
                for dtype, named in block.items():
                    for name, body in named.items():
                        self.data[(dtype, name)] = body
            for block in doc.get("variable", []):
                self.variables.update(block)
            for block in doc.get("output", []):
                self.outputs.update(block)
            for block in doc.get("locals", []):
                self.locals.update(block)
            for block in doc.get("module", []):
                self.calls.update(block)

    def of_type(self, rtype: str) -> dict[str, dict]:
        return {n: b for (t, n), b in self.resources.items() if t == rtype}

    def __repr__(self) -> str:
        return f"Module({self.path.relative_to(ROOT)})"


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(re.sub(r"(^|\s)(#|//).*$", "", line) for line in text.splitlines())


@cache
def modules() -> dict[Path, Module]:
    dirs = {p.parent for p in INFRA.rglob("*.tf") if ".terraform" not in p.parts}
    return {d: Module(d) for d in sorted(dirs)}


def root() -> Module:
    return modules()[INFRA]


def everything(rtype: str) -> list[tuple[Module, str, dict]]:
    return [(m, n, b) for m in modules().values() for n, b in m.of_type(rtype).items()]


def one(rtype: str, pred=lambda body: True) -> tuple[Module, str, dict]:
    found = [(m, n, b) for m, n, b in everything(rtype) if pred(b)]
    assert len(found) == 1, f"expected exactly one matching {rtype}, found {[(m, n) for m, n, _ in found]}"
    return found[0]


def single(value):
    """A nested block parses as a list of one dict."""
    if isinstance(value, list):
        assert len(value) == 1, value
        return value[0]
    return value


REF = re.compile(r"^\$\{(.*)\}$", re.S)


def expr(value) -> str | None:
    """The expression inside "${...}", or None for a literal."""
    if isinstance(value, str):
        m = REF.match(value)
        if m:
            return m.group(1).strip()
    return None


def resolve_local(module: Module, value):
    """Follows a `local.NAME` reference within a module."""
    e = expr(value)
    if e and re.fullmatch(r"local\.\w+", e):
        return resolve_local(module, module.locals[e.split(".", 1)[1]])
    return value


def call_of(module: Module) -> tuple[Module, str, dict]:
    """The module block (in some other module) whose source is this module."""
    for parent in modules().values():
        for name, call in parent.calls.items():
            if (parent.path / call["source"]).resolve() == module.path.resolve():
                return parent, name, call
    raise AssertionError(f"nothing calls {module}")


def trace_var(module: Module, value) -> tuple[Module, str]:
    """Follows var.X up through the module calls to the expression that finally feeds it."""
    e = expr(value)
    while e and re.fullmatch(r"var\.\w+", e):
        if module.path == INFRA:
            return module, e
        parent, _, call = call_of(module)
        name = e.split(".", 1)[1]
        assert name in call, f"{module} needs {name} from its caller"
        module, e = parent, expr(call[name]) or repr(call[name])
    return module, e if e else repr(value)


# --- facts from the code -------------------------------------------------------------------------


def lambda_packages() -> list[str]:
    names = []
    for cargo in sorted((ROOT / "functions").glob("*/Cargo.toml")):
        names.append(tomllib.loads(cargo.read_text())["package"]["name"])
    assert names, "no Lambda packages under functions/"
    return names


def aws_profile_env() -> list[str]:
    text = CONFIG_RS.read_text()
    m = re.search(r"pub const AWS_PROFILE_ENV: &\[&str\] = &\[(.*?)\];", text, re.S)
    assert m, "AWS_PROFILE_ENV not found in crates/app/src/config.rs"
    names = re.findall(r'"([A-Z][A-Z0-9_]*)"', m.group(1))
    assert len(names) >= 5, names
    return names


def secret_vars() -> dict[str, str]:
    """SECRET_VARS in crates/store/src/aws/secrets.rs: setting -> the variable with its secret's ARN."""
    text = (STORE_AWS / "secrets.rs").read_text()
    pairs = re.findall(r'var:\s*"([A-Z][A-Z0-9_]*)",\s*arn_var:\s*"([A-Z][A-Z0-9_]*)"', text)
    assert len(pairs) >= 4, pairs
    return dict(pairs)


def config_required_env() -> list[str]:
    """Names Config::from_env insists on in the AWS profile (`required("...")`)."""
    names = re.findall(r'required\("([A-Z][A-Z0-9_]*)"\)', CONFIG_RS.read_text())
    assert names, "no required(...) settings found in config.rs"
    return names


def ledger_literals() -> tuple[str, str]:
    text = (STORE_AWS / "dynamodb.rs").read_text()
    keys = set(re.findall(r'\.key\("(\w+)"', text))
    assert len(keys) == 1, f"expected one key attribute in dynamodb.rs, found {keys}"
    ttl = set(re.findall(r'"(\w+)"[^\n;]*RETENTION_SECS', text))
    assert len(ttl) == 1, f"expected one attribute written from RETENTION_SECS (the TTL), found {ttl}"
    return keys.pop(), ttl.pop()


def camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


@cache
def adapters() -> dict[str, dict]:
    """For each adapter in crates/store/src/aws: the IAM actions each of its methods needs.

    A method needs `<service>:<Operation>` for every `.client.<operation>()` it calls (service from
    the `aws_sdk_<service>::Client` it builds), plus `iam:PassRole` where it puts a role ARN into a
    target (`.role_arn(...)`), plus whatever the adapter's own methods it calls (`self.x(...)`) need.
    """
    found = {}
    for rs in sorted(STORE_AWS.glob("*.rs")):
        text = rs.read_text().split("#[cfg(test)]", 1)[0]
        services = set(re.findall(r"aws_sdk_(\w+)::Client::new", text))
        if not services:
            continue
        assert len(services) == 1, f"{rs.name}: several SDK clients {services}"
        service = services.pop()
        types = re.findall(r"impl\s+\w+\s+for\s+(\w+)", text)
        assert len(types) == 1, f"{rs.name}: expected one port implementation, found {types}"
        starts = [(m.start(), m.group(1)) for m in re.finditer(r"\bfn\s+(\w+)", text)]
        direct: dict[str, set[str]] = {}
        calls: dict[str, set[str]] = {}
        for i, (start, name) in enumerate(starts):
            body = text[start : starts[i + 1][0] if i + 1 < len(starts) else len(text)]
            ops = re.findall(r"\.client\s*\.\s*(\w+)\(\)", body)
            direct[name] = {f"{service}:{camel(op)}" for op in ops}
            if re.search(r"\.role_arn\(", body):
                direct[name].add("iam:PassRole")
            calls[name] = set(re.findall(r"self\.(\w+)\(", body))
        methods = {}
        for name in direct:
            seen, todo, actions = set(), [name], set()
            while todo:
                n = todo.pop()
                if n in seen or n not in direct:
                    continue
                seen.add(n)
                actions |= direct[n]
                todo.extend(calls[n])
            methods[name] = actions
        found[types[0]] = {
            "file": rs.name,
            "service": service,
            "methods": methods,
            "targets_sqs": "SqsParameters" in text,
        }
    assert {"SqsQueue", "DynamoLedger", "EventBridgeScheduler", "SecretsManager"} <= set(found), found.keys()
    return found


# Which adapter methods each component's code uses. The actions come from the code; this table
# only says who is a producer and who is a consumer (a component's sources are scanned below to
# check it builds exactly these adapters).
COMPONENTS = {
    "api": {
        "src": ["functions/api/src"],
        # arm/disarm from the strategy routes; push from POST /strategy/stop (exit_position).
        "uses": {"EventBridgeScheduler": ["arm", "disarm"], "SqsQueue": ["push"], "SecretsManager": ["value"]},
        # Secrets Manager decrypts with the secrets' keys on the caller's behalf.
        "extra": {"kms:Decrypt"},
    },
    "executor": {
        "src": ["functions/executor/src"],
        # push: the sweep's missed triggers.
        "uses": {"DynamoLedger": ["claim", "complete", "release", "get"], "SqsQueue": ["push"], "SecretsManager": ["value"]},
        # Lambda's SQS event source mapping calls the first three with the function's role; the
        # batch handler cuts a failed record's visibility; Secrets Manager decrypts with the
        # secrets' keys on the caller's behalf.
        "extra": {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility", "kms:Decrypt"},
    },
    "feed_worker_task": {
        "src": ["feed-worker/src"],
        # push for STOPLOSS events; value for the database credentials at start (ECS injects the
        # other secrets with the execution role). Secrets Manager decrypts on the caller's behalf.
        "uses": {"SqsQueue": ["push"], "SecretsManager": ["value"]},
        "extra": {"kms:Decrypt"},
    },
}

ADAPTER_NEW = re.compile(r"\b(SqsQueue|DynamoLedger|EventBridgeScheduler|SecretsManager)::new\b|\b(env_with_secrets)\b")


def expected_actions(component: str) -> set[str]:
    spec = COMPONENTS[component]
    built = set()
    for src in spec["src"]:
        for rs in (ROOT / src).rglob("*.rs"):
            for adapter, via in ADAPTER_NEW.findall(rs.read_text()):
                # secrets::env_with_secrets builds the SecretsManager adapter.
                built.add(adapter or "SecretsManager")
    assert built == set(spec["uses"]), (
        f"{component} builds {sorted(built)} but the test expects {sorted(spec['uses'])}: "
        "update COMPONENTS and the role's policy together"
    )
    actions = set(spec.get("extra", set()))
    for adapter, methods in spec["uses"].items():
        info = adapters()[adapter]
        for method in methods:
            assert method in info["methods"], f"{adapter} has no method {method}"
            actions |= info["methods"][method]
    return actions


def expected_scheduler_role_actions() -> set[str]:
    info = adapters()["EventBridgeScheduler"]
    assert info["targets_sqs"], "the schedules no longer target SQS: revisit the scheduler role"
    return {"sqs:SendMessage"}


# --- IAM in the Terraform ------------------------------------------------------------------------

AWS_MANAGED_ALLOWED = {
    "service-role/AWSLambdaVPCAccessExecutionRole",
    "service-role/AWSLambdaBasicExecutionRole",
    "service-role/AmazonECSTaskExecutionRolePolicy",
}


def policy_document(module: Module, ref: str) -> list[dict]:
    """Statements of `data.aws_iam_policy_document.X.json` in a module."""
    e = expr(ref)
    m = re.fullmatch(r"data\.aws_iam_policy_document\.(\w+)\.json", e or "")
    assert m, f"{module}: policies must be aws_iam_policy_document data sources, got {ref!r}"
    doc = module.data[("aws_iam_policy_document", m.group(1))]
    # Statements merged in from other documents of the module (source_policy_documents).
    merged = [st for ref in doc.get("source_policy_documents") or [] for st in policy_document(module, ref)]
    return merged + doc.get("statement", [])


def role_grants(module: Module, role: str) -> tuple[set[str], set[str], list[dict]]:
    """(actions allowed, managed policy names, statements) of aws_iam_role.<role> in module."""
    body = module.resources[("aws_iam_role", role)]
    assert "inline_policy" not in body and "managed_policy_arns" not in body, (
        f"{module} role {role}: attach policies with separate resources"
    )
    actions: set[str] = set()
    statements: list[dict] = []
    refs = {f"aws_iam_role.{role}.id", f"aws_iam_role.{role}.name"}
    for _, policy in module.of_type("aws_iam_role_policy").items():
        if expr(policy["role"]) in refs:
            for st in policy_document(module, policy["policy"]):
                statements.append(st)
                if st.get("effect", "Allow") == "Allow":
                    actions |= set(st["actions"])
    managed = set()
    for _, att in module.of_type("aws_iam_role_policy_attachment").items():
        if expr(att["role"]) in refs:
            arn = resolve_local(module, att["policy_arn"])
            m = re.search(r":iam::aws:policy/(.+)$", arn)
            assert m, f"{module} role {role}: only AWS managed policies may be attached, got {arn}"
            managed.add(m.group(1))
    for _, pol in module.of_type("aws_iam_policy").items():
        raise AssertionError(f"{module}: standalone aws_iam_policy is not expected ({pol})")
    return actions, managed, statements


def assumed_by(module: Module, role_body: dict) -> set[str]:
    """Service principals allowed to assume a role."""
    statements = policy_document(module, role_body["assume_role_policy"])
    return {i for st in statements for p in st.get("principals", []) for i in p["identifiers"]}


def role_of(module: Module, value) -> str:
    e = expr(value)
    m = re.fullmatch(r"aws_iam_role\.(\w+)\.arn", e or "")
    assert m, f"{module}: expected aws_iam_role.X.arn, got {value!r}"
    return m.group(1)


def lambda_by_package(package: str) -> tuple[Module, str, dict]:
    def names_package(body):
        path = body.get("filename") or body.get("s3_key") or ""
        return package in re.split(r"[/}]", path)

    return one("aws_lambda_function", names_package)


def assert_least_privilege(who: str, statements: list[dict]):
    for st in statements:
        resources = st.get("resources", [])
        assert resources, f"{who}: statement {st.get('sid')} has no resources"
        assert "*" not in resources, f"{who}: statement {st.get('sid')} grants on Resource *"


# --- tests -----------------------------------------------------------------------------------------


def test_every_file_parses_and_modules_are_found():
    assert (INFRA / "modules").is_dir()
    assert len(modules()) >= 5
    for m in modules().values():
        assert m.resources or m.calls, f"{m} declares nothing"


@pytest.mark.parametrize("package", lambda_packages())
def test_each_lambda_package_has_an_arm64_bootstrap_function(package):
    module, name, fn = lambda_by_package(package)
    assert fn["handler"] == "bootstrap", f"{name}: handler"
    assert fn["runtime"] == "provided.al2023", f"{name}: runtime"
    assert fn["architectures"] == ["arm64"], f"{name}: architectures"
    path = fn["filename"]
    assert path.endswith(f"/{package}/bootstrap.zip"), path
    assert package in fn["source_code_hash"], "source_code_hash must hash the same zip"
    # The directory comes from scripts/package's arm64 --lambda-dir.
    _, top = trace_var(module, re.match(r"\$\{(var\.\w+)\}", path).group(0))
    default = root().variables["lambda_package_dir"]["default"]
    assert "lambda_package_dir" in top, top
    assert default.endswith("target/package/lambda-arm64"), default
    # ... which is where scripts/package puts arm64 builds by default.
    script = (ROOT / "scripts" / "package").read_text()
    assert re.search(r'^PACKAGE_DIR="\$\{PACKAGE_DIR:-\$ROOT/target/package\}"$', script, re.M)
    assert re.search(r'^LAMBDA_DIR="\$PACKAGE_DIR/lambda-\$ARCH"$', script, re.M)
    assert re.search(r"^ARCH=arm64$", script, re.M)
    vpc = single(fn["vpc_config"])
    assert vpc["subnet_ids"] and vpc["security_group_ids"], f"{name} must run in the VPC"
    assert "reserved_concurrent_executions" in fn, f"{name}: reserved concurrency"
    assert "kms_key_arn" in fn, f"{name}: environment encrypted with the platform key"


def lambda_environment(package: str) -> dict:
    module, name, fn = lambda_by_package(package)
    env = resolve_local(module, single(fn["environment"])["variables"])
    assert isinstance(env, dict), f"{name}: environment must be a map (possibly via a local), got {env!r}"
    return env


@pytest.mark.parametrize("package", lambda_packages())
def test_every_aws_profile_env_var_is_set_on_each_lambda(package):
    """Each setting is a plain variable, or (for secrets) the ARN the code fetches it from."""
    env = lambda_environment(package)
    secrets = secret_vars()
    missing = [n for n in aws_profile_env() if n not in env and secrets.get(n) not in env]
    assert not missing, f"{package} Lambda lacks {missing} (AWS_PROFILE_ENV in crates/app/src/config.rs)"
    empty = [n for n in aws_profile_env() if n in env and env[n] in ("", None)]
    assert not empty, f"{package} Lambda sets {empty} to nothing"


@pytest.mark.parametrize("package", lambda_packages())
def test_lambda_secrets_come_from_secrets_manager_not_the_configuration(package):
    env = lambda_environment(package)
    for name, arn_var in secret_vars().items():
        assert arn_var in env, f"{package}: {arn_var}"
        assert expr(env[arn_var]).startswith("var.secret_arns."), f"{package}: {arn_var} = {env[arn_var]}"
        if name == "DATABASE_URL":
            # Host, port and database only: the credentials are the secret's.
            assert "@" not in env[name] and "password" not in env[name], env[name]
            assert "sslmode=require" in env[name], env[name]
        else:
            assert name not in env, f"{package}: {name} must come from its secret, not the configuration"
    module, _, _ = lambda_by_package(package)
    read = [k for k in module.data if k[0] == "aws_secretsmanager_secret_version"]
    assert not read, f"no secret value is read into the functions' Terraform: {read}"


def test_feed_worker_gets_what_its_code_reads():
    module, _, _ = one("aws_ecs_task_definition")
    env = module.locals["environment"]
    secrets = module.locals["secrets"]
    given = set(env) | set(secrets)
    # Config::from_env's required settings, REDIS_URL, and the queue URL that selects the AWS
    # profile in feed-worker/src/main.rs (without it the worker silently uses a Redis queue).
    main_rs = (ROOT / "feed-worker" / "src" / "main.rs").read_text()
    assert 'env("ALGO_ORDERS_QUEUE_URL")' in main_rs
    # The ticker's token is the login stored in Postgres (StoredToken), sealed under the broker
    # key and its id: the database and both are needed, the credentials from their secret.
    assert "StoredToken" in main_rs and "env_with_secrets" in main_rs, "feed-worker/src/main.rs"
    needed = set(config_required_env()) | {
        "REDIS_URL",
        "ALGO_ORDERS_QUEUE_URL",
        "DATABASE_URL",
        "DATABASE_SECRET_ARN",
        "ALGO_BROKER_KEY_ID",
    }
    assert needed <= given, f"feed worker lacks {sorted(needed - given)}"
    assert not set(env) & set(secrets)
    # Host, port and database only, as on the Lambdas: the credentials are the secret's.
    assert "@" not in env["DATABASE_URL"] and "password" not in env["DATABASE_URL"], env["DATABASE_URL"]
    assert "sslmode=require" in env["DATABASE_URL"], env["DATABASE_URL"]
    _, source = trace_var(module, env["DATABASE_SECRET_ARN"])
    assert source == "module.database.master_user_secret_arn", source
    # The same label the Lambdas seal the sessions under.
    _, worker_key_id = trace_var(module, env["ALGO_BROKER_KEY_ID"])
    _, lambda_key_id = trace_var(lambda_by_package("api")[0], lambda_environment("api")["ALGO_BROKER_KEY_ID"])
    assert worker_key_id == lambda_key_id == "var.broker_key_id", (worker_key_id, lambda_key_id)
    for name in ("REDIS_URL", "ALGO_JWT_SECRET", "ALGO_BROKER_KEY"):
        assert name in secrets, f"{name} must come from Secrets Manager, not a plain variable"
    health = module.locals["container"]["healthCheck"]["command"]
    assert "http://127.0.0.1:8081/health" in health, health
    assert env["ALGO_FEED_HEALTH_PORT"] in ("8081", "${tostring(local.health_port)}")
    assert module.locals["health_port"] == 8081
    service = single(list(module.of_type("aws_ecs_service").values()))
    assert service["desired_count"] == 1  # at creation; the market-hours schedule owns it
    assert single(service["network_configuration"])["assign_public_ip"] is False


def test_the_feed_worker_reaches_the_database():
    module, _, task_def = one("aws_ecs_task_definition")
    group = single(list(module.of_type("aws_security_group").values()))
    postgres = [e for e in group["egress"] if e["from_port"] == 5432 and e["to_port"] == 5432]
    assert postgres, "the feed worker's security group lets no Postgres out"
    _, name, call = call_of(modules()[INFRA / "modules" / "database"])
    assert name == "database"
    clients = call["client_security_group_ids"]
    assert "module.feed_worker.security_group_id" in str(clients), clients
    assert module.outputs["security_group_id"]["value"] == "${aws_security_group.this.id}"
    # Its task role reads that secret only.
    _, _, statements = role_grants(module, role_of(module, task_def["task_role_arn"]))
    reads = [st for st in statements if "secretsmanager:GetSecretValue" in st["actions"]]
    assert [r for st in reads for r in st["resources"]] == ["${var.database_secret_arn}"], reads


KITE_TOKEN = re.compile(r"kite[_-]?access[_-]?token", re.I)


def test_no_kite_access_token_is_kept_or_configured():
    """Market data runs on the trader's login of the day (stored in Postgres): no secret, variable,
    output or setting holds a Kite access token, so there is nothing to put there each morning."""
    for tf in sorted(INFRA.rglob("*.tf")):
        if ".terraform" in tf.parts:
            continue
        text = strip_comments(tf.read_text())
        assert not KITE_TOKEN.search(text), f"{tf.relative_to(ROOT)} still names a Kite access token"
    for m in modules().values():
        for name, value in m.locals.items():
            if isinstance(value, dict):
                assert not [k for k in value if KITE_TOKEN.search(k)], f"{m} local.{name}"
    assert not [v for v in secret_vars() if KITE_TOKEN.search(v)], "SECRET_VARS (crates/store/src/aws/secrets.rs)"
    assert not [v for v in aws_profile_env() if KITE_TOKEN.search(v)], "AWS_PROFILE_ENV (crates/app/src/config.rs)"
    assert not [v for v in config_required_env() if KITE_TOKEN.search(v)], "required(...) in config.rs"
    readme = (INFRA / "README.md").read_text()
    assert not re.search(r"put-secret-value[^\n]*kite|kite_access_token_secret_arn", readme, re.I), (
        "infra/README.md still has the daily token step"
    )


def test_the_calendar_is_never_always_open():
    for tf in INFRA.rglob("*.tf"):
        text = strip_comments(tf.read_text())
        assert not re.search(r"always[-_]open", text), f"{tf}: always-open calendar"
    for m in modules().values():
        for name, value in m.locals.items():
            if isinstance(value, dict) and "ALGO_CALENDAR" in value:
                assert value["ALGO_CALENDAR"] == "nse", f"{m} local.{name}"


def is_orders_queue(body: dict) -> bool:
    return body.get("name") == "${var.name}-orders.fifo"


def test_orders_queue_is_fifo_with_dead_letters_and_long_visibility():
    module, _, queue = one("aws_sqs_queue", is_orders_queue)
    assert queue["fifo_queue"] is True
    assert queue["content_based_deduplication"] is True, "EventBridge Scheduler sends no deduplication id"
    redrive = queue["redrive_policy"]
    assert re.search(r"maxReceiveCount\s*=\s*5\b", redrive), redrive
    dlq_ref = re.search(r"deadLetterTargetArn\s*=\s*aws_sqs_queue\.(\w+)\.arn", redrive)
    assert dlq_ref, redrive
    dlq = module.resources[("aws_sqs_queue", dlq_ref.group(1))]
    assert dlq["fifo_queue"] is True and dlq["name"].endswith(".fifo")
    # visibility = <var> * N with N >= 6, and <var> is what the executor's timeout is.
    m = re.fullmatch(r"\$\{(var\.\w+)\s*\*\s*(\d+)\}", str(queue["visibility_timeout_seconds"]))
    assert m and int(m.group(2)) >= 6, queue["visibility_timeout_seconds"]
    _, queue_source = trace_var(module, "${" + m.group(1) + "}")
    fmod, _, executor = lambda_by_package("executor")
    _, timeout_source = trace_var(fmod, executor["timeout"])
    assert queue_source == timeout_source, (queue_source, timeout_source)


def test_executor_consumes_orders_with_partial_batch_failures():
    module, _, esm = one("aws_lambda_event_source_mapping")
    fmod, fname, _ = lambda_by_package("executor")
    assert module is fmod
    assert expr(esm["function_name"]) in (f"aws_lambda_function.{fname}.arn", f"aws_lambda_function.{fname}.function_name")
    assert esm["function_response_types"] == ["ReportBatchItemFailures"]
    assert "batch_size" in esm
    qmod, _, _ = one("aws_sqs_queue", is_orders_queue)
    _, source = trace_var(module, esm["event_source_arn"])
    assert source == "module.queue.orders_queue_arn" and qmod.outputs["orders_queue_arn"]["value"] == "${aws_sqs_queue.orders.arn}"


def test_ledger_table_matches_the_code():
    key, ttl = ledger_literals()
    _, _, table = one("aws_dynamodb_table")
    assert table["hash_key"] == key
    assert {"name": key, "type": "S"} in table["attribute"]
    assert single(table["ttl"]) == {"attribute_name": ttl, "enabled": True}
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert single(table["point_in_time_recovery"])["enabled"] is True


@pytest.mark.parametrize("package", lambda_packages())
def test_lambda_role_grants_exactly_what_the_code_calls(package):
    module, name, fn = lambda_by_package(package)
    actions, managed, statements = role_grants(module, role_of(module, fn["role"]))
    assert actions == expected_actions(package), (
        f"{package}: granted {sorted(actions)}, code needs {sorted(expected_actions(package))}"
    )
    assert managed <= AWS_MANAGED_ALLOWED, managed
    assert_least_privilege(package, statements)


def scheduler_roles() -> dict[str, tuple]:
    """Roles EventBridge Scheduler assumes, by name: the strategies' timers and the sweep."""
    return {
        n: (m, n)
        for m, n, b in everything("aws_iam_role")
        if "scheduler.amazonaws.com" in assumed_by(m, b)
    }


def test_scheduler_role_only_sends_to_the_queue():
    roles = scheduler_roles()
    assert set(roles) == {"scheduler", "sweep"}, roles
    module, role = roles["scheduler"]
    actions, managed, statements = role_grants(module, role)
    assert actions == expected_scheduler_role_actions()
    assert not managed
    assert_least_privilege("scheduler role", statements)
    # Where: orders.fifo (the target) and the scheduler's own dead-letter queue.
    resources = {r for st in statements for r in st["resources"]}
    assert "${var.orders_queue_arn}" in resources
    assert len(resources) == 2, resources


def test_the_sweep_invokes_the_executor_every_minute_with_the_input_its_code_reads():
    module, role = scheduler_roles()["sweep"]
    actions, managed, statements = role_grants(module, role)
    assert actions == {"lambda:InvokeFunction"}
    assert not managed
    resources = {r for st in statements for r in st["resources"]}
    assert resources == {"${aws_lambda_function.executor.arn}"}, resources
    found = list(everything("aws_scheduler_schedule"))
    assert len(found) == 1, found
    _, _, schedule = found[0]
    assert schedule["schedule_expression"] == "rate(1 minute)"
    target = single(schedule["target"])
    assert expr(target["arn"]) == "aws_lambda_function.executor.arn"
    assert expr(target["role_arn"]) == "aws_iam_role.sweep.arn"
    # The executor's Invocation::Sweep takes {"sweep": {}}.
    assert "sweep" in str(target["input"]), target["input"]
    code = (ROOT / "functions/executor/src/lib.rs").read_text()
    assert '{"sweep": {}}' in code


def test_the_deploys_migration_step_sends_what_the_executor_answers():
    deploy = (ROOT / "scripts/deploy").read_text()
    assert """--payload '{"migrate": {}}'""" in deploy
    code = (ROOT / "functions/executor/src/lib.rs").read_text()
    assert "Invocation::Migrate" in code and '{\\"migrate\\": {}}' in code
    for lambda_src in ("functions/api/src/lib.rs", "functions/executor/src/lib.rs"):
        text = (ROOT / lambda_src).read_text()
        assert "postgres::migrate(&pg)" not in text, f"{lambda_src} migrates at its cold start"


def test_feed_worker_roles_grant_exactly_what_they_need():
    module, _, task_def = one("aws_ecs_task_definition")
    task_actions, task_managed, task_statements = role_grants(module, role_of(module, task_def["task_role_arn"]))
    assert task_actions == expected_actions("feed_worker_task"), sorted(task_actions)
    assert not task_managed
    assert_least_privilege("feed worker task role", task_statements)
    # The execution role injects the container's secrets: read them, decrypt them.
    exec_actions, exec_managed, exec_statements = role_grants(module, role_of(module, task_def["execution_role_arn"]))
    assert module.locals["secrets"], "no secrets injected, so the execution role should not read any"
    assert exec_actions == {"secretsmanager:GetSecretValue", "kms:Decrypt"}, sorted(exec_actions)
    assert exec_managed == {"service-role/AmazonECSTaskExecutionRolePolicy"}
    assert_least_privilege("feed worker execution role", exec_statements)
    assert task_def["task_role_arn"] != task_def["execution_role_arn"]


def test_http_api_throttles_and_logs_json_without_authorization():
    _, _, stage = one("aws_apigatewayv2_stage")
    route = single(stage["default_route_settings"])
    assert route["throttling_rate_limit"] and route["throttling_burst_limit"]
    fmt = single(stage["access_log_settings"])["format"]
    assert fmt.startswith("${jsonencode("), "access log must be JSON"
    assert "authorization" not in fmt.lower()
    assert "$context.requestId" in fmt


def test_two_static_ips_in_two_zones_one_nat_each():
    """Kite takes a primary and a secondary IP: two Elastic IPs, each behind its own NAT in its
    own zone, every private subnet routed through one of them, and nothing else with a public
    address that places orders."""
    outputs = root().outputs
    assert outputs["static_ips"]["value"] == "${module.network.static_ips}"
    network = modules()[INFRA / "modules" / "network"]
    assert network.outputs["static_ips"]["value"] == "${aws_eip.nat[*].public_ip}"
    assert network.locals["nat_count"] == 2
    eip = network.resources[("aws_eip", "nat")]
    assert eip["count"] == "${local.nat_count}"
    assert single(eip["lifecycle"])["prevent_destroy"] is True, "a registered IP is destroyed only on purpose"
    # Both kinds of NAT sit in public subnet i with Elastic IP i.
    gateway = network.resources[("aws_nat_gateway", "this")]
    assert gateway["allocation_id"] == "${aws_eip.nat[count.index].id}"
    assert gateway["subnet_id"] == "${aws_subnet.public[count.index].id}"
    instance = network.resources[("aws_instance", "nat")]
    assert instance["subnet_id"] == "${aws_subnet.public[count.index].id}"
    assert instance["source_dest_check"] is False
    assert single(instance["metadata_options"])["http_tokens"] == "required"
    assoc = network.resources[("aws_eip_association", "nat")]
    assert assoc["allocation_id"] == "${aws_eip.nat[count.index].id}"
    assert assoc["instance_id"] == "${aws_instance.nat[count.index].id}"
    # One route table per zone, through the NAT of zone i % 2.
    private = network.resources[("aws_route_table", "private")]
    assert private["count"] == "${var.az_count}"
    route = single(private["route"])
    assert "aws_nat_gateway.this[count.index % local.nat_count].id" in route["nat_gateway_id"], route
    assert "aws_instance.nat[count.index % local.nat_count].primary_network_interface_id" in route["network_interface_id"], route
    assoc = network.resources[("aws_route_table_association", "private")]
    assert assoc["route_table_id"] == "${aws_route_table.private[count.index].id}"
    assert root().variables["nat"]["default"] == "instance"
    # What places orders (both Lambdas) and the feed worker run in the private subnets only.
    for m, name, fn in everything("aws_lambda_function"):
        _, source = trace_var(m, single(fn["vpc_config"])["subnet_ids"])
        assert source == "module.network.private_subnet_ids", (name, source)


NEW_ACCOUNT_CONCURRENCY = 10


def test_lambda_concurrency_fits_a_new_account():
    """A new account's quota is 10 concurrent executions, and Lambda keeps 100 unreserved: no
    reservation by default, and the defaults' peak (api + executor batches + the sweep) fits 10."""
    variables = root().variables
    assert variables["reserve_concurrency"]["default"] is False
    assert "L-B99A9384" in variables["reserve_concurrency"]["description"]
    module, _, api = lambda_by_package("api")
    _, _, executor = lambda_by_package("executor")
    assert api["reserved_concurrent_executions"] == "${var.reserve_concurrency ? var.api_max_concurrency : -1}"
    assert executor["reserved_concurrent_executions"] == (
        "${var.reserve_concurrency ? var.executor_max_concurrency + 1 : -1}"
    ), "one more than the event source's maximum, for the sweep"
    _, _, esm = one("aws_lambda_event_source_mapping")
    assert single(esm["scaling_config"])["maximum_concurrency"] == "${var.executor_max_concurrency}"
    executor_peak = variables["executor_max_concurrency"]["default"] + 1
    assert executor_peak < NEW_ACCOUNT_CONCURRENCY, "the executor alone would take a new account's quota"
    # A family's strategies due in one minute: batches x batch size orders at once.
    assert variables["executor_max_concurrency"]["default"] * variables["executor_batch_size"]["default"] >= 20


# What RDS PostgreSQL accepts by default per class (main.tf's table), and the code's setting.
def test_the_connection_budget_fits_the_database():
    variables = root().variables
    table = root().locals["db_default_max_connections"]
    max_connections = table[variables["db_instance_class"]["default"]]
    pool = variables["db_pool_size"]["default"]
    assert pool <= 2, "Lambda instances are many: one or two connections each"
    budget = (variables["api_max_concurrency"]["default"] + variables["executor_max_concurrency"]["default"] + 2) * pool + 3
    assert budget <= int(max_connections * 0.8), (budget, max_connections)
    # Terraform refuses a configuration over budget at plan time, with the same formula.
    assert root().locals["db_connection_budget"] == (
        "${(var.api_max_concurrency + var.executor_max_concurrency + 1 + 1) * var.db_pool_size + 3}"
    )
    pre = single(single(root().resources[("terraform_data", "db_connection_budget")]["lifecycle"])["precondition"])
    assert "local.db_max_connections * 0.8" in pre["condition"]
    # Every component is told its pool size.
    for package in lambda_packages():
        assert lambda_environment(package)["ALGO_DATABASE_POOL_SIZE"] == "${tostring(var.db_pool_size)}", package
    module, _, _ = one("aws_ecs_task_definition")
    assert module.locals["environment"]["ALGO_DATABASE_POOL_SIZE"] == "${tostring(var.db_pool_size)}"


CALENDAR = ROOT / "crates" / "core" / "data" / "calendar.txt"


def test_the_feed_worker_runs_in_market_hours_and_special_sessions():
    module, _, _ = one("aws_ecs_task_definition")
    assert root().variables["feed_worker_always_on"]["default"] is False
    service = single(list(module.of_type("aws_ecs_service").values()))
    assert "desired_count" in single(service["lifecycle"])["ignore_changes"][0], "the schedule owns the count"
    target = module.resources[("aws_appautoscaling_target", "this")]
    assert (target["min_capacity"], target["max_capacity"]) == (0, 1)
    actions = module.of_type("aws_appautoscaling_scheduled_action")
    assert set(actions) == {"weekday_start", "weekday_stop", "session_start", "session_stop"}, set(actions)
    for name, action in actions.items():
        assert action["timezone"] == "Asia/Kolkata", name
        size = single(action["scalable_target_action"])
        assert size["min_capacity"] == size["max_capacity"] == (1 if name.endswith("start") else 0), name
    assert "MON-FRI" in actions["weekday_start"]["schedule"]
    hours = root().variables["feed_worker_weekday_hours"]["default"]
    assert hours["start"] <= "09:00" and hours["stop"] >= "15:45", hours
    # The module's pattern finds every special session of the calendar the root reads.
    assert root().variables["calendar_file"]["default"] == "../crates/core/data/calendar.txt"
    pattern = re.search(r'regexall\("(.*?)", var\.calendar_text\)', module.locals["calendar_sessions"]).group(1)
    text = CALENDAR.read_text()
    found = re.findall(pattern.replace("\\\\", "\\"), text)
    lines = [l for l in text.splitlines() if re.match(r"^\d{4}-\d{2}-\d{2} session ", l)]
    assert lines and len(found) == len(lines), (found, lines)


# Top-level attributes that name an AWS resource in its account and region.
NAME_ATTRS = ("name", "function_name", "identifier", "replication_group_id", "alarm_name", "family")
# Names that need no prefix: AWS's own parameter group families, resources named by their parent.
UNPREFIXED = {
    ("aws_db_parameter_group", "family"),
    ("aws_iam_role_policy", "name"),
    ("aws_apigatewayv2_stage", "name"),  # $default, inside the prefixed API
}


def test_every_name_carries_the_environment_prefix():
    """Two environments in one account (or a copy-pasted profile) never share a queue, a
    function or an alarm: each name starts with project-environment."""
    assert root().locals["name"] == "${var.project}-${var.environment}"
    for parent in modules().values():
        for call_name, call in parent.calls.items():
            if "name" in call:
                assert call["name"].startswith("${local.name}"), (call_name, call["name"])
    checked = 0
    for m in modules().values():
        if m.path == INFRA:
            continue
        assert "name" in m.variables, f"{m} takes no name prefix"
        for (rtype, rname), body in m.resources.items():
            for attr in NAME_ATTRS:
                if attr not in body or (rtype, attr) in UNPREFIXED or not isinstance(body[attr], str):
                    continue
                value = body[attr]
                if re.fullmatch(r"\$\{[\w.\[\]]+\}", value) and value != "${var.name}":
                    continue  # another resource's name (an event source's function, say)
                # After the service's own path, for log groups and KMS aliases.
                unpathed = re.sub(r"^(/aws/[\w-]+(/instance)?/|/ecs/|alias/)", "", value)
                assert unpathed.startswith("${var.name}"), f"{m} {rtype}.{rname}.{attr} = {value!r} lacks the ${{var.name}} prefix"
                checked += 1
    assert checked >= 30, checked
    # Log groups too (their names start with the service's path).
    for m, name, group in everything("aws_cloudwatch_log_group"):
        assert "${var.name}" in group["name"], (m, name)


def test_the_provider_allows_only_the_environments_account():
    provider = single(root_doc_blocks("provider"))["aws"]
    assert provider["allowed_account_ids"] == ["${var.aws_account_id}"], provider
    assert "default" not in root().variables["aws_account_id"], "the account must be named, never assumed"


def root_doc_blocks(kind: str) -> list[dict]:
    blocks = []
    for tf in sorted(INFRA.glob("*.tf")):
        with tf.open() as f:
            blocks += unquote(hcl2.load(f)).get(kind, [])
    return blocks


def test_gitignore_keeps_state_plans_tfvars_and_backend_settings_out():
    ignored = [
        "infra/terraform.tfstate",
        "infra/terraform.tfstate.backup",
        "infra/.terraform/providers/x",
        "infra/tfplan",
        "infra/prod.tfplan",
        "infra/terraform.tfvars",
        "infra/staging.tfvars",
        "infra/backend.hcl",
        "infra/crash.log",
    ]
    kept = ["infra/terraform.tfvars.example", "infra/backend.hcl.example", "infra/main.tf", "infra/.terraform.lock.hcl"]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin", "-v", "-n"],
        cwd=ROOT,
        input="\n".join(ignored + kept),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    verdict = {}
    for line in result.stdout.splitlines():
        source, path = line.split("\t", 1)
        # "::" (no pattern) or a negated pattern ("!...") means not ignored.
        pattern = source.split(":", 2)[2] if source.count(":") >= 2 else ""
        verdict[path] = bool(pattern) and not pattern.startswith("!")
    assert all(verdict[p] for p in ignored), {p: verdict[p] for p in ignored}
    assert not any(verdict[p] for p in kept), {p: verdict[p] for p in kept}


def test_required_version_covers_the_backend_settings():
    version = single(root_doc_blocks("terraform"))["required_version"]
    m = re.fullmatch(r">=\s*(\d+)\.(\d+)\.(\d+)", version)
    assert m, version
    floor = tuple(int(x) for x in m.groups())
    example = (INFRA / "backend.hcl.example").read_text()
    if re.search(r"^use_lockfile\s*=\s*true", example, re.M):
        assert floor >= (1, 10, 0), f"use_lockfile needs Terraform 1.10, required_version is {version}"
    # plantimestamp() (the feed worker's special sessions) needs 1.5.
    assert floor >= (1, 5, 0)


def test_redis_parameter_group_family_exists():
    """ElastiCache's defaults are default.redis6.x (all of 6.x) and default.redis7."""
    module, _, group = one("aws_elasticache_replication_group")
    assert group["parameter_group_name"] == "${local.parameter_group_name}"
    chosen = module.locals["parameter_group_name"]
    assert '"default.redis6.x"' in chosen and "default.redis${local.major}" in chosen, chosen
    version = root().variables["redis_engine_version"]["default"]
    assert version.split(".")[0] in ("6", "7"), version


# The signals issue #19 asks to alarm on: (namespace, metric) -> what it means.
ALARMED = {
    ("AWS/SQS", "ApproximateAgeOfOldestMessage"): "orders waiting too long",
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible"): "dead letters",
    ("AWS/Lambda", "Throttles"): "api and executor throttled",
    ("AWS/Lambda", "Errors"): "api and executor errors",
    ("AWS/ApiGateway", "5xx"): "API answers 5xx",
    ("AWS/RDS", "DatabaseConnections"): "RDS connections",
    ("AWS/RDS", "FreeStorageSpace"): "RDS disk",
    ("AWS/DynamoDB", "ReadThrottleEvents"): "ledger throttled",
    ("AWS/DynamoDB", "WriteThrottleEvents"): "ledger throttled",
    ("AWS/Scheduler", "InvocationDroppedCount"): "Scheduler delivery failures",
    ("AWS/Scheduler", "TargetErrorCount"): "Scheduler delivery failures",
    ("ECS/ContainerInsights", "RunningTaskCount"): "feed worker not running",
    ("AWS/EC2", "StatusCheckFailed"): "NAT instance down",
    ("AWS/ElastiCache", "EngineCPUUtilization"): "Redis down or busy",
}


def alarm_metrics(body: dict) -> set[tuple[str, str]]:
    if "metric_name" in body:
        name = body["metric_name"]
        each = body.get("for_each")
        if name == "${each.key}":
            # for_each = toset(["A", "B"]) parses as one expression: take its literals.
            names = re.findall(r'"(\w+)"', each) if isinstance(each, str) else list(each)
        elif m := re.fullmatch(r"\$\{each\.value\.(\w+)\}", name):
            names = [v[m.group(1)] for v in each.values()]
        else:
            names = [name]
        return {(body["namespace"], n) for n in names}
    found = set()
    for query in body.get("metric_query", []):
        for metric in query.get("metric", []):
            found.add((metric["namespace"], metric["metric_name"]))
    return found


def test_the_alarm_set_covers_what_matters_and_reaches_someone():
    module = modules()[INFRA / "modules" / "alarms"]
    alarms = module.of_type("aws_cloudwatch_metric_alarm")
    covered = set().union(*(alarm_metrics(b) for b in alarms.values()))
    missing = {k: v for k, v in ALARMED.items() if k not in covered}
    assert not missing, f"no alarm on {missing}"
    for name, body in alarms.items():
        assert body["alarm_actions"] == "${local.actions}", name
        assert body.get("alarm_description"), name
    # Lambda errors and throttles on both functions.
    throttles = alarms["lambda_throttles"]["for_each"]
    assert set(throttles) == {"api", "executor"}, throttles
    fns = {alarms[n]["dimensions"]["FunctionName"] for n in ("api_errors", "executor_errors")}
    assert fns == {"${var.api_function_name}", "${var.executor_function_name}"}
    # The oldest-message alarm watches the order queue, not its DLQ.
    assert alarms["orders_oldest_message"]["dimensions"] == {"QueueName": "${var.orders_queue_name}"}
    _, _, call = call_of(module)
    assert call["orders_queue_name"] == "${module.queue.orders_queue_name}"
    # Outside market hours the desired count is 0: the alarm compares desired with running.
    not_running = alarms["feed_worker_not_running"]
    assert ("ECS/ContainerInsights", "DesiredTaskCount") in alarm_metrics(not_running)
    # The health-check event rule also publishes to the topic.
    assert module.resources[("aws_cloudwatch_event_target", "feed_worker_unhealthy")]["arn"] == "${aws_sns_topic.alarms.arn}"
    # The address is required: no default, no count on the subscription.
    assert "default" not in root().variables["alarm_email"]
    assert "default" not in module.variables["alarm_email"]
    sub = module.resources[("aws_sns_topic_subscription", "email")]
    assert "count" not in sub and sub["endpoint"] == "${var.alarm_email}"
    assert module.locals["actions"] == ["${aws_sns_topic.alarms.arn}"]


def test_no_secret_value_is_written_in_the_repository():
    for m, name, version in everything("aws_secretsmanager_secret_version"):
        assert expr(version["secret_string"]), f"{m} {name}: secret_string must be computed, not a literal"
    for m, name, db in everything("aws_db_instance"):
        assert db.get("manage_master_user_password") is True and "password" not in db, f"{m} {name}"
    for m, name, rg in everything("aws_elasticache_replication_group"):
        assert expr(rg["auth_token"]), f"{m} {name}: auth_token must be generated"
        assert rg["transit_encryption_enabled"] is True and rg["at_rest_encryption_enabled"] is True


def test_root_variables_have_descriptions_and_validation():
    for name, var in root().variables.items():
        assert var.get("description"), f"variable {name} has no description"
        if var.get("type") != "bool":
            assert var.get("validation"), f"variable {name} has no validation"
    for m in modules().values():
        for name, var in m.variables.items():
            assert var.get("description"), f"{m}: variable {name} has no description"
        for name, out in m.outputs.items():
            assert out.get("description"), f"{m}: output {name} has no description"


def test_the_readme_lists_every_variable_and_output():
    readme = (INFRA / "README.md").read_text()
    listed = set(re.findall(r"^\| `(\w+)` \|", readme, re.M))
    missing = sorted(set(root().variables) - listed)
    assert not missing, f"infra/README.md, Variables: {missing}"
    outputs_section = readme.split("## Outputs", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(\w+)`", outputs_section))
    assert not sorted(set(root().outputs) - named), sorted(set(root().outputs) - named)


# --- module wiring (what `terraform validate` would catch) -------------------------------------

RESOURCE_REF = re.compile(r"(?<![\w.])((?:aws|random)_[a-z0-9_]+)\.([a-z0-9_-]+)\b")
DATA_REF = re.compile(r"(?<![\w.])data\.([a-z0-9_]+)\.([a-z0-9_-]+)\b")


def test_module_calls_match_module_variables():
    for parent in modules().values():
        for name, call in parent.calls.items():
            child_dir = (parent.path / call["source"]).resolve()
            assert child_dir in modules(), f"{parent} module {name}: no module at {call['source']}"
            child = modules()[child_dir]
            args = set(call) - {"source", "depends_on", "count", "for_each", "providers"}
            declared = set(child.variables)
            assert args <= declared, f"{parent} module {name}: unknown arguments {sorted(args - declared)}"
            required = {v for v, body in child.variables.items() if "default" not in body}
            assert required <= args, f"{parent} module {name}: missing {sorted(required - args)}"


def test_references_name_declared_things():
    for m in modules().values():
        text = m.text
        for var in set(re.findall(r"(?<![\w.])var\.(\w+)", text)):
            assert var in m.variables, f"{m}: var.{var} is not declared"
        for loc in set(re.findall(r"(?<![\w.])local\.(\w+)", text)):
            assert loc in m.locals, f"{m}: local.{loc} is not declared"
        for mod, out in set(re.findall(r"(?<![\w.])module\.(\w+)\.(\w+)", text)):
            assert mod in m.calls, f"{m}: module.{mod} is not called"
            child = modules()[(m.path / m.calls[mod]["source"]).resolve()]
            assert out in child.outputs, f"{m}: module.{mod} has no output {out}"
        for dtype, dname in set(DATA_REF.findall(text)):
            assert (dtype, dname) in m.data, f"{m}: data.{dtype}.{dname} is not declared"
        text_without_data = DATA_REF.sub("", text)
        for rtype, rname in set(RESOURCE_REF.findall(text_without_data)):
            if rname in ("amazonaws", "com"):
                continue
            assert (rtype, rname) in m.resources, f"{m}: {rtype}.{rname} is not declared"
