"""The distribution's promises: entry points, module boundaries."""

import subprocess
import sys

from conftest import REPO, run_cli


def test_python_m_kiosk_is_the_kiosk_command():
    a = run_cli("kiosk", "--version")
    b = subprocess.run([sys.executable, "-m", "kiosk", "--version"], capture_output=True, text=True)
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout and a.stdout.startswith("kiosk ")


def test_central_and_drivers_never_import_kivy():
    code = (
        "import sys, central.app, central.cli, kiosk.services, kiosk.cli, drivers\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'kivy')\n"
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr


def test_only_kiosk_ui_imports_kivy():
    offenders = []
    for path in REPO.glob("**/*.py"):
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith(("kiosk/ui/", "tests/", "bench/", ".venv/")):
            continue
        if "import kivy" in path.read_text() or "from kivy" in path.read_text():
            offenders.append(rel)
    assert offenders == []


def test_every_package_directory_is_a_package():
    """`packages = find:` leaves out a directory without __init__.py: installed, its
    modules would be missing (central.ratings once was)."""
    missing = [
        str(d.relative_to(REPO))
        for top in ("kiosk", "central", "common", "drivers")
        for d in [REPO / top, *(p for p in (REPO / top).rglob("*") if p.is_dir())]
        if any(d.glob("*.py"))
        and not (d / "__init__.py").exists()
        and "migrations" not in d.parts
        and "__pycache__" not in d.parts
    ]
    assert missing == []
