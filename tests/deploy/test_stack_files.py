"""compose.yaml, Traefik and the image: well-formed per the published schemas, and right."""

from __future__ import annotations

import copy
import re

import jsonschema
import pytest

from app.config import ROOT, Settings
from app.web import CSP
from tests.deploy.conftest import load_schema, load_yaml

LONG_RUNNING = ("traefik", "db", "app", "scheduler")
ONE_SHOT = ("migrate", "backup")
# ${VAR}, ${VAR:-default}, ${VAR?err}; $${VAR} is an escaped literal for the container.
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?+-][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_yaml("compose.yaml")


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def traefik_static() -> dict:
    return load_yaml("traefik/traefik.yml")


@pytest.fixture(scope="module")
def dynamic() -> dict:
    """Every file of traefik/dynamic merged (they use disjoint keys)."""
    merged: dict = {}
    for path in sorted((ROOT / "traefik" / "dynamic").glob("*.yml")):
        for key, value in load_yaml(str(path.relative_to(ROOT))).items():
            merged.setdefault(key, {}).update(value)
    return merged


def env_example_names() -> set[str]:
    """Variables .env.example sets or documents (`NAME=` or `# NAME=`)."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


@pytest.mark.parametrize(
    "path, schema",
    [
        ("compose.yaml", "compose-spec.json"),
        ("traefik/traefik.yml", "traefik-v3.json"),
        *[
            (f"traefik/dynamic/{p.name}", "traefik-v3-file-provider.json")
            for p in sorted((ROOT / "traefik" / "dynamic").glob("*.yml"))
        ],
    ],
)
def test_files_validate_against_the_published_schemas(path, schema):
    jsonschema.Draft7Validator(load_schema(schema)).validate(load_yaml(path))


def test_schema_check_would_catch_a_malformed_file(compose, traefik_static):
    broken = copy.deepcopy(compose)
    broken["services"]["db"]["ports"] = {"3306": "3306"}  # a mapping where a list belongs
    assert not jsonschema.Draft7Validator(load_schema("compose-spec.json")).is_valid(broken)
    broken = copy.deepcopy(traefik_static)
    broken["entryPoints"]["web"]["adress"] = ":80"
    assert not jsonschema.Draft7Validator(load_schema("traefik-v3.json")).is_valid(broken)


def test_database_is_only_on_the_internal_network_and_publishes_nothing(compose, services):
    db = services["db"]
    assert db["networks"] == ["internal"]
    assert compose["networks"]["internal"]["internal"] is True
    assert "ports" not in db and "expose" not in db
    assert "network_mode" not in db
    assert services["db"]["image"].startswith("mariadb:11.4")
    assert "--character-set-server=utf8mb4" in db["command"]
    assert any(c.startswith("--collation-server=utf8mb4_") for c in db["command"])
    assert any(v.startswith("db:/var/lib/mysql") for v in db["volumes"])
    assert "db" in compose["volumes"]


def test_only_traefik_publishes_ports_and_only_80_and_443(services):
    for name, svc in services.items():
        if name != "traefik":
            assert "ports" not in svc, name
    assert sorted(services["traefik"]["ports"]) == ["443:443", "80:80"]


def test_networks_reach_what_each_service_needs(compose, services):
    # The worker calls graph.instagram.com: an internal network alone has no way out.
    assert "internal" in services["scheduler"]["networks"]
    outbound = [n for n in services["scheduler"]["networks"] if n != "internal"]
    assert outbound and not compose["networks"][outbound[0]].get("internal")
    assert set(services["app"]["networks"]) == {"proxy", "internal"}
    assert services["traefik"]["networks"] == ["proxy"]
    assert services["migrate"]["networks"] == ["internal"]
    proxy_name = compose["networks"]["proxy"]["name"]
    assert services["app"]["labels"]["traefik.docker.network"] == proxy_name


def test_every_service_restarts_logs_with_limits_and_has_a_health_check(services):
    for name in LONG_RUNNING:
        svc = services[name]
        assert svc["restart"] == "unless-stopped", name
        assert svc["healthcheck"]["test"] and not svc["healthcheck"].get("disable"), name
    for name in ONE_SHOT:
        assert services[name]["restart"] == "no", name
        assert services[name]["healthcheck"] == {"disable": True}, name
    for name, svc in services.items():
        logging = svc["logging"]
        assert logging["driver"] == "json-file", name
        assert logging["options"]["max-size"] and logging["options"]["max-file"], name


def test_health_checks_ask_the_right_things(services):
    assert services["db"]["healthcheck"]["test"] == [
        "CMD",
        "healthcheck.sh",
        "--connect",
        "--innodb_initialized",
    ]
    assert "/healthz" in " ".join(services["app"]["healthcheck"]["test"])
    assert "deploy/scheduler_health.py" in services["scheduler"]["healthcheck"]["test"]
    assert "healthcheck" in services["traefik"]["healthcheck"]["test"]


def test_migrations_run_first_after_check_env(services):
    migrate = services["migrate"]
    script = " ".join(migrate["command"])
    assert script.index("deploy/check-env") < script.index(
        "python -m alembic -c migrations/alembic.ini upgrade head"
    )
    assert "&&" in script  # a failed check stops the migration
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("app", "scheduler"):
        deps = services[name]["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully", name
        assert deps["db"]["condition"] == "service_healthy", name


def test_app_and_scheduler_commands_share_the_image_and_media(services):
    assert services["app"]["command"] == [
        "gunicorn",
        "-c",
        "deploy/gunicorn.conf.py",
        "app.wsgi:app",
    ]
    assert services["scheduler"]["command"] == ["python", "-m", "scheduler"]
    images = {services[n]["image"] for n in ("app", "scheduler", "migrate", "backup")}
    assert len(images) == 1
    for name in ("app", "scheduler", "backup"):
        svc = services[name]
        assert "media:/data/media" in svc["volumes"], name
        assert svc["environment"]["MEDIA_DIR"] == "/data/media", name
    assert services["scheduler"]["deploy"]["replicas"] >= 1


def test_app_router_uses_https_the_resolver_and_the_middlewares(services, dynamic):
    labels = services["app"]["labels"]
    assert labels["traefik.enable"] == "true"
    routers = {k.split(".")[3] for k in labels if k.startswith("traefik.http.routers.")}
    assert {"kezek", "kezek-login", "kezek-api"} <= routers
    middlewares = dynamic["http"]["middlewares"]
    for router in routers:
        prefix = f"traefik.http.routers.{router}."
        assert "Host(`${DOMAIN}`)" in labels[prefix + "rule"], router
        assert labels[prefix + "entrypoints"] == "websecure", router
        assert labels[prefix + "tls.certresolver"] == "letsencrypt", router
        used = labels[prefix + "middlewares"].split(",")
        assert "security-headers@file" in used, router
        for ref in used:
            assert ref.removesuffix("@file") in middlewares, ref
    assert "Path(`/login`)" in labels["traefik.http.routers.kezek-login.rule"]
    api_rule = labels["traefik.http.routers.kezek-api.rule"]
    assert "PathPrefix(`/webhooks/`)" in api_rule and "PathPrefix(`/api/`)" in api_rule
    for router in ("kezek-login", "kezek-api"):
        limits = [
            m
            for m in labels[f"traefik.http.routers.{router}.middlewares"].split(",")
            if "rateLimit" in middlewares[m.removesuffix("@file")]
        ]
        assert limits, f"{router} is not rate limited"


def test_traefik_redirects_http_to_https_and_issues_certificates(traefik_static):
    web = traefik_static["entryPoints"]["web"]
    assert web["address"] == ":80"
    redirect = web["http"]["redirections"]["entryPoint"]
    assert redirect["to"] == "websecure" and redirect["scheme"] == "https"
    assert traefik_static["entryPoints"]["websecure"]["address"] == ":443"
    acme = traefik_static["certificatesResolvers"]["letsencrypt"]["acme"]
    assert acme["httpChallenge"]["entryPoint"] == "web"
    assert acme["storage"].startswith("/letsencrypt/")


def test_traefik_static_settings_are_locked_down(traefik_static, services):
    assert "api" not in traefik_static  # any `api:` section would switch the API on
    docker = traefik_static["providers"]["docker"]
    assert docker["exposedByDefault"] is False
    assert "accessLog" in traefik_static
    assert "/var/run/docker.sock:/var/run/docker.sock:ro" in services["traefik"]["volumes"]
    assert any(v.startswith("letsencrypt:/letsencrypt") for v in services["traefik"]["volumes"])
    assert services["traefik"]["image"].startswith("traefik:v3")


def test_acme_email_comes_from_env_into_the_static_file(traefik_static, services):
    acme = traefik_static["certificatesResolvers"]["letsencrypt"]["acme"]
    token = acme["email"]
    start = " ".join(services["traefik"]["command"])
    assert f"s|{token}|$${{ACME_EMAIL}}|" in start
    assert "--configFile=/tmp/traefik.yml" in start
    assert services["traefik"]["environment"]["ACME_EMAIL"] == "${ACME_EMAIL}"


def test_tls_needs_1_2_and_modern_ciphers(dynamic):
    default = dynamic["tls"]["options"]["default"]
    assert default["minVersion"] in ("VersionTLS12", "VersionTLS13")
    for suite in default["cipherSuites"]:
        assert suite.startswith("TLS_ECDHE_"), suite
        assert "GCM" in suite or "CHACHA20" in suite, suite
        assert "CBC" not in suite and "RC4" not in suite and "3DES" not in suite


def test_security_headers_match_the_app(dynamic):
    headers = dynamic["http"]["middlewares"]["security-headers"]["headers"]
    assert headers["stsSeconds"] >= 15552000
    assert headers["contentTypeNosniff"] is True
    assert headers["frameDeny"] is True
    assert headers["referrerPolicy"]
    # Browsers enforce every CSP header they get: the proxy's must be the app's own.
    assert headers["contentSecurityPolicy"] == CSP
    assert CSP.startswith("default-src 'self'") and "frame-ancestors 'none'" in CSP


def test_no_secret_is_written_in_compose():
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    for match in re.finditer(r"(PASSWORD|SECRET|TOKEN|PASSPHRASE|KEY)\w*:\s*(\S+)", text):
        assert match.group(2).startswith("${"), match.group(0)


def _strings(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, str):
        yield node


def test_every_compose_variable_is_in_env_example(compose):
    used = {name for text in _strings(compose) for name in INTERPOLATION.findall(text)}
    assert used, "compose.yaml interpolates nothing?"
    assert used - env_example_names() == set()


def test_every_setting_of_the_app_is_in_env_example():
    fields = set(Settings.__dataclass_fields__) - {"extra"}
    assert fields - env_example_names() == set()


def test_env_example_holds_only_placeholders_for_secrets():
    from app.config import is_placeholder

    values = dict(
        re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", (ROOT / ".env.example").read_text(), re.M)
    )
    for name in (
        "SECRET_KEY",
        "TOKEN_ENCRYPTION_KEYS",
        "MARIADB_ROOT_PASSWORD",
        "MARIADB_PASSWORD",
        "INSTAGRAM_APP_SECRET",
        "INSTAGRAM_WEBHOOK_VERIFY_TOKEN",
        "BACKUP_PASSPHRASE",
        "DOMAIN",
        "ACME_EMAIL",
    ):
        assert is_placeholder(values[name]), name


def test_dockerfile_builds_a_small_non_root_image():
    text = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\w+))?", text, re.MULTILINE | re.IGNORECASE)
    assert len(stages) >= 2, "not multi-stage"
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", text, re.MULTILINE)
    final = text[text.rindex("\nFROM ") :]
    assert re.search(r"^RUN pybabel compile .*-d app/translations", text, re.MULTILINE)
    user = re.findall(r"^USER\s+(\S+)", final, re.MULTILINE)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", final, re.MULTILINE)
    assert "COPY --from=build" in final
    # The final stage installs no compiler and keeps no package lists or pip cache.
    assert not re.search(r"\b(gcc|build-essential|g\+\+|make)\b", final)
    assert "rm -rf /var/lib/apt/lists/*" in final
    assert "pip install" not in final
    assert "--no-cache-dir" in text
    cmd = re.findall(r"^CMD (.+)$", final, re.MULTILINE)[-1]
    assert "deploy/gunicorn.conf.py" in cmd and "app.wsgi:app" in cmd


def test_dockerignore_keeps_secrets_and_local_state_out():
    text = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip()[:1] not in ("", "#")]
    assert lines[0] == "**"  # everything out, then only what the image needs back in
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert allowed == {"requirements.txt", "app", "scheduler", "migrations", "deploy"}
