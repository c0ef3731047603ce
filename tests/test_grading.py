"""The assignment notebooks: full marks for the sources, zero for the student editions."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell, new_notebook

from mrilab import grading

SOURCE = Path(__file__).resolve().parents[1] / "assignments" / "source"
SOURCES = sorted(SOURCE.glob("*.ipynb"))


def test_there_are_five_assignments():
    assert [p.name for p in SOURCES] == ["assignment1_kspace.ipynb", "assignment2_classical.ipynb",
                                         "assignment3_deep_learning.ipynb", "assignment4_parallel_imaging.ipynb",
                                         "assignment5_noncartesian.ipynb"]


def test_release_replaces_solutions_and_removes_hidden_tests():
    solution = new_code_cell("def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n",
                             metadata={"nbgrader": {"solution": True, "grade": False, "grade_id": "s"}})
    tests = new_code_cell("assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(2) == 3\n### END HIDDEN TESTS",
                          metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 2}})
    tests.outputs = [{"output_type": "stream", "name": "stdout", "text": "x"}]
    nb = new_notebook(cells=[solution, tests])
    out = grading.release_notebook(nb)
    assert out.cells[0].source == "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    assert out.cells[1].source == "assert f(1) == 2"
    assert out.cells[1].outputs == []
    assert "HIDDEN" in nb.cells[1].source, "the source notebook is left unchanged"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_sources_get_full_marks(source):
    # the source runs top to bottom: every cell without an error (what nbval would check), every test passed
    report = grading.autograde(source, source)
    assert report.total == report.max_total > 0, str(report)
    assert report.cell_errors == [], report.cell_errors


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    return grading.release(SOURCES, out)


@pytest.mark.parametrize("index", range(len(SOURCES)))
def test_student_editions_fail_at_the_first_exercise_and_score_zero(released, index):
    student, source = released[index], SOURCES[index]
    nb = nbformat.read(student, as_version=4)
    text = nbformat.writes(nb)
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text and "YOUR CODE HERE" in text
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(SOURCE)}})
    with pytest.raises(CellExecutionError) as err:
        client.execute()
    assert err.value.ename == "NotImplementedError"
    report = grading.autograde(student, source, cwd=SOURCE)
    assert report.total == 0 and report.max_total > 0, str(report)


def test_grading_command_line_errors(tmp_path, capsys):
    assert grading.main(["autograde", str(tmp_path / "none.ipynb"), "--source", str(SOURCES[0])]) == 2
    assert "no submission notebook" in capsys.readouterr().err
    plain = tmp_path / "plain.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), plain)
    assert grading.main(["release", str(plain), "--out", str(tmp_path / "out")]) == 2
    assert "no graded test cells" in capsys.readouterr().err
