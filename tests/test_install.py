"""What a learner installs: the package carries its data, runs from anywhere, and says what it lacks.

`make test` runs these against the editable install of this checkout; `make test-colab-stack` runs them
against the wheel installed into a fresh Python 3.13 venv with Colab's pins, from a copy of the checkout
without `bertkeras/` (it sets BERTKERAS_EXPECT_INSTALLED to that venv), so both runs prove which
bertkeras they test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
from importlib.metadata import distribution
from pathlib import Path

import pytest

import bertkeras
from bertkeras.pretrained import SHIPPED_FILES, SHIPPED_TINY, shipped_model_dir

PACKAGE = Path(bertkeras.__file__).resolve().parent
INSTALLED_VENV = os.environ.get("BERTKERAS_EXPECT_INSTALLED")
CHECKOUT = Path(__file__).resolve().parents[1]


def test_the_suite_tests_the_bertkeras_it_means():
    direct_url = distribution("bertkeras").read_text("direct_url.json")
    editable = bool(direct_url and json.loads(direct_url).get("dir_info", {}).get("editable"))
    if INSTALLED_VENV:  # the learner's setup: the wheel, in that venv's site-packages, not editable
        assert Path(sys.prefix).resolve() == Path(INSTALLED_VENV).resolve(), (sys.prefix, INSTALLED_VENV)
        assert PACKAGE == Path(sysconfig.get_paths()["purelib"]).resolve() / "bertkeras", PACKAGE
        assert not editable, direct_url
        assert not (CHECKOUT / "bertkeras").exists(), "the run directory must not hold a copy of the package"
        assert sys.version_info[:2] == (3, 13), sys.version
    else:  # `make test`: the editable install of this checkout
        assert PACKAGE == CHECKOUT / "bertkeras", PACKAGE


def test_the_shipped_model_is_package_data():
    assert SHIPPED_TINY.resolve() == PACKAGE / "pretrained" / "tiny_bert"
    assert shipped_model_dir() == SHIPPED_TINY
    assert {p.name for p in SHIPPED_TINY.iterdir()} == set(SHIPPED_FILES)


def test_load_pretrained_and_fill_mask_work_from_an_unrelated_directory(tmp_path):
    text = "the film was one of the best i have ever [MASK]."
    code = textwrap.dedent(f"""
        import bertkeras
        model = bertkeras.load_pretrained()
        print(model.path)
        print(" ".join(w for w, _ in model.fill_mask({text!r})[0]))
    """)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0")
    env.pop("PYTHONPATH", None)
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    path, guesses = result.stdout.strip().splitlines()[-2:]
    assert Path(path).resolve() == SHIPPED_TINY.resolve()
    here = [w for w, _ in bertkeras.load_pretrained().fill_mask(text)[0]]
    assert guesses.split() == here, (guesses, here)


def test_the_cli_keeps_tensorflows_start_up_lines_off_the_terminal(tmp_path):
    # `evaluate` imports TensorFlow before it finds that the run directory is missing.
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-m", "bertkeras.commands.cli", "evaluate", "--model", str(tmp_path / "none")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "absl::InitializeLog" not in result.stderr and "cudart_stub" not in result.stderr, result.stderr
    assert result.stderr.startswith("error: "), result.stderr


WITHOUT_TENSORFLOW = textwrap.dedent("""
    import sys
    sys.modules["tensorflow"] = None  # as on a Colab TPU runtime: `import tensorflow` raises
    sys.modules["tensorflow_text"] = None
    import os
    os.environ.pop("KERAS_BACKEND", None)
    {body}
""")


@pytest.mark.parametrize("body, expected_status", [
    ("import bertkeras.runtime as r\nimport keras\nprint('backend', keras.backend.backend())\nr.setup()", 0),
    ("from bertkeras.commands import cli\nsys.exit(cli.main(['demo', '--quick']))", 2),
    ("import bertkeras\nbertkeras.finetune", 1),
])
def test_without_tensorflow_one_clear_sentence_says_what_still_works(tmp_path, body, expected_status):
    pytest.importorskip("jax", reason="jax is a dev dependency (pyproject [dev]); `make install` brings it")
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    result = subprocess.run([sys.executable, "-c", WITHOUT_TENSORFLOW.format(body=body)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == expected_status, (result.stdout, result.stderr)
    said = result.stdout + result.stderr
    assert "TensorFlow is not installed here (Colab's TPU runtimes ship without it)" in said, said
    assert "load_pretrained" in said and "pip install tensorflow" in said, said
    if expected_status == 0:
        assert "backend jax" in said and "Traceback" not in said, said
    if expected_status == 2:
        assert "Traceback" not in said and not (tmp_path / "runs").exists(), said


@pytest.mark.skipif(INSTALLED_VENV is not None, reason="the installed run has no source tree to build; "
                    "make test-colab-stack checked the archives it built with tests.check_dist")
def test_the_wheel_and_the_sdist_carry_the_shipped_model(tmp_path):
    from tests import check_dist

    subprocess.run([sys.executable, "-m", "build", "--outdir", str(tmp_path), str(CHECKOUT)], check=True,
                   capture_output=True, timeout=600)
    assert check_dist.check(tmp_path) == []
    wheel = next(tmp_path.glob("*.whl"))
    assert wheel.stat().st_size < 15e6, f"the wheel weighs {wheel.stat().st_size / 1e6:.1f} MB"
