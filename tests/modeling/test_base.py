"""The base-model record: what rules/common.smk imports at every Snakemake start, and how base_model
resolves model.id."""
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from commerce_grpo.modeling.base import EMBEDDED_ID, offline_environment, read_base

REPO = Path(__file__).resolve().parents[2]


def test_the_embedded_model_runs_hub_offline_and_a_hub_model_does_not():
    assert offline_environment(EMBEDDED_ID) == {"HF_HUB_OFFLINE": "1"}
    assert offline_environment("Polygl0t/Tucano2-qwen-0.5B-Instruct") == {}


def test_reading_the_embedded_id_imports_no_torch():
    """common.smk reads EMBEDDED_ID on every dry run: importing torch there costs seconds."""
    code = ("import sys, commerce_grpo.modeling.base; "
            "print(sorted(m for m in ('torch', 'transformers', 'peft') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": "scripts", "PATH": ""}, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_the_package_still_offers_its_names():
    import commerce_grpo.modeling as modeling

    assert callable(modeling.load_model) and callable(modeling.build_base_model)
    assert set(modeling.__all__) == {"attach_lora", "build_base_model", "load_model", "read_base",
                                     "resolve_backend"}


# ----- model.id resolution in base_model (issue 25): a hub id is downloaded there, a wrong one
# fails there in seconds naming model.id. Nothing is downloaded: the hub is switched off, or is a
# real HTTP server on loopback that knows no model, or the cache folder already holds the model.

RESOLVE = """
import json, sys
sys.path.insert(0, "scripts")
from commerce_grpo.modeling.base import ModelNotFoundError, build_base_model
try:
    info = build_base_model(sys.argv[1], inputs={{}}, model={{"id": sys.argv[2], "cache_dir": sys.argv[3]}})
    print(json.dumps(info))
except ModelNotFoundError as error:
    print("ModelNotFoundError:", error)
"""


def _resolve(tmp_path, model_id, cache, **env):
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", RESOLVE.format(), str(tmp_path / "base"), model_id, str(cache)],
                         capture_output=True, text=True, cwd=REPO, timeout=120,
                         env={**os.environ, "HF_HUB_DISABLE_TELEMETRY": "1", **env})
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip(), time.monotonic() - started


def test_a_wrong_hub_id_fails_offline_in_seconds_naming_the_key(tmp_path):
    text, seconds = _resolve(tmp_path, "Qwen/Qwen9-does-not-exist", tmp_path / "hub", HF_HUB_OFFLINE="1")
    assert text.startswith("ModelNotFoundError: model.id: 'Qwen/Qwen9-does-not-exist'")
    assert "HF_HUB_OFFLINE" in text and "hf download Qwen/Qwen9-does-not-exist" in text
    assert seconds < 30
    assert not (tmp_path / "base" / "base.json").exists()


def test_an_unreachable_hub_fails_in_seconds_naming_the_key(tmp_path):
    with socket.socket() as sock:  # a loopback port nobody listens on: connection refused at once
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    text, seconds = _resolve(tmp_path, "nobody/nothing", tmp_path / "hub", HF_ENDPOINT=f"http://127.0.0.1:{port}")
    assert text.startswith("ModelNotFoundError: model.id: 'nobody/nothing'") and "cannot be reached" in text
    assert seconds < 30


class _NoModels(BaseHTTPRequestHandler):
    """The hub's answer to a repository it does not have (huggingface_hub reads X-Error-Code)."""

    def do_GET(self):
        self.send_response(404)
        self.send_header("X-Error-Code", "RepoNotFound")
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"error": "Repository not found"}')

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


def test_a_hub_that_lacks_the_id_names_the_key_and_the_fix(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NoModels)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        text, _ = _resolve(tmp_path, "Qwen/Qwen9-does-not-exist", tmp_path / "hub",
                           HF_ENDPOINT=f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
    assert text.startswith("ModelNotFoundError: model.id: 'Qwen/Qwen9-does-not-exist' is not a model on the hub")
    assert "check the spelling" in text


def test_a_cached_hub_model_is_found_offline_and_recorded_with_its_revision(tmp_path):
    """The hub's own cache layout in model.cache_dir, as `hf download --cache-dir` leaves it."""
    revision = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--acme--tiny"
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    text, _ = _resolve(tmp_path, "acme/tiny", tmp_path / "hub", HF_HUB_OFFLINE="1")
    info = json.loads(text)
    assert info == {"embedded": False, "id": "acme/tiny", "source": "hub", "revision": revision,
                    "path": str(snapshot)}
    assert read_base(tmp_path / "base") == (info, str(snapshot))  # later rules load the folder, offline


def test_a_local_folder_is_checked_and_recorded(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    text, _ = _resolve(tmp_path, str(folder), tmp_path / "hub", HF_HUB_OFFLINE="1")
    assert text.startswith(f"ModelNotFoundError: model.id: {str(folder)!r} is a folder without config.json")
    (folder / "config.json").write_text("{}")
    text, _ = _resolve(tmp_path, str(folder), tmp_path / "hub", HF_HUB_OFFLINE="1")
    assert json.loads(text) == {"embedded": False, "id": str(folder), "source": "local", "path": str(folder)}
