"""bioshard.bio.extract_batch: the card extractor run from the host, under the `micropython`
unix port (viper kernels, as on the card) or in-process CPython (plain kernels) -- both must
give the same minutiae."""
import sys

import pytest

from bioshard.bio import extract_batch as XB
from bioshard_card.bio import extract as E
from conftest import REPO

sys.path.insert(0, str(REPO / "tests" / "portable"))


def synth_images():
    from test_extract import synth

    return [bytes(synth(120, 140, 30, 1)), bytes(synth(100, 160, 250, -1))]


def test_micropython_and_cpython_agree_on_synthetic():
    if not XB.micropython_exe():
        pytest.skip("micropython unix port not installed")
    imgs = synth_images()
    a = XB.extract_batch(imgs, runner="micropython")
    b = XB.extract_batch(imgs, runner="cpython")
    assert a == b
    assert all(len(ms) == 1 for ms in a)


def test_micropython_and_cpython_agree_on_real(shared):
    if not XB.micropython_exe():
        pytest.skip("micropython unix port not installed")
    sys.path.insert(0, str(REPO / "tools"))
    import minutiae_pairing

    tifs = [shared / "fingerprints" / "fvc2004" / db / "103_4.tif" for db in ("DB1_B", "DB3_B")]
    imgs = [minutiae_pairing.sensor_image(t)[0] for t in tifs]
    a = XB.extract_batch(imgs, runner="micropython", batch=1)
    assert a == XB.extract_batch(imgs, runner="cpython")
    assert all(len(ms) >= 10 for ms in a)


def test_empty_batch_and_bad_sizes():
    assert XB.extract_batch([]) == []
    with pytest.raises(ValueError):
        XB.extract_batch([bytes(E.PACKED_LEN - 1)])
    with pytest.raises(ValueError):
        XB.extract_batch([bytes(E.PACKED_LEN)], runner="gpu")


def test_micropython_failure_is_reported(tmp_path):
    bad = tmp_path / "micropython"
    bad.write_text("#!/bin/sh\necho boom >&2\nexit 3\n")
    bad.chmod(0o755)
    with pytest.raises(RuntimeError, match="boom"):
        XB.extract_batch_micropython([bytes(E.PACKED_LEN)], exe=str(bad))


def test_image_paths_go_through_the_simulated_sensor(shared):
    from bioshard.sim.fingerimage import to_sensor_image

    tif = shared / "fingerprints" / "fvc2004" / "DB2_B" / "105_2.tif"
    by_path = XB.extract_batch([tif, str(tif)], runner="cpython")
    assert by_path[0] == by_path[1] == XB.extract_batch([to_sensor_image(str(tif))], runner="cpython")[0]
    assert len(by_path[0]) >= 10
