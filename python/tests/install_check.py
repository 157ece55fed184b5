"""Installs the module into a fresh virtual environment the documented way
(`cmake --install BUILD --component python --prefix VENV`, README "From Python") and imports it
there, from another directory, to check that the installed copy is the one imported.

  install_check.py BUILD_DIR WORK_DIR
"""
import pathlib
import shutil
import subprocess
import sys

build, work = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
shutil.rmtree(work, ignore_errors=True)
venv = work / "venv"
# --system-site-packages: Debian's numpy (and pandas) come from the system.
subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
subprocess.run(["cmake", "--install", str(build), "--component", "python", "--prefix",
                str(venv)], check=True)
probe = ("import savant, numpy; print(savant.__file__); "
         "m = savant.Model([numpy.ones((4, 3), numpy.float32), numpy.zeros(3, numpy.float32)]); "
         "print(m.sizes)")
out = subprocess.run([str(venv / "bin" / "python"), "-c", probe], check=True, cwd=work,
                     capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}).stdout
print(out, end="")
lines = out.splitlines()
if not lines[0].startswith(str(venv.resolve())) and not lines[0].startswith(str(venv)):
    print(f"savant was imported from {lines[0]}, not from {venv}", file=sys.stderr)
    sys.exit(1)
if lines[1] != "[4, 3]":
    sys.exit(1)
