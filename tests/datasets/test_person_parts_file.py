"""Per-person keypoint / part files: npz and json round trips, and rejection of bad input naming
the file and the key."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from mmaction_plugins.datasets.person_parts_file import (
    PersonParts,
    load_person_parts,
    save_person_parts,
    validate_person_parts,
)

KPT_NAMES = tuple(f'k{i}' for i in range(17))
PART_NAMES = ('head', 'torso', 'left_upper_arm')


def _sample(keypoints: bool = True, parts: bool = True) -> PersonParts:
    rng = np.random.default_rng(0)
    boxes, kpts, prts = {}, {}, {}
    for key, n in (('vid_a,0902', 2), ('vid_a,0903', 0), ('sport/v.mp4,0017', 3)):
        xy = np.sort(rng.uniform(0, 1, (n, 2, 2)), axis=1).reshape(n, 4)
        boxes[key] = np.concatenate([xy, rng.uniform(0, 1, (n, 1))], axis=1)
        kpts[key] = np.concatenate([rng.uniform(0, 1, (n, 17, 2)),
                                    rng.uniform(-0.1, 1.2, (n, 17, 1))], axis=2)
        part_xy = np.sort(rng.uniform(0, 1, (n, 3, 2, 2)), axis=2).reshape(n, 3, 4)
        prts[key] = np.concatenate([part_xy, rng.uniform(0.05, 1, (n, 3, 1))], axis=2)
        if n:
            prts[key][0, 1] = 0.0  # torso of the first person not detected
    return PersonParts(boxes=boxes, keypoints=kpts if keypoints else None,
                       parts=prts if parts else None,
                       keypoint_names=KPT_NAMES if keypoints else (),
                       part_names=PART_NAMES if parts else ())


def _assert_same(a: PersonParts, b: PersonParts, atol: float) -> None:
    assert sorted(a.boxes) == sorted(b.boxes)
    assert a.keypoint_names == b.keypoint_names and a.part_names == b.part_names
    assert (a.keypoints is None) == (b.keypoints is None) and (a.parts is None) == (b.parts is None)
    for key in a.boxes:
        np.testing.assert_allclose(a.boxes[key], b.boxes[key], rtol=0, atol=atol)
        if a.keypoints is not None and b.keypoints is not None:
            np.testing.assert_allclose(a.keypoints[key], b.keypoints[key], rtol=0, atol=atol)
        if a.parts is not None and b.parts is not None:
            np.testing.assert_allclose(a.parts[key], b.parts[key], rtol=0, atol=atol)


@pytest.mark.parametrize('ext, atol', [('npz', 0.0), ('json', 1e-6)])
@pytest.mark.parametrize('keypoints, parts', [(True, True), (True, False), (False, True)])
def test_round_trip(tmp_path, ext, atol, keypoints, parts):
    data = _sample(keypoints, parts)
    path = tmp_path / f'p.{ext}'
    save_person_parts(data, path)
    back = load_person_parts(path)
    _assert_same(data, back, atol)
    assert back.boxes['vid_a,0903'].shape == (0, 5)
    if parts:
        assert back.parts is not None and back.parts['vid_a,0903'].shape == (0, 3, 5)
        np.testing.assert_array_equal(back.parts['vid_a,0902'][0, 1], 0.0)
    if keypoints:
        assert back.keypoints is not None and back.keypoints['sport/v.mp4,0017'].shape == (3, 17, 3)


def test_empty_file_round_trips(tmp_path):
    data = PersonParts(boxes={}, parts={}, part_names=PART_NAMES)
    for ext in ('npz', 'json'):
        save_person_parts(data, tmp_path / f'e.{ext}')
        back = load_person_parts(tmp_path / f'e.{ext}')
        assert back.boxes == {} and back.parts == {} and back.part_names == PART_NAMES


def _bad(**changes) -> PersonParts:
    data = _sample()
    for name, (key, value) in changes.items():
        getattr(data, name)[key] = value
    return data


@pytest.mark.parametrize('data, match', [
    (_bad(boxes=('vid_a,0902', np.full((2, 5), 0.5)[:, :4])), r"'vid_a,0902': boxes must be"),
    (_bad(boxes=('vid_a,0902', np.array([[0.1, 0.1, 1.5, 0.5, 1], [0, 0, 1, 1, 1]]))),
     r"'vid_a,0902': boxes must be relative"),
    (_bad(keypoints=('vid_a,0902', np.zeros((3, 17, 3)))), r"'vid_a,0902': keypoints must be "
                                                           r'\(N=2'),
    (_bad(keypoints=('vid_a,0902', np.full((2, 17, 3), 2.0))), r"'vid_a,0902': keypoint x, y"),
    (_bad(parts=('sport/v.mp4,0017', np.zeros((3, 2, 5)))), r"'sport/v.mp4,0017': parts must"),
    (_bad(parts=('vid_a,0902', np.full((2, 3, 5), np.nan))), r"'vid_a,0902': parts has non-"),
    (_bad(parts=('vid_a,0902', np.tile([0.2, 0.2, 0.1, 0.4, 0.5], (2, 3, 1)))),
     r"'vid_a,0902': part boxes with x2 < x1"),
    (_bad(parts=('vid_a,0902', np.tile([0.2, 0.2, 0.3, 0.4, 0.0], (2, 3, 1)))),
     r"'vid_a,0902': a part with score 0 \(not detected\) must have the box 0, 0, 0, 0"),
    (_bad(parts=('vid_b,0902', np.zeros((0, 3, 5)))), r"'vid_b,0902': parts and boxes have"),
    (_bad(boxes=('vid_b0902', np.zeros((0, 5)))), r"key 'vid_b0902' is not"),
])
def test_validation_names_source_and_key(data, match):
    with pytest.raises(ValueError, match=match):
        validate_person_parts(data, 'SRC')
    with pytest.raises(ValueError, match='SRC: '):
        validate_person_parts(data, 'SRC')


def test_validation_of_names_and_contents():
    with pytest.raises(ValueError, match='neither keypoints nor parts'):
        validate_person_parts(PersonParts(boxes={}), 'SRC')
    data = _sample()
    data.part_names = ('head', 'head', 'torso')
    with pytest.raises(ValueError, match='part_names has duplicates'):
        validate_person_parts(data, 'SRC')


def test_saving_bad_data_writes_nothing(tmp_path):
    path = tmp_path / 'p.npz'
    with pytest.raises(ValueError, match=r'p\.npz.*keypoint x, y'):
        save_person_parts(_bad(keypoints=('vid_a,0902', np.full((2, 17, 3), 2.0))), path)
    assert not path.exists()


def _npz(path, **arrays) -> None:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path.write_bytes(buf.getvalue())


def test_bad_files_are_rejected_naming_file_and_key(tmp_path):
    good = tmp_path / 'good.npz'
    save_person_parts(_sample(), good)
    with np.load(good) as z:
        arrays = {k: z[k] for k in z.files}

    path = tmp_path / 'bad.npz'
    _npz(path, **{k: v for k, v in arrays.items() if k != 'counts'})
    with pytest.raises(ValueError, match=r"bad\.npz: needs arrays keys/counts/boxes; missing "
                                         r"\['counts'\]"):
        load_person_parts(path)
    _npz(path, **dict(arrays, counts=arrays['counts'] + 1))
    with pytest.raises(ValueError, match=r'bad\.npz: "boxes" has 5 rows, counts sum to 8'):
        load_person_parts(path)
    _npz(path, **{k: v for k, v in arrays.items() if k != 'part_names'})
    with pytest.raises(ValueError, match=r'bad\.npz: "parts" and "part_names" must come'):
        load_person_parts(path)
    _npz(path, **dict(arrays, keypoints=arrays['keypoints'] * 3))
    with pytest.raises(ValueError, match=r"bad\.npz: key '[^']+': keypoint x, y"):
        load_person_parts(path)
    obj = dict(arrays, keys=np.array([{'a': 1}] * 3, dtype=object))
    buf = io.BytesIO()
    np.savez(buf, **obj)
    path.write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match='Object arrays cannot be loaded'):  # no unpickling
        load_person_parts(path)

    jpath = tmp_path / 'bad.json'
    save_person_parts(_sample(), jpath)
    raw = json.loads(jpath.read_text())
    raw['frames']['vid_a,0902']['parts'][1][2] = [0.1, 0.2, 0.3]
    jpath.write_text(json.dumps(raw))
    with pytest.raises(ValueError, match=r"bad\.json: key 'vid_a,0902': parts is not a numeric"):
        load_person_parts(jpath)
    del raw['frames']['vid_a,0902']['parts']
    jpath.write_text(json.dumps(raw))
    with pytest.raises(ValueError, match=r"bad\.json: key 'vid_a,0902': \"parts\" must be "
                                         r'present exactly when "part_names" is set'):
        load_person_parts(jpath)
    jpath.write_text('{"frames": {"a,1": {"boxes": [')
    with pytest.raises(ValueError, match=r'bad\.json: line 1: invalid JSON'):
        load_person_parts(jpath)
    pkl = tmp_path / 'p.pkl'
    pkl.write_bytes(b'')
    with pytest.raises(ValueError, match=r"p\.pkl: unknown person parts format '\.pkl'"):
        load_person_parts(pkl)
    with pytest.raises(FileNotFoundError, match=r'nope\.npz: person parts file not found'):
        load_person_parts(tmp_path / 'nope.npz')
