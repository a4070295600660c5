"""``python manage.py check-specs``: every shipped definition is valid; broken files give coded errors
that name the file, the item and the rule, and a non-zero exit status."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from services.core import spec_check

ROOT = Path(__file__).resolve().parents[2]


def test_every_shipped_definition_is_valid() -> None:
    assert spec_check.check_all() == []


def _run(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", "check-specs", "--root", str(root)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_broken_files_are_reported_with_codes_and_a_failing_status(tmp_path: Path) -> None:
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    (surveys / "bad_type.yaml").write_text(
        "code: s1\nkind: survey\ntitle: 调查\nsections:\n  - name: a\n    title: A\n    questions:\n"
        "      - {name: q1, type: colour, label: 颜色}\n", encoding="utf-8")
    (surveys / "bad_ref.yaml").write_text(
        "code: s2\nkind: survey\ntitle: 调查\nsections:\n  - name: a\n    title: A\n    questions:\n"
        "      - {name: q1, type: integer, label: 人数}\n      - {name: q2, type: integer, label: 其中, show_if: \"${nope} > 1\"}\n",
        encoding="utf-8")
    (surveys / "not_yaml.yaml").write_text("code: [unclosed\n", encoding="utf-8")
    flows = tmp_path / "workflows"
    flows.mkdir()
    (flows / "review.yaml").write_text("code: review\nstates: {a: {label: 甲}}\n", encoding="utf-8")
    (surveys / "twin.yaml").write_text((surveys / "bad_type.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    done = _run(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "bad_type.yaml: [D002] 问题 q1" in out and "colour" in out
    assert "bad_ref.yaml: [D007]" in out and "nope" in out
    assert "not_yaml.yaml: [D016]" in out
    assert "twin.yaml: [S001] code s1" in out and "bad_type.yaml" in out.split("[S001]")[1]
    assert "Traceback" not in out + done.stderr
    assert "review.yaml: [WF002] initial" in out  # a workflow file is read by the workflow engine's checks
    assert "5 个定义文件" in out


def test_a_valid_folder_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(
        "code: ok\nkind: survey\ntitle: 调查\nsections:\n  - name: a\n    title: A\n    questions:\n"
        "      - {name: q1, type: integer, label: 人数}\n", encoding="utf-8")
    done = _run(tmp_path)
    assert done.returncode == 0 and "1 个定义文件，0 个问题" in done.stdout


def test_the_shipped_specs_check_without_a_database(tmp_path: Path) -> None:
    """CI runs check-specs before any database exists: no check may need one."""
    import os
    done = subprocess.run([sys.executable, "manage.py", "check-specs"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 个问题" in done.stdout and "Traceback" not in done.stderr
