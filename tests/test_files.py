"""Atomic writes leave nothing behind when they fail: no ``.tmp`` beside the target, the target as
it was. ENOSPC during pairs once left a 1 MB ``train.jsonl.tmp``.

Two real failures, no injected exceptions: a full filesystem (a 256 KiB tmpfs mounted in a private
mount namespace, where this machine allows it: root or a user namespace), and the kernel's
file-size limit (RLIMIT_FSIZE: the write fails with EFBIG midway), which needs no privilege.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from commerce_grpo.files import write_atomic, write_jsonl

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
# 1 MB of pair-like records, the size the ENOSPC leftover had.
WRITE_1MB = f"""
import errno, json, os, sys
sys.path.insert(0, {str(SCRIPTS)!r})
from commerce_grpo.files import write_jsonl
folder = sys.argv[1]
target = os.path.join(folder, "train.jsonl")
with open(target, "w") as handle:
    handle.write("old\\n")
try:
    write_jsonl(target, [{{"id": i, "prompt": "x" * 1000}} for i in range(1000)])
    error = None
except OSError as err:
    error = errno.errorcode.get(err.errno, str(err.errno))
print(json.dumps({{"error": error, "files": sorted(os.listdir(folder)), "target": open(target).read()}}))
"""


def test_a_full_filesystem_leaves_no_tmp(tmp_path):
    if not shutil.which("unshare") or not shutil.which("mount"):
        pytest.skip("needs unshare and mount (util-linux)")
    folder = tmp_path / "small"
    folder.mkdir()
    probe = subprocess.run(["unshare", "--mount", "--map-root-user", "true"], capture_output=True)
    user_ns = ["--map-root-user"] if probe.returncode == 0 else []
    proc = subprocess.run(
        ["unshare", "--mount", *user_ns, "sh", "-c",
         f'mount -t tmpfs -o size=256k tmpfs "$1" && exec "{sys.executable}" -c "$2" "$1"', "sh", str(folder),
         WRITE_1MB], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0 and "mount" in proc.stderr:
        pytest.skip(f"cannot mount a small tmpfs here: {proc.stderr.strip()[-200:]}")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result == {"error": "ENOSPC", "files": ["train.jsonl"], "target": "old\n"}


def test_a_write_cut_by_the_file_size_limit_leaves_no_tmp(tmp_path):
    limited = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
               "resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536)); "
               "sys.argv = sys.argv[1:]; exec(sys.argv[0])")
    proc = subprocess.run([sys.executable, "-c", limited, WRITE_1MB, str(tmp_path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"error": "EFBIG", "files": ["train.jsonl"], "target": "old\n"}


def test_a_killed_writers_tmp_is_replaced_by_the_next_write(tmp_path):
    target = tmp_path / "eval.jsonl"
    (tmp_path / "eval.jsonl.tmp").write_text('{"half": ')  # what a kill -9 mid-write leaves
    write_jsonl(target, [{"id": 1}])
    write_atomic(tmp_path / "meta.json", "{}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eval.jsonl", "meta.json"]
    assert target.read_text() == '{"id": 1}\n'
