"""Labels used by the face-pass measurement (host/bioshard/facepass/eval.py)."""
import csv

import pytest

from bioshard.facepass import eval as ev


def test_labels_join_yes_pairs_and_refuse_contradictions(tmp_path):
    (tmp_path / "master.csv").write_text("file_x,file_y,Decision\na.jpg,b.jpg,Yes\nb.jpg,c.jpg,Yes\n"
                                         "c.jpg,d.jpg,No\n")
    cl, differ = ev.labels(tmp_path)
    assert cl["a.jpg"] == cl["c.jpg"] != cl["d.jpg"]
    assert (cl["a.jpg"], cl["d.jpg"]) in differ and (cl["d.jpg"], cl["a.jpg"]) in differ
    (tmp_path / "master.csv").write_text("file_x,file_y,Decision\na.jpg,b.jpg,Yes\nb.jpg,c.jpg,Yes\n"
                                         "a.jpg,c.jpg,No\n")
    with pytest.raises(ValueError):
        ev.labels(tmp_path)


def test_deepface_labels_agree_with_every_listed_pair(shared):
    folder = shared / "faces" / "deepface"
    cl, differ = ev.labels(folder)
    with open(folder / "master.csv") as f:
        rows = [r for r in csv.reader(f)][1:]
    assert len(rows) >= 250
    for a, b, d in rows:
        assert (cl[a] == cl[b]) == (d == "Yes")
    assert len(set(cl.values())) >= 10
