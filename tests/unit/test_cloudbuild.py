"""cloudbuild.yaml, checked without Google Cloud: Cloud Build rejects a file whose
substitutions do not match (MUST_MATCH) only when someone runs it, and an unpinned builder
or a shell `$VAR` that Cloud Build swallows fails only then too. These tests fail first."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
# Cloud Build's built-in substitutions that this file may use.
BUILTINS = {"PROJECT_ID", "BUILD_ID", "PROJECT_NUMBER", "LOCATION", "SHORT_SHA", "COMMIT_SHA"}
# $NAME or ${NAME} not preceded by another $ ($$ is a literal $ for the shell).
REFERENCE = re.compile(r"(?<!\$)\$(?:\{(\w+)\}|(\w+))")


def config() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return []


def references() -> set[str]:
    text = "\n".join(strings(config()["steps"]))
    return {a or b for a, b in REFERENCE.findall(text.replace("$$", "\0\0"))}


def step(step_id: str) -> dict[str, Any]:
    (found,) = [s for s in config()["steps"] if s.get("id") == step_id]
    return found


def args(step_id: str) -> str:
    return "\n".join(strings(step(step_id).get("args", [])))


def test_every_substitution_used_is_declared_and_every_declared_one_is_used() -> None:
    declared = set(config()["substitutions"])
    used = references()
    user = {name for name in used if name.startswith("_")}
    assert user - declared == set(), "used but not declared"
    assert declared - user == set(), "declared but not used"
    assert all(re.fullmatch(r"_[A-Z][A-Z0-9_]*", name) for name in declared)
    assert config()["options"]["substitution_option"] == "MUST_MATCH"


def test_no_other_dollar_reaches_cloud_build() -> None:
    """A shell variable written $NAME instead of $$NAME would be taken for a substitution:
    MUST_MATCH fails the build, or it silently becomes empty."""
    unknown = {n for n in references() if not n.startswith("_") and n not in BUILTINS}
    assert unknown == set()


def test_the_defaults_are_plain_strings() -> None:
    for name, value in config()["substitutions"].items():
        assert isinstance(value, str) and value, name


def test_every_builder_is_pinned_to_a_version_tag() -> None:
    for s in config()["steps"]:
        image = s["name"]
        assert "@sha256:" in image or ":" in image.rsplit("/", 1)[-1], f"{image}: no tag"
        tag = image.rsplit(":", 1)[-1]
        assert tag != "latest" and re.search(r"\d+\.\d+", tag), f"{image}: not a version"


def test_the_steps_run_in_order_test_build_push_deploy_schedule() -> None:
    steps = config()["steps"]
    assert [s.get("id") for s in steps] == ["test", "build", "push", "deploy", "schedule"]
    # nothing runs out of order (waitFor "-" would start a step at once)
    assert all("waitFor" not in s for s in steps)
    assert "dev.py" in args("test") and "test" in args("test")


def test_the_image_built_is_the_image_pushed_and_deployed() -> None:
    image = "${_REGION}-docker.pkg.dev/$PROJECT_ID/${_REPOSITORY}/${_IMAGE}:$BUILD_ID"
    assert f"--tag={image}" in args("build")
    assert image in args("push")
    assert f"--image={image}" in args("deploy")


def test_the_deploy_step_names_a_service_account_secrets_and_limits() -> None:
    deploy = args("deploy")
    assert "run\njobs\ndeploy\n${_JOB}" in deploy
    assert "--service-account=${_JOB_SA}@$PROJECT_ID.iam.gserviceaccount.com" in deploy
    (secrets,) = [a for a in deploy.splitlines() if a.startswith("--set-secrets=")]
    assert "/config/trust.toml=${_CONFIG_SECRET}:" in secrets
    assert "DESTSYNC_SMTP_PASSWORD=${_SMTP_SECRET}:" in secrets
    for flag in ("--tasks=${_TASKS}", "--max-retries=${_MAX_RETRIES}",
                 "--task-timeout=${_TASK_TIMEOUT}", "--region=${_REGION}",
                 "--args=sync,--config,/config/trust.toml,--json"):
        assert flag in deploy.splitlines(), flag


def test_the_smtp_variable_is_the_one_the_example_config_names() -> None:
    example = (ROOT / "config" / "example.toml").read_text(encoding="utf-8")
    assert 'password_env = "DESTSYNC_SMTP_PASSWORD"' in example


def test_the_scheduler_posts_to_the_jobs_run_endpoint_with_an_oauth_token() -> None:
    script = args("schedule")
    url = ("https://run.googleapis.com/v2/projects/$PROJECT_ID/locations/${_REGION}"
           "/jobs/${_JOB}:run")
    assert f'--uri="{url}"' in script
    assert "--http-method=POST" in script
    assert "--oauth-service-account-email=" in script and "${_SCHEDULER_SA}@" in script
    assert "--oauth-token-scope=https://www.googleapis.com/auth/cloud-platform" in script
    assert "--time-zone=Europe/London" in script
    assert "--schedule=\"${_SCHEDULE}\"" in script
    # create or update: a second build must not fail because the trigger exists
    for verb in ("describe", "update http", "create http"):
        assert f"gcloud scheduler jobs {verb}" in script


def test_the_deploy_guide_passes_every_substitution_and_is_linked() -> None:
    """docs/deploy.md's first `gcloud builds submit` names every substitution, so a
    technician who changed a name in its variables block deploys with that name."""
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    (line,) = [ln for ln in guide.splitlines() if ln.strip().startswith("--substitutions=")]
    passed = {pair.split("=", 1)[0] for pair in line.split("=", 1)[1].strip('"').split(",")}
    assert passed == set(config()["substitutions"])
    assert "(docs/deploy.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
