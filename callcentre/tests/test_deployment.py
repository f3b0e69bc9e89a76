"""The deployment files stay valid: compose file, production settings, local secrets.

No database: each check runs a subprocess or reads a file.
"""

import os
import re
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
BIN_DIR = Path(sys.executable).parent


def run(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def base_env() -> dict[str, str]:
    """A clean environment: nothing from the developer's shell or the test settings leaks in."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    if "HOME" in os.environ:
        env["HOME"] = os.environ["HOME"]
    return env


def production_env() -> dict[str, str]:
    return {
        **base_env(),
        "DJANGO_SETTINGS_MODULE": "callcentre.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "VONAGE_SIGNATURE_SECRET": secrets.token_urlsafe(32),
        "VONAGE_API_KEY": "abc123",
        "ALLOWED_HOSTS": "centre.example.com",
        "PUBLIC_URL": "https://centre.example.com",
    }


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=env
    )


def test_compose_file_is_valid_against_the_compose_specification():
    checker = BIN_DIR / "check-jsonschema"
    command = [str(checker)] if checker.exists() else [sys.executable, "-m", "check_jsonschema"]
    result = run(
        [*command, "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)], env=base_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_interpolations_are_well_formed():
    text = COMPOSE_FILE.read_text().replace("$$", "")
    well_formed = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?[-?+])[^}]*)?\}")
    leftovers = well_formed.sub("", text)
    assert "$" not in leftovers, "a $ that compose cannot interpolate (use $$ for a literal $)"


def test_compose_routes_services_as_designed():
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    services = compose["services"]
    assert {"web", "ws", "proxy", "worker", "beat", "db", "redis", "minio", "migrate"} <= set(
        services
    )
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    for name in ("web", "ws", "worker", "beat"):
        environment = services[name]["environment"]
        for variable in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "VONAGE_SIGNATURE_SECRET"):
            assert variable in environment, (name, variable)
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "server web:8000;" in nginx and "server ws:8001;" in nginx
    assert re.search(r"location /ws/ \{[^}]*proxy_set_header Upgrade \$http_upgrade;", nginx)


def test_gunicorn_config_reads_port_and_concurrency(monkeypatch):
    config_file = str(ROOT / "deploy" / "gunicorn.conf.py")
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.delenv("GUNICORN_ACCESS_LOG", raising=False)
    config = runpy.run_path(config_file)
    assert config["bind"] == "0.0.0.0:9123"
    assert config["workers"] == 3
    assert config["worker_class"] == "sync"
    assert config["accesslog"] is None
    monkeypatch.delenv("PORT")
    monkeypatch.delenv("WEB_CONCURRENCY")
    config = runpy.run_path(config_file)
    assert config["bind"] == "0.0.0.0:8000"
    assert config["workers"] >= 3


def test_deploy_check_passes_with_production_settings():
    result = check_deploy(production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = check_deploy(env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def read_env_file(path: Path) -> dict[str, str]:
    """What the Makefile gets by sourcing the file in a POSIX shell."""
    result = run(["sh", "-c", '. "$1" && env', "sh", str(path)], env=base_env())
    assert result.returncode == 0, result.stderr
    variables = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return {
        name: value for name, value in variables.items() if name.startswith(("SECRET", "VONAGE"))
    }


def test_local_env_is_created_once_and_kept(tmp_path):
    from cryptography.hazmat.primitives import serialization

    project = tmp_path / "a project $dir"
    project.mkdir()
    script = str(ROOT / "scripts" / "local_env.py")

    first = run([sys.executable, script, str(project)], env=base_env())
    assert first.returncode == 0, first.stderr
    env_file = project / ".local.env"
    values = read_env_file(env_file)
    content = env_file.read_text()

    second = run([sys.executable, script, str(project)], env=base_env())
    assert second.returncode == 0, second.stderr
    assert second.stdout == ""
    assert env_file.read_text() == content
    assert read_env_file(env_file) == values

    assert len(values["SECRET_KEY"]) >= 50
    assert values["VONAGE_SIGNATURE_SECRET"]
    assert values["VONAGE_API_KEY"] == "sandbox"
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}",
        values["VONAGE_APPLICATION_ID"],
    )
    key_path = Path(values["VONAGE_PRIVATE_KEY"])
    assert key_path == project / "var" / "vonage_private.pem"
    pem = key_path.read_bytes()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, unencrypted
    key = serialization.load_pem_private_key(pem, password=None)
    assert key.key_size >= 2048
    assert env_file.stat().st_mode & 0o077 == 0
    assert key_path.stat().st_mode & 0o077 == 0


def test_local_env_does_not_override_the_callers_environment(tmp_path):
    script = str(ROOT / "scripts" / "local_env.py")
    assert run([sys.executable, script, str(tmp_path)], env=base_env()).returncode == 0
    result = run(
        ["sh", "-c", '. "$1"; printf %s "$SECRET_KEY"', "sh", str(tmp_path / ".local.env")],
        env={**base_env(), "SECRET_KEY": "set-by-the-user"},
    )
    assert result.stdout == "set-by-the-user"
