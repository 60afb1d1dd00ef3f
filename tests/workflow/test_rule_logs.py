"""What a run shows while it runs, read from the rule logs of the finished test-config study
(issue 25): each model job uses the threads its rule declares, long jobs log progress lines with
rate and ETA, a library warning appears once, and the weights are readable like any other file."""
import os
import re
import stat

SEEDS = (42, 123)  # tests/config/config.yaml
CORES = 2  # the built study ran with --cores 2 (tests/conftest.py)
# What each model rule declares (rules/train.smk, rules/evaluate.smk), as Snakemake scales it to --cores.
THREADS = {"base_model": min(2, CORES), "sft": min(4, CORES), "grpo": min(4, CORES)}


def _log(wf, name):
    return (wf / "results/logs" / name).read_text()


def _torch_threads(text, label):
    match = re.search(rf"\] {label}: \d+ steps, torch threads (\d+)", text)
    assert match, f"no progress start line for {label!r}"
    return int(match.group(1))


def test_model_jobs_use_the_threads_their_rule_declares(built_test_workflow):
    wf = built_test_workflow
    expected = {name: min(n, os.cpu_count()) for name, n in THREADS.items()}  # torch never exceeds the cores
    assert f"threads {THREADS['sft']}) =====" in _log(wf, "sft.log")
    assert _torch_threads(_log(wf, "base_model.log"), "pretraining") == expected["base_model"]
    assert _torch_threads(_log(wf, "sft.log"), "sft") == expected["sft"]
    for seed in SEEDS:
        assert _torch_threads(_log(wf, f"grpo/seed{seed}.log"), f"grpo seed {seed}") == expected["grpo"]


def test_long_jobs_log_step_rate_and_eta(built_test_workflow):
    for name, label in (("base_model.log", "pretraining"), ("sft.log", "sft"), ("grpo/seed42.log", "grpo seed 42")):
        lines = re.findall(rf"\] {label}: step (\d+)/(\d+) \(\d+%\), [\d.]+ (?:steps/s|s/step), elapsed [^,]+, "
                           rf"(?:ETA [^\n]+|done)", _log(built_test_workflow, name))
        assert lines, f"{name}: no progress line"
        assert lines[-1][0] == lines[-1][1] or "stopped at step" in _log(built_test_workflow, name)


def test_a_repeated_library_warning_is_shown_once_per_job(built_test_workflow):
    for seed in SEEDS:
        text = _log(built_test_workflow, f"grpo/seed{seed}.log")
        repeated = re.findall(r"^.*Warning: (.*)$", text, flags=re.M)
        assert len(repeated) == len(set(repeated)), repeated


def test_weights_are_readable_like_any_new_file(built_test_workflow):
    mask = os.umask(0)
    os.umask(mask)
    wanted = 0o666 & ~mask
    weights = [built_test_workflow / "results/models/base/model.safetensors",
               built_test_workflow / "results/sft/adapter/adapter_model.safetensors",
               *(built_test_workflow / f"results/grpo/seed{s}/best/adapter_model.safetensors" for s in SEEDS)]
    modes = {path.name: oct(stat.S_IMODE(path.stat().st_mode)) for path in weights}
    assert all(stat.S_IMODE(path.stat().st_mode) & wanted == wanted for path in weights), modes
