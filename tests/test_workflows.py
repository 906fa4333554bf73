"""The GitHub workflows, the examples a config repo copies, and the pre-commit hook.

Structure is checked on the parsed YAML. Behaviour is checked by running the workflows' own `run:` scripts
with bash and a stub `wxc-reconcile` on PATH, and their github-script scripts with node against a stubbed
GitHub API (skipped where node is missing).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"
EXAMPLES = REPO / "examples" / "github" / "workflows"
REUSABLE = ("plan", "apply", "drift")
MARKER = "<!-- wxc-reconcile:plan -->"
ARTIFACT = "wxc-reconcile-plan"
SECTION = "wxc-reconcile-section"
PINNED = {
    "actions/checkout@v5",
    "actions/setup-python@v6",
    "actions/upload-artifact@v6",
    "actions/download-artifact@v7",
    "actions/github-script@v8",
}
CALLED = re.compile(
    r"^OWNER/wxc-reconcile/(?P<path>\.github/workflows/[\w.-]+\.yml)@(?P<ref>v\d+\.\d+\.\d+)$"
)


def load(path: Path) -> Any:
    # Pure loader: YAML 1.2, where `on:` is the string "on", as GitHub reads it.
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def workflow(name: str) -> dict[str, Any]:
    data: dict[str, Any] = load(WORKFLOWS / f"{name}.yml")
    return data


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = load(EXAMPLES / f"{name}.yml")
    return data


def only_job(wf: Mapping[str, Any]) -> dict[str, Any]:
    (job,) = wf["jobs"].values()
    return dict(job)


def step(wf: Mapping[str, Any], step_id: str) -> dict[str, Any]:
    (found,) = [s for s in all_steps(wf) if s.get("id") == step_id]
    return dict(found)


def all_steps(wf: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [dict(s) for job in wf["jobs"].values() for s in job["steps"]]


# The job of each reusable workflow that runs once per matrix entry (an org, or a batch of orgs).
FANNED = {"plan": "plan", "apply": "apply", "drift": "drift"}


def fanned_job(name: str) -> dict[str, Any]:
    return dict(workflow(name)["jobs"][FANNED[name]])


def steps_using(wf: Mapping[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for job in wf["jobs"].values() for s in job["steps"] if s.get("uses", "").startswith(action)]


def all_workflow_files() -> list[Path]:
    partner = EXAMPLES.parent / "partner" / "workflows"
    return sorted(WORKFLOWS.glob("*.yml")) + sorted(EXAMPLES.glob("*.yml")) + sorted(partner.glob("*.yml"))


def mappings(node: Any) -> Iterator[tuple[str, Any]]:
    """Every key and value of every mapping in a parsed YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key), value
            yield from mappings(value)
    elif isinstance(node, list):
        for item in node:
            yield from mappings(item)


# --- reusable workflows: interface ---------------------------------------------------------------------


@pytest.mark.parametrize("name", REUSABLE)
def test_reusable_workflow_is_only_workflow_call_and_takes_the_token(name: str) -> None:
    wf = workflow(name)
    assert list(wf["on"]) == ["workflow_call"]
    call = wf["on"]["workflow_call"]
    # Optional: with `secrets: inherit`, per-org credentials come by the names the project file gives.
    assert call["secrets"]["webex-access-token"]["required"] is False
    assert call["secrets"]["webex-org-id"]["required"] is False
    inputs = call["inputs"]
    assert inputs["paths"]["type"] == "string"
    assert inputs["paths"]["default"] == "locations.yaml"
    assert inputs["orgs"]["default"] == ""
    assert inputs["package"]["type"] == "string"
    assert inputs["package"]["required"] is True
    assert inputs["python-version"]["default"] == "3.11"
    assert inputs["working-directory"]["default"] == "."
    assert inputs["max-parallel"]["type"] == "number"
    assert inputs["batch-size"]["type"] == "number"


@pytest.mark.parametrize("name", REUSABLE)
def test_token_reaches_only_the_steps_that_talk_to_the_org(name: str) -> None:
    wf = workflow(name)
    assert "env" not in wf
    assert all("env" not in job for job in wf["jobs"].values())
    with_token = [s for s in all_steps(wf) if "WEBEX_ACCESS_TOKEN" in s.get("env", {})]
    assert with_token
    for s in with_token:
        assert s["env"]["WEBEX_ACCESS_TOKEN"] == "${{ secrets.webex-access-token }}"
        assert s["env"]["WEBEX_ORG_ID"] == "${{ secrets.webex-org-id }}"
        assert s["env"]["WXC_SECRETS"] == "${{ toJSON(secrets) }}"
        assert re.search(r"wxc-reconcile (plan|apply)\b", s["run"])
    assert with_token == [s for s in fanned_job(name)["steps"] if "WEBEX_ACCESS_TOKEN" in s.get("env", {})]
    for s in all_steps(wf):
        if s not in with_token:
            assert "secrets." not in json.dumps(s)
            assert "toJSON(secrets)" not in json.dumps(s)


@pytest.mark.parametrize("name", (*REUSABLE, "ci"))
def test_actions_are_pinned_to_the_chosen_major_versions(name: str) -> None:
    used = {s["uses"] for job in workflow(name)["jobs"].values() for s in job["steps"] if "uses" in s}
    assert used
    assert used <= PINNED


def test_each_job_has_least_privilege_permissions() -> None:
    def permissions(name: str) -> dict[str, dict[str, str]]:
        return {job_id: job["permissions"] for job_id, job in workflow(name)["jobs"].items()}

    assert permissions("plan") == {
        "matrix": {"contents": "read"},
        "plan": {"contents": "read"},
        # Only the job that runs none of the PR's files may write: it checks nothing out.
        "comment": {"pull-requests": "write"},
    }
    assert permissions("apply") == {
        "matrix": {"contents": "read", "pull-requests": "read", "actions": "read"},
        "apply": {"contents": "read", "actions": "read"},
    }
    assert permissions("drift") == {"matrix": {"contents": "read"}, "drift": {"contents": "read"}}
    assert workflow("ci")["permissions"] == {"contents": "read"}


@pytest.mark.parametrize("name", REUSABLE)
def test_run_scripts_get_inputs_from_env_never_from_expressions(name: str) -> None:
    # `${{ inputs.x }}` pasted into a script would be shell injection; the scripts read $WXC_* instead.
    for s in all_steps(workflow(name)):
        if "run" in s:
            assert "${{" not in s["run"], s.get("name")
            used = set(re.findall(r"\$\{?(WXC_[A-Z_]+)", s["run"]))
            assert used <= set(s.get("env", {})), s.get("name")


# --- the matrix ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REUSABLE)
def test_a_job_per_matrix_entry_side_by_side_and_none_for_an_empty_matrix(name: str) -> None:
    wf = workflow(name)
    job = fanned_job(name)
    assert job["needs"] == "matrix"
    assert job["strategy"] == {
        "fail-fast": False,  # one org's failure never stops another's
        "max-parallel": "${{ inputs.max-parallel }}",
        "matrix": "${{ fromJSON(needs.matrix.outputs.matrix) }}",
    }
    # Actions refuses a matrix without entries: the job is skipped instead.
    assert job["if"] == "needs.matrix.outputs.count != '0'"
    assert "${{ matrix.key }}" in job["name"]
    matrix_job = wf["jobs"]["matrix"]
    assert matrix_job["outputs"]["matrix"] == "${{ steps.matrix.outputs.matrix }}"
    assert "wxc-reconcile matrix" in step(wf, "matrix")["run"]
    for s in job["steps"]:
        if "run" in s and re.search(r"(?m)^\s*wxc-reconcile (validate|plan|apply)\b", s["run"]):
            assert s["env"]["WXC_MATRIX_ORGS"] == "${{ matrix.orgs }}"


@pytest.mark.parametrize("name", ("plan", "apply"))
def test_the_base_commit_is_in_the_clone_for_changed_since(name: str) -> None:
    (checkout,) = [
        s for s in workflow(name)["jobs"]["matrix"]["steps"] if s.get("uses") == "actions/checkout@v5"
    ]
    assert checkout["with"]["fetch-depth"] == 0


def test_the_credential_export_is_the_same_in_every_workflow() -> None:
    def export(name: str) -> str:
        (s,) = [s for s in fanned_job(name)["steps"] if "WXC_SECRETS" in s.get("env", {})]
        script: str = s["run"]
        return script[: script.index("unset WXC_SECRETS")]

    assert export("plan") == export("apply") == export("drift")


# --- plan ----------------------------------------------------------------------------------------------


def test_plan_comment_has_the_marker_and_the_artifacts_are_keyed_by_the_matrix_key() -> None:
    plan = workflow("plan")
    (comment,) = steps_using(plan, "actions/github-script")
    assert MARKER in comment["with"]["script"]
    uploads = {u["with"]["name"]: u for u in steps_using(plan, "actions/upload-artifact")}
    assert set(uploads) == {f"{ARTIFACT}-${{{{ matrix.key }}}}", f"{SECTION}-${{{{ matrix.key }}}}"}
    upload = uploads[f"{ARTIFACT}-${{{{ matrix.key }}}}"]
    assert 1 <= upload["with"]["retention-days"] <= 14
    assert "plan.json" in upload["with"]["path"]
    # Only a successful plan is saved: apply must never find a failed one.
    assert "steps.plan.outputs.exitcode == '0'" in upload["if"]
    assert "steps.plan.outputs.exitcode == '2'" in upload["if"]
    assert uploads[f"{SECTION}-${{{{ matrix.key }}}}"]["if"] == "${{ !cancelled() }}"

    apply = workflow("apply")
    (download,) = steps_using(apply, "actions/download-artifact")
    assert download["with"]["name"] == upload["with"]["name"]
    assert download["with"]["run-id"] == "${{ needs.matrix.outputs.run-id }}"
    assert download["with"]["github-token"] == "${{ github.token }}"
    assert f"'{ARTIFACT}-'" in step(apply, "find")["with"]["script"]


def test_the_comment_job_gathers_every_section_and_runs_no_pr_file() -> None:
    job = workflow("plan")["jobs"]["comment"]
    assert job["needs"] == ["matrix", "plan"]
    assert job["if"] == "${{ !cancelled() }}"  # also after failed or skipped plans
    uses = [s.get("uses", "") for s in job["steps"]]
    assert not any(u.startswith("actions/checkout") for u in uses)
    (download,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/download-artifact")]
    assert download["with"]["pattern"] == f"{SECTION}-*"
    assert "run-id" not in download["with"]  # this run's own sections only
    compose = step(workflow("plan"), "compose")
    assert "wxc-reconcile comment" in compose["run"]
    assert compose["env"]["WXC_MATRIX"] == "${{ needs.matrix.outputs.matrix }}"


def test_plan_exposes_has_changes_and_exitcode() -> None:
    outputs = workflow("plan")["on"]["workflow_call"]["outputs"]
    assert outputs["has-changes"]["value"] == "${{ jobs.comment.outputs.has-changes }}"
    assert outputs["exitcode"]["value"] == "${{ jobs.comment.outputs.exitcode }}"
    job_outputs = workflow("plan")["jobs"]["comment"]["outputs"]
    assert job_outputs["has-changes"] == "${{ steps.compose.outputs.has-changes }}"


# --- apply ---------------------------------------------------------------------------------------------


def test_apply_never_overlaps_for_one_org_and_never_cancels_a_running_apply() -> None:
    job = fanned_job("apply")
    assert job["concurrency"] == {
        "group": "wxc-reconcile-apply-${{ github.repository }}-${{ matrix.key }}",
        "cancel-in-progress": False,
    }


# --- running the run: scripts with a stub wxc-reconcile ---------------------------------------------------


@dataclass
class StepRun:
    returncode: int
    stdout: str
    calls: list[list[str]]
    outputs: dict[str, str]
    env: list[dict[str, str | None]]


class StepRunner:
    """Runs a step's script as GitHub does (bash -eo pipefail) with a stub `wxc-reconcile` on PATH.

    The stub records its arguments and exits with the next of `codes` (0 once they run out); for `plan` it
    prints a markdown plan on stdout.
    """

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        stub = self.bin / "wxc-reconcile"
        stub.write_text(
            f"#!{sys.executable}\n"
            "import json, os, sys\n"
            "state = os.environ['STUB_STATE']\n"
            "with open(state) as f: data = json.load(f)\n"
            "data['calls'].append(sys.argv[1:])\n"
            "data['env'].append({k: os.environ.get(k) for k in ('ACME_TOKEN', 'GITHUB_TOKEN', 'PATH_X', "
            "'WEBEX_ACCESS_TOKEN', 'WXC_SECRETS')})\n"
            "code = data['codes'].pop(0) if data['codes'] else 0\n"
            "with open(state, 'w') as f: json.dump(data, f)\n"
            f"if sys.argv[1] == 'plan': print({MARKER!r}); print('**Plan:** 1 location to change')\n"
            "if sys.argv[1] == 'matrix': print(json.dumps({'include': [{'key': 'acme', 'orgs': 'acme'}]}))\n"
            "sys.exit(code)\n",
            encoding="utf-8",
        )
        stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
        self.runner_temp = tmp_path / "runner"
        self.runner_temp.mkdir()

    def saved_plan(self) -> Path:
        """A plan.json where apply.yml's download step puts the reviewed plan."""
        saved = self.runner_temp / "wxc-reconcile-plan" / "plan.json"
        saved.parent.mkdir()
        saved.write_text("{}", encoding="utf-8")
        return saved

    def __call__(self, script: str, env: Mapping[str, str], codes: list[int]) -> StepRun:
        state = self.tmp / "stub.json"
        state.write_text(json.dumps({"calls": [], "env": [], "codes": codes}), encoding="utf-8")
        output = self.tmp / "github_output"
        output.write_text("", encoding="utf-8")
        script_file = self.tmp / "step.sh"
        script_file.write_text(script, encoding="utf-8")
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=self.tmp,
            env={
                "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
                "RUNNER_TEMP": str(self.runner_temp),
                "GITHUB_OUTPUT": str(output),
                "STUB_STATE": str(state),
                **env,
            },
            capture_output=True,
            text=True,
            check=False,
        )
        lines = output.read_text(encoding="utf-8").splitlines()
        recorded = json.loads(state.read_text(encoding="utf-8"))
        return StepRun(
            returncode=result.returncode,
            stdout=result.stdout,
            calls=recorded["calls"],
            outputs=dict(line.split("=", 1) for line in lines),
            env=recorded["env"],
        )


@pytest.fixture
def run_step(tmp_path: Path) -> StepRunner:
    if shutil.which("bash") is None:
        pytest.skip("bash is needed to run the workflows' scripts")
    return StepRunner(tmp_path)


def test_validate_annotates_and_fails_on_invalid_input(run_step: StepRunner) -> None:
    script = step(workflow("plan"), "validate")["run"]
    result = run_step(script, {"WXC_PATHS": "locations.yaml sites/"}, [3])
    assert result.calls == [["validate", "locations.yaml", "sites/", "--format", "github"]]
    assert result.returncode == 3
    assert result.outputs["exitcode"] == "3"


@pytest.mark.parametrize(("code", "changes"), [(0, "false"), (2, "true"), (1, "false")])
def test_plan_step_records_the_exit_code_and_never_fails_itself(
    run_step: StepRunner, code: int, changes: str
) -> None:
    script = step(workflow("plan"), "plan")["run"]
    result = run_step(script, {"WXC_PATHS": "locations.yaml"}, [code])
    out = run_step.runner_temp / "wxc-reconcile"
    (args,) = result.calls
    assert args == [
        "plan",
        "locations.yaml",
        "--out",
        f"{out}/plan.json",
        "--format",
        "markdown",
        "--detailed-exitcode",
    ]
    assert result.returncode == 0  # so that the comment and the artifact steps still run
    assert result.outputs == {"exitcode": str(code), "has-changes": changes}
    assert (out / "plan.md").read_text(encoding="utf-8").startswith(MARKER)
    assert (out / "exitcode").read_text(encoding="utf-8") == f"{code}\n"  # the section for the comment


@pytest.mark.parametrize(("code", "fails"), [(0, False), (2, False), (1, True), (3, True)])
def test_plan_job_fails_last_on_any_exit_code_but_0_and_2(
    run_step: StepRunner, code: int, fails: bool
) -> None:
    plan = workflow("plan")
    last = plan["jobs"]["plan"]["steps"][-1]
    assert last["if"] == "${{ !cancelled() && steps.plan.outcome == 'success' }}"
    result = run_step(last["run"], {"WXC_EXITCODE": str(code)}, [])
    assert (result.returncode != 0) is fails
    if fails:
        assert "::error::" in result.stdout


def test_apply_uses_the_reviewed_plan_when_it_is_there(run_step: StepRunner) -> None:
    saved = run_step.saved_plan()
    env = {"WXC_PATHS": "locations.yaml", "WXC_FORCE": "false", "WXC_PR": "7"}
    result = run_step(step(workflow("apply"), "apply")["run"], env, [0])
    assert result.calls == [["apply", "--plan", str(saved), "locations.yaml"]]
    assert result.returncode == 0
    assert result.outputs == {"exitcode": "0", "saved-plan": "true"}


@pytest.mark.parametrize("refused", [5, 3])  # stale or not the fresh plan; damaged or forged beyond reading
def test_apply_falls_back_to_a_fresh_plan_when_the_reviewed_one_is_refused(
    run_step: StepRunner, refused: int
) -> None:
    saved = run_step.saved_plan()
    env = {"WXC_PATHS": "a.yaml b.yaml", "WXC_FORCE": "false", "WXC_PR": "7"}
    result = run_step(step(workflow("apply"), "apply")["run"], env, [refused, 0])
    assert result.calls == [
        ["apply", "--plan", str(saved), "a.yaml", "b.yaml"],
        ["apply", "a.yaml", "b.yaml"],
    ]
    assert result.returncode == 0
    assert result.outputs == {"exitcode": "0", "saved-plan": "false"}
    assert "::warning::" in result.stdout


@pytest.mark.parametrize("code", [0, 1, 4])
def test_apply_without_a_reviewed_plan_applies_afresh_and_surfaces_its_exit_code(
    run_step: StepRunner, code: int
) -> None:
    env = {"WXC_PATHS": "locations.yaml", "WXC_FORCE": "false", "WXC_PR": ""}
    result = run_step(step(workflow("apply"), "apply")["run"], env, [code])
    assert result.calls == [["apply", "locations.yaml"]]
    assert result.returncode == code
    assert result.outputs == {"exitcode": str(code), "saved-plan": "false"}


def test_apply_does_not_retry_a_plan_refused_as_unsafe(run_step: StepRunner) -> None:
    saved = run_step.saved_plan()
    env = {"WXC_PATHS": "locations.yaml", "WXC_FORCE": "false", "WXC_PR": "7"}
    result = run_step(step(workflow("apply"), "apply")["run"], env, [4])
    assert result.calls == [["apply", "--plan", str(saved), "locations.yaml"]]
    assert result.returncode == 4
    assert "::error::" in result.stdout


def test_apply_passes_force_only_when_asked(run_step: StepRunner) -> None:
    env = {"WXC_PATHS": "locations.yaml", "WXC_FORCE": "true", "WXC_PR": ""}
    result = run_step(step(workflow("apply"), "apply")["run"], env, [0])
    assert result.calls == [["apply", "locations.yaml", "--force"]]


@pytest.mark.parametrize(
    ("code", "drifted", "fails"), [(0, "false", False), (2, "true", True), (1, "false", True)]
)
def test_drift_fails_on_changes_with_a_clear_error(
    run_step: StepRunner, code: int, drifted: str, fails: bool
) -> None:
    script = step(workflow("drift"), "drift")["run"]
    result = run_step(script, {"WXC_PATHS": "locations.yaml"}, [code])
    assert result.calls == [["plan", "locations.yaml", "--format", "markdown", "--detailed-exitcode"]]
    assert (result.returncode != 0) is fails
    assert result.outputs == {"exitcode": str(code), "drifted": drifted}
    assert ("::error::The org drifted from the desired state" in result.stdout) is (code == 2)


# --- running the github-script scripts against a stubbed GitHub API ------------------------------------

HARNESS = r"""
const fs = require('fs');
const fx = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const script = fs.readFileSync(process.argv[2], 'utf8');
const calls = [];
const outputs = {};
const method = (name, respond) => async (params) => {
  calls.push({ name, params });
  return { data: respond(params) };
};
const github = {
  rest: {
    issues: {
      listComments: method('listComments', () => fx.comments || []),
      updateComment: method('updateComment', (p) => ({ id: p.comment_id, html_url: 'u' })),
      createComment: method('createComment', () => ({ id: 1, html_url: 'u' })),
    },
    repos: {
      listPullRequestsAssociatedWithCommit: method('listPulls', () => fx.pulls || []),
    },
    actions: {
      listWorkflowRunsForRepo: method('listRuns', () => fx.runs || []),
      listWorkflowRunArtifacts: method('listArtifacts',
        (p) => ({ artifacts: (fx.artifacts || {})[p.run_id] || [] })),
    },
  },
  // Like octokit's paginate: the items of a list answer, unwrapped from `artifacts` or `workflow_runs`.
  paginate: async (fn, params) => {
    const data = (await fn(params)).data;
    return Array.isArray(data) ? data : (data.artifacts || data.workflow_runs || data);
  },
};
const core = { setOutput: (k, v) => { outputs[k] = v; }, info() {}, notice() {}, warning() {} };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('github', 'context', 'core', 'require', script)(github, fx.context, core, require)
  .then(() => console.log(JSON.stringify({ calls, outputs })))
  .catch((e) => { console.error(e); process.exit(1); });
"""


class GitHubScript:
    """Runs a github-script script with node against a stubbed GitHub API built from a fixture.

    Returns the API calls the script made and the outputs it set.
    """

    def __init__(self, node: str, tmp_path: Path) -> None:
        self.node = node
        self.tmp = tmp_path
        (tmp_path / "harness.js").write_text(HARNESS, encoding="utf-8")

    def __call__(
        self, script: str, fixture: Mapping[str, Any], env: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        (self.tmp / "script.js").write_text(script, encoding="utf-8")
        (self.tmp / "fixture.json").write_text(json.dumps(fixture), encoding="utf-8")
        result = subprocess.run(
            [
                self.node,
                str(self.tmp / "harness.js"),
                str(self.tmp / "script.js"),
                str(self.tmp / "fixture.json"),
            ],
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        ran: dict[str, Any] = json.loads(result.stdout)
        return ran


@pytest.fixture
def github_script(tmp_path: Path) -> GitHubScript:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is needed to run the github-script scripts")
    return GitHubScript(node, tmp_path)


PR_CONTEXT = {
    "serverUrl": "https://github.com",
    "runId": 42,
    "repo": {"owner": "OWNER", "repo": "config"},
    "payload": {"pull_request": {"number": 7, "head": {"sha": "abc123"}}},
}


def comment_script() -> str:
    (comment,) = steps_using(workflow("plan"), "actions/github-script")
    script: str = comment["with"]["script"]
    return script


def test_plan_comment_updates_the_marked_comment_in_place(
    github_script: GitHubScript, tmp_path: Path
) -> None:
    plan_md = tmp_path / "plan.md"
    plan_md.write_text(f"{MARKER}\n**Plan:** 1 location to change\n", encoding="utf-8")
    comments = [
        {"id": 10, "user": {"type": "User"}, "body": "LGTM"},
        {"id": 11, "user": {"type": "Bot"}, "body": f"{MARKER}\nold plan"},
    ]
    env = {"WXC_PLAN_MD": str(plan_md), "WXC_HAS_OUTPUT": "true", "WXC_EXITCODE": "2"}
    result = github_script(comment_script(), {"context": PR_CONTEXT, "comments": comments}, env)
    (write,) = [c for c in result["calls"] if c["name"] != "listComments"]
    assert write["name"] == "updateComment"
    assert write["params"]["comment_id"] == 11
    assert write["params"]["body"] == plan_md.read_text(encoding="utf-8")


def test_plan_comment_is_created_when_absent(github_script: GitHubScript, tmp_path: Path) -> None:
    plan_md = tmp_path / "plan.md"
    plan_md.write_text(f"{MARKER}\nNo changes.\n", encoding="utf-8")
    comments = [{"id": 10, "user": {"type": "User"}, "body": f"quoting {MARKER}"}]
    env = {"WXC_PLAN_MD": str(plan_md), "WXC_HAS_OUTPUT": "true", "WXC_EXITCODE": "0"}
    result = github_script(comment_script(), {"context": PR_CONTEXT, "comments": comments}, env)
    (write,) = [c for c in result["calls"] if c["name"] != "listComments"]
    assert write["name"] == "createComment"
    assert write["params"]["issue_number"] == 7
    assert write["params"]["body"].startswith(MARKER)


def test_plan_comment_says_the_plan_failed_rather_than_keep_an_old_plan(github_script: GitHubScript) -> None:
    comments = [{"id": 11, "user": {"type": "Bot"}, "body": f"{MARKER}\nold plan"}]
    env = {"WXC_PLAN_MD": "/nonexistent", "WXC_HAS_OUTPUT": "", "WXC_EXITCODE": "3"}
    result = github_script(comment_script(), {"context": PR_CONTEXT, "comments": comments}, env)
    (write,) = [c for c in result["calls"] if c["name"] != "listComments"]
    assert write["name"] == "updateComment"
    body = write["params"]["body"]
    assert body.startswith(MARKER)
    assert "failed" in body
    assert "exited 3" in body
    assert "abc123" in body


def test_plan_comment_stays_under_githubs_size_limit(github_script: GitHubScript, tmp_path: Path) -> None:
    plan_md = tmp_path / "plan.md"
    plan_md.write_text(MARKER + "\n" + "x" * 100_000, encoding="utf-8")
    env = {"WXC_PLAN_MD": str(plan_md), "WXC_HAS_OUTPUT": "true", "WXC_EXITCODE": "2"}
    result = github_script(comment_script(), {"context": PR_CONTEXT, "comments": []}, env)
    (write,) = [c for c in result["calls"] if c["name"] == "createComment"]
    assert len(write["params"]["body"]) <= 65536
    assert "Truncated" in write["params"]["body"]


PUSH_CONTEXT = {"sha": "merge1", "repo": {"owner": "OWNER", "repo": "config"}}


def find_script() -> str:
    script: str = step(workflow("apply"), "find")["with"]["script"]
    return script


def test_apply_finds_the_latest_plan_run_of_the_merged_pr(github_script: GitHubScript) -> None:
    fixture = {
        "context": PUSH_CONTEXT,
        "pulls": [
            {"number": 6, "merged_at": None, "merge_commit_sha": "other", "head": {"sha": "h6"}},
            {
                "number": 7,
                "merged_at": "2026-01-02T00:00:00Z",
                "merge_commit_sha": "merge1",
                "head": {"sha": "h7"},
            },
        ],
        "runs": [
            {"id": 1, "event": "pull_request", "created_at": "2026-01-01T00:00:00Z", "html_url": "r1"},
            {"id": 3, "event": "push", "created_at": "2026-01-01T02:00:00Z", "html_url": "r3"},
            {"id": 2, "event": "pull_request", "created_at": "2026-01-01T01:00:00Z", "html_url": "r2"},
        ],
        "artifacts": {
            "1": [{"name": f"{ARTIFACT}-acme", "expired": False}],
            "2": [
                {"name": f"{SECTION}-acme", "expired": False},
                {"name": f"{ARTIFACT}-globex", "expired": False},
            ],
            "3": [{"name": f"{ARTIFACT}-acme", "expired": False}],
        },
    }
    result = github_script(find_script(), fixture)
    assert result["outputs"] == {"run-id": "2", "pr": "7"}
    (runs_call,) = [c for c in result["calls"] if c["name"] == "listRuns"]
    assert runs_call["params"]["head_sha"] == "h7"
    # A run where one org's plan failed still holds the other orgs' plans.
    assert runs_call["params"]["status"] == "completed"


def test_apply_finds_no_plan_for_a_direct_push_or_an_expired_artifact(github_script: GitHubScript) -> None:
    direct = github_script(find_script(), {"context": PUSH_CONTEXT, "pulls": []})
    assert direct["outputs"]["run-id"] == ""

    expired = {
        "context": PUSH_CONTEXT,
        "pulls": [
            {"number": 7, "merged_at": "2026-01-02", "merge_commit_sha": "merge1", "head": {"sha": "h7"}}
        ],
        "runs": [{"id": 1, "event": "pull_request", "created_at": "2026-01-01T00:00:00Z", "html_url": "r1"}],
        "artifacts": {
            "1": [
                {"name": f"{ARTIFACT}-acme", "expired": True},
                {"name": f"{SECTION}-acme", "expired": False},
            ]
        },
    }
    assert github_script(find_script(), expired)["outputs"]["run-id"] == ""


# --- examples a config repo copies ---------------------------------------------------------------------


@pytest.mark.parametrize("name", REUSABLE)
def test_example_calls_an_existing_reusable_workflow_with_the_secret(name: str) -> None:
    job = only_job(example(name))
    called = CALLED.match(job["uses"])
    assert called, job["uses"]
    assert (REPO / called["path"]).is_file()
    assert called["path"] == f".github/workflows/{name}.yml"
    assert job["secrets"]["webex-access-token"] == "${{ secrets.WEBEX_ACCESS_TOKEN }}"
    assert "OWNER/wxc-reconcile@" in job["with"]["package"]
    assert called["ref"] in job["with"]["package"]
    called_inputs = workflow(name)["on"]["workflow_call"]["inputs"]
    assert set(job["with"]) <= set(called_inputs)


@pytest.mark.parametrize("name", REUSABLE)
def test_example_grants_the_permissions_the_called_job_needs(name: str) -> None:
    granted = only_job(example(name))["permissions"]
    rank = {"none": 0, "read": 1, "write": 2}
    for job in workflow(name)["jobs"].values():
        for scope, level in job["permissions"].items():
            assert rank[granted.get(scope, "none")] >= rank[level], scope


def test_examples_run_on_the_right_events() -> None:
    assert list(example("plan")["on"]) == ["pull_request"]
    assert example("plan")["on"]["pull_request"]["paths"]
    assert example("apply")["on"] == {"push": {"branches": ["main"]}}
    assert set(example("drift")["on"]) == {"schedule", "workflow_dispatch"}
    assert example("drift")["on"]["schedule"][0]["cron"]


# --- secrets, CI, pre-commit ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", all_workflow_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_workflow_holds_a_literal_token(path: Path) -> None:
    for key, value in mappings(load(path)):
        if "token" in key.lower() and isinstance(value, str):
            assert re.fullmatch(r"\$\{\{ (secrets\.[\w-]+|github\.token) \}\}", value), (key, value)
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"ghp_|github_pat_|Bearer\s+\S", text)
    assert not re.search(r"[A-Za-z0-9_-]{60,}", text)  # Webex tokens are long opaque strings


def test_ci_runs_the_projects_ci_script_on_push_and_pull_request() -> None:
    ci = workflow("ci")
    assert set(ci["on"]) == {"push", "pull_request"}
    steps = only_job(ci)["steps"]
    assert [s["with"]["python-version"] for s in steps if s.get("uses") == "actions/setup-python@v6"] == [
        "3.11"
    ]
    assert any(s.get("run") == "bash .ci/run" for s in steps)
    ci_run = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert (
        "actionlint .github/workflows/*.yml examples/github/workflows/*.yml "
        "examples/github/partner/workflows/*.yml" in ci_run
    )


def test_pre_commit_hook_runs_validate_on_yaml_files() -> None:
    (hook,) = load(REPO / ".pre-commit-hooks.yaml")
    assert hook["id"] == "wxc-reconcile-validate"
    assert hook["entry"] == "wxc-reconcile validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True

    def checked(path: str) -> bool:
        return bool(re.search(hook["files"], path)) and not re.search(hook["exclude"], path)

    assert checked("locations.yaml")
    assert checked("sites/paris.yml")
    assert not checked(".github/workflows/plan.yml")
    assert not checked(".pre-commit-config.yaml")
    assert not checked("README.md")


# --- the fanned-out steps, run with a stub wxc-reconcile -------------------------------------------------


def test_plan_step_acts_in_the_entrys_orgs_instead_of_paths(run_step: StepRunner) -> None:
    env = {"WXC_PATHS": "locations.yaml", "WXC_MATRIX_ORGS": "acme,globex"}
    result = run_step(step(workflow("plan"), "plan")["run"], env, [2])
    out = run_step.runner_temp / "wxc-reconcile"
    assert result.calls == [
        [
            "plan",
            "--org",
            "acme,globex",
            "--out",
            f"{out}/plan.json",
            "--format",
            "markdown",
            "--detailed-exitcode",
        ]
    ]


def test_per_org_credentials_are_exported_from_inherited_secrets(run_step: StepRunner) -> None:
    secrets = {
        "ACME_TOKEN": "acme-secret",
        "github_token": "ghs-not-for-the-tool",
        "PATH": "/nowhere",  # already set: never overridden
        "webex-access-token": "",  # an explicit secret's name is no variable name
        "WEBEX_ACCESS_TOKEN": "partner-token",
    }
    env = {"WXC_PATHS": "locations.yaml", "WXC_SECRETS": json.dumps(secrets), "WEBEX_ACCESS_TOKEN": ""}
    result = run_step(step(workflow("drift"), "drift")["run"], env, [0])
    assert result.returncode == 0, result.stdout
    (seen,) = result.env
    assert seen["ACME_TOKEN"] == "acme-secret"
    assert seen["WEBEX_ACCESS_TOKEN"] == "partner-token"  # the explicit secret was not passed (empty)
    assert seen["GITHUB_TOKEN"] is None
    assert seen["WXC_SECRETS"] is None  # the JSON of every secret does not reach the tool
    assert "acme-secret" not in result.stdout


def test_an_explicit_token_wins_over_an_inherited_one(run_step: StepRunner) -> None:
    env = {
        "WXC_PATHS": "locations.yaml",
        "WXC_SECRETS": json.dumps({"WEBEX_ACCESS_TOKEN": "inherited"}),
        "WEBEX_ACCESS_TOKEN": "explicit",
    }
    result = run_step(step(workflow("drift"), "drift")["run"], env, [0])
    assert result.env[0]["WEBEX_ACCESS_TOKEN"] == "explicit"


def test_plan_matrix_is_of_the_orgs_changed_since_the_prs_base(run_step: StepRunner) -> None:
    env = {"WXC_SINCE": "base123", "WXC_ORGS": "", "WXC_BATCH_SIZE": "1"}
    result = run_step(step(workflow("plan"), "matrix")["run"], env, [0])
    assert result.calls == [["matrix", "--batch-size", "1", "--changed-since", "base123"]]
    assert json.loads(result.outputs["matrix"]) == {"include": [{"key": "acme", "orgs": "acme"}]}
    assert result.outputs["count"] == "1"


def test_apply_matrix_is_of_the_orgs_changed_by_the_push(run_step: StepRunner) -> None:
    subprocess.run(["git", "init", "-q"], cwd=run_step.tmp, check=True)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "x"], cwd=run_step.tmp, check=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=run_step.tmp, capture_output=True, text=True, check=True
    ).stdout.strip()
    script = step(workflow("apply"), "matrix")["run"]
    base = {"WXC_ALL": "false", "WXC_ORGS": "acme*", "WXC_BATCH_SIZE": "1"}

    known = run_step(script, {**base, "WXC_SINCE": head}, [0])
    assert known.calls == [["matrix", "--batch-size", "1", "--org", "acme*", "--changed-since", head]]

    for since in ("0" * 40, "", "f" * 40):  # a new branch, a manual run, a commit force-pushed away
        every = run_step(script, {**base, "WXC_SINCE": since}, [0])
        assert every.calls == [["matrix", "--batch-size", "1", "--org", "acme*"]], since
    assert "::warning::" in every.stdout

    forced = run_step(script, {**base, "WXC_SINCE": head, "WXC_ALL": "true"}, [0])
    assert forced.calls == [["matrix", "--batch-size", "1", "--org", "acme*"]]


@pytest.mark.parametrize(
    ("slots", "slot", "expected"), [("1", "", None), ("24", "5", "5/24"), ("3", "", "*/3")]
)
def test_drift_matrix_takes_a_slot(run_step: StepRunner, slots: str, slot: str, expected: str | None) -> None:
    env = {"WXC_SLOTS": slots, "WXC_SLOT": slot, "WXC_ORGS": "", "WXC_BATCH_SIZE": "1"}
    result = run_step(step(workflow("drift"), "matrix")["run"], env, [0])
    (args,) = result.calls
    if expected is None:
        assert "--slot" not in args
    else:
        given = args[args.index("--slot") + 1]
        assert re.fullmatch(expected.replace("*", "[0-2]"), given)


def test_apply_step_applies_the_saved_plan_for_the_entrys_orgs(run_step: StepRunner) -> None:
    saved = run_step.saved_plan()
    env = {"WXC_PATHS": "locations.yaml", "WXC_MATRIX_ORGS": "batch-07-a,batch-07-b", "WXC_FORCE": "false"}
    result = run_step(step(workflow("apply"), "apply")["run"], {**env, "WXC_PR": "7"}, [5, 0])
    assert result.calls == [
        ["apply", "--plan", str(saved), "--org", "batch-07-a,batch-07-b"],
        ["apply", "--org", "batch-07-a,batch-07-b"],
    ]


@pytest.mark.parametrize(("code", "fails"), [("0", False), ("2", False), ("1", True), ("", True)])
def test_the_comment_job_fails_when_any_plan_failed(run_step: StepRunner, code: str, fails: bool) -> None:
    last = workflow("plan")["jobs"]["comment"]["steps"][-1]
    assert last["if"] == "${{ !cancelled() }}"
    result = run_step(last["run"], {"WXC_EXITCODE": code}, [])
    assert (result.returncode != 0) is fails


PARTNER = REPO / "examples" / "github" / "partner" / "workflows"


@pytest.mark.parametrize("name", REUSABLE)
def test_partner_example_calls_the_reusable_workflow_with_inherited_secrets(name: str) -> None:
    job = only_job(load(PARTNER / f"{name}.yml"))
    called = CALLED.match(job["uses"])
    assert called, job["uses"]
    assert called["path"] == f".github/workflows/{name}.yml"
    assert job["secrets"] == "inherit"
    assert set(job["with"]) <= set(workflow(name)["on"]["workflow_call"]["inputs"])
    assert "paths" not in job["with"]  # the project file names each org's paths
    rank = {"none": 0, "read": 1, "write": 2}
    for called_job in workflow(name)["jobs"].values():
        for scope, level in called_job["permissions"].items():
            assert rank[job["permissions"].get(scope, "none")] >= rank[level], scope


def test_partner_drift_spreads_the_orgs_over_an_hourly_schedule() -> None:
    drift = load(PARTNER / "drift.yml")
    (cron,) = [entry["cron"] for entry in drift["on"]["schedule"]]
    assert cron.split()[1:] == ["*", "*", "*", "*"]  # hourly: the slot is the hour
    assert only_job(drift)["with"]["slots"] > 1
