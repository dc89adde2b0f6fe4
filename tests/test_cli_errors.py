"""Every user-facing failure of the command line is one `error:` line and a non-zero exit, never
a traceback (run as a real subprocess, as a user would)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

JAMLIQUOR = Path(sys.executable).parent / "jamliquor"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(JAMLIQUOR), *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def assert_one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_missing_trace_directory(tmp_path: Path) -> None:
    assert_one_line_error(run("import", str(tmp_path / "nope")), "not a directory")


def test_wrong_directory_layout(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("hi")
    assert_one_line_error(run("import", str(tmp_path)), "not a trace directory")


def test_malformed_trace_bytes(tmp_path: Path) -> None:
    (tmp_path / "genesis.bin").write_bytes(b"\x01\x02\x03")
    (tmp_path / "00000001.bin").write_bytes(b"")
    assert_one_line_error(run("import", str(tmp_path)), "genesis.bin")


def test_unreadable_trace_file(tmp_path: Path) -> None:
    (tmp_path / "genesis.bin").mkdir()  # a directory where a file should be: unreadable
    (tmp_path / "00000001.bin").write_bytes(b"")
    assert_one_line_error(run("import", str(tmp_path)), "genesis.bin")


def test_unknown_spec(tmp_path: Path) -> None:
    assert_one_line_error(run("fuzz-target", "--socket", str(tmp_path / "s"), "--spec", "huge"), "huge", "tiny")
    assert_one_line_error(run("conformance", "codec", str(tmp_path), "--spec", "huge"), "huge")


def test_unknown_suite_and_missing_path(tmp_path: Path) -> None:
    assert_one_line_error(run("conformance", "nosuch", str(tmp_path)), "nosuch", "available")
    assert_one_line_error(run("conformance", "codec", str(tmp_path / "nope")), "does not exist")


def test_occupied_socket_path(tmp_path: Path) -> None:
    path = tmp_path / "busy.sock"
    with socket.socket(socket.AF_UNIX) as other:
        other.bind(str(path))
        other.listen(1)
        assert_one_line_error(run("fuzz-target", "--socket", str(path)), "in use")
    plain = tmp_path / "file"
    plain.write_text("not a socket")
    assert_one_line_error(run("fuzz-target", "--socket", str(plain)), "not a socket")
    assert plain.read_text() == "not a socket"  # nothing of the user's is deleted


def test_unwritable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert_one_line_error(run("fuzz-target", "--socket", str(tmp_path / "s"), "--data-dir", str(blocker / "store")),
                          "state store")


def test_socket_in_missing_directory(tmp_path: Path) -> None:
    assert_one_line_error(run("fuzz-target", "--socket", str(tmp_path / "no" / "s")), "cannot listen", "No such file")


def test_unknown_benchmark_and_plugin(tmp_path: Path) -> None:
    assert_one_line_error(run("bench", "nope"), "available")
    assert_one_line_error(run("plugins", "enable", "nope", "--config", str(tmp_path / "c.toml")), "nope", "available")


def test_bad_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("this is = = not toml")
    assert_one_line_error(run("plugins", "list", "--config", str(cfg)), "config")


@pytest.mark.parametrize("args", [["--version"], ["plugins", "list"]])
def test_commands_work_from_any_directory_without_vectors(tmp_path: Path, args: list[str]) -> None:
    result = subprocess.run([str(JAMLIQUOR), *args], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                            env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr


def test_import_and_fuzz_target_need_no_vectors_at_run_time(vectors: Path, tmp_path: Path) -> None:
    """From an empty directory, with no JAM_TEST_VECTORS: the ring SRS comes with the kernel."""
    trace = tmp_path / "safrole"
    shutil.copytree(vectors / "traces" / "safrole", trace)  # Safrole blocks verify ring proofs
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([str(JAMLIQUOR), "import", str(trace)], capture_output=True, text=True, timeout=600,
                            cwd=tmp_path, env=env)
    assert result.returncode == 0 and "100 blocks, 0 failed" in result.stdout, result.stdout[-500:] + result.stderr
    sock = tmp_path / "t.sock"
    proc = subprocess.Popen([str(JAMLIQUOR), "fuzz-target", "--socket", str(sock), "--sessions", "1"], cwd=tmp_path,
                            env=env, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(200):
            if sock.exists():
                break
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        with socket.socket(socket.AF_UNIX) as c:
            c.connect(str(sock))
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_node_and_testnet_argument_errors(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    subprocess.run([str(JAMLIQUOR), "chainspec", "new", "--validators", "2", "--out", str(spec)], check=True,
                   capture_output=True, timeout=120)
    assert_one_line_error(run("node", "--chainspec", str(tmp_path / "none.json")), "none.json")
    assert_one_line_error(run("node", "--chainspec", str(spec), "--dev-validator", "0", "--key-file", str(spec)),
                          "not both")
    assert_one_line_error(run("node", "--chainspec", str(spec), "--listen", "localhost:x"), "--listen")
    assert_one_line_error(run("node", "--chainspec", str(spec), "--slot-seconds", "1"), "P = 6")
    assert_one_line_error(run("node", "--chainspec", str(spec), "--bootnode", "nobody@1.2.3.4:5"), "bootnode")
    assert_one_line_error(run("node", "--chainspec", str(spec), "--log-level", "loud"), "--log-level")
    assert_one_line_error(run("testnet", "--validators", "7", "--data-dir", str(tmp_path / "t")), "seats at most 6")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "chainspec.json").write_text("{}")
    assert_one_line_error(run("testnet", "--validators", "2", "--data-dir", str(tmp_path / "t")), "already holds")
