"""`bioshard facepass enroll|restore|add-heir|checkin`: Secret A back from a face + the backup service.

enroll    wrap Secret A under (face key, OPRF output from the service); upload the blob, and the
          public wallet data (`backup export` content), sealed under the same factors, as the
          `fingerprint` blob
restore   on a fresh BIOSHARD_HOME: email code, blob, liveness, face, OPRF, unwrap; Secret A is
          re-encrypted under a new passphrase and wallet.json rebuilt (`--heir`: an heir's restore)
add-heir  enroll an heir's face for the same Secret A (released after the owner's inactivity)
checkin   tell the service the owner is alive (any owner request does; this one does only that)
Faces come from `--face` (an image, or a folder of frames in name order) or `--camera`.
"""

from .. import keystore, state
from ..errors import BadInputError
from . import _service
from ._common import passphrase, progress

SAME_PERSON = 0.6  # dlib's Euclidean threshold between embeddings of one person


def register(sub):
    p = sub.add_parser("facepass", help="restore Secret A from your face with the backup service")
    fs = p.add_subparsers(dest="facepass_command", metavar="FACEPASS_COMMAND")

    def common(x, face=True):
        _service.add_service_options(x)
        if face:
            g = x.add_mutually_exclusive_group(required=True)
            g.add_argument("--face", action="append", help="image or folder of frames (repeatable)")
            g.add_argument("--camera", type=int, nargs="?", const=0, help="camera index (default 0)")

    e = fs.add_parser("enroll", help="wrap Secret A with your face and upload the blob")
    common(e)
    e.set_defaults(func=enroll)
    r = fs.add_parser("restore", help="get Secret A back on a new computer")
    common(r)
    r.add_argument("--heir", action="store_true", help="restore as an heir (your own email)")
    r.add_argument("--heir-id", help="which inheritance, when several are released")
    r.add_argument("--challenge", help="recorded frames only: the challenge they answer, e.g. left,smile "
                                       "(a known challenge is weak liveness; prefer --camera)")
    r.add_argument("--force", action="store_true", help="replace an existing Secret A here")
    r.set_defaults(func=restore)
    h = fs.add_parser("add-heir", help="enroll an heir's face for the same Secret A")
    common(h)
    h.add_argument("--heir-email", required=True)
    h.add_argument("--inactivity-days", type=int, default=365)
    h.set_defaults(func=add_heir)
    c = fs.add_parser("checkin", help="reset the inactivity clock of your heirs' release")
    common(c, face=False)
    c.set_defaults(func=checkin)
    p.set_defaults(func=lambda a: p.print_help() or 2)


# --- service -------------------------------------------------------------------------------

def login(args):
    return _service.login(args.service, args.email)


# --- faces ---------------------------------------------------------------------------------

def _frames(args):
    """Yield RGB frames from --face paths (or views of a single photo) or the camera."""
    from ..facepass import face

    if args.camera is not None:
        from ..facepass import camera

        return camera.capture(index=args.camera, prompt=getattr(args, "_prompt", None))
    files = [f for p in args.face for f in face.image_files(p)]
    return [face.load_image(f) for f in files]


def _analyse(frames, single_face=True):
    import numpy as np

    from ..facepass import face

    embs, lms = [], []
    for img in frames:
        try:
            e, lm, count = face.analyse(img)
        except face.NoFaceError:
            continue
        if single_face and count > 1:
            raise BadInputError("more than one face in view: only the enrolled person may be in the frame")
        embs.append(e)
        lms.append(lm)
    if not embs:
        raise BadInputError("no face found in the frames")
    med = np.median(embs, axis=0)
    if max(float(np.linalg.norm(e - med)) for e in embs) > SAME_PERSON:
        raise BadInputError("the frames do not all show the same person")
    return embs, lms


def _enroll_embeddings(args):
    from ..facepass import face

    frames = _frames(args)
    if len(frames) == 1:  # one photo: enroll from small variations of it, as a burst would vary
        progress("one photo given: enrolling from %d views of it" % len(face.ENROLL_VIEWS))
        frames = [face.view(frames[0], v) for v in face.ENROLL_VIEWS]
    embs, _ = _analyse(frames)
    if len(embs) < 2:
        raise BadInputError("enrollment needs a face in at least 2 frames")
    return embs


def _secret_a():
    return keystore.load(state.secret_path(), passphrase())


def _wallet_export():
    from .backup import FIELDS

    doc = state.load(required=False)
    out = {"bioshard_backup": 1}
    out.update({k: doc[k] for k in FIELDS if k in doc})
    return out


# --- commands ------------------------------------------------------------------------------

def enroll(args):
    from ..facepass import flow
    from ..facepass.client import ServiceError

    secret_a = _secret_a()
    embs = _enroll_embeddings(args)
    svc = login(args)
    try:
        pub = svc.owner_key()
    except ServiceError as e:
        if e.status != 409:
            raise
        pub = _earlier_public_key(svc)  # re-enrollment: the service keeps the first key
    wallet = _wallet_export()
    blob, sealed = flow.owner_enroll(secret_a, embs, svc.owner_oprf, pub,
                                     wallet=wallet if "blob" in wallet else None, email=args.email)
    version = svc.put_blob("facepass", blob)
    if sealed:  # the wallet data, sealed under the face pass (the service sees ciphertext)
        svc.put_blob("fingerprint", sealed)
    print("face pass enrolled from %d frames (blob version %d)%s" % (
        len(embs), version, "; wallet backup uploaded" if "blob" in wallet else ""))
    return 0


def _earlier_public_key(svc):
    """The OPRF public key recorded in the previous blob (informational: for a future DLEQ check)."""
    from ..facepass import wrap
    from ..facepass.client import ServiceError

    try:
        return bytes.fromhex(wrap.parse(svc.get_blob("facepass"))["oprf_public_key"])
    except (ServiceError, BadInputError):
        return b""


def _pick_inheritance(svc, heir_id):
    items = [x for x in svc.inheritance() if not heir_id or x["heir_id"] == heir_id]
    if not items:
        raise BadInputError("no inheritance for this email")
    released = [x for x in items if x["released"]]
    if not released:
        raise BadInputError("not released yet: the owner's inactivity period ends at %s"
                            % min(x["release_at"] for x in items))
    if len(released) > 1:
        raise BadInputError("several released inheritances: pick one with --heir-id (%s)"
                            % ", ".join(x["heir_id"] for x in released))
    return released[0]["heir_id"]


def _liveness(args, lms):
    from ..facepass import liveness

    if args.camera is not None:
        return liveness.neutral_indices(lms)  # checked against the challenge drawn before capture
    if not args.challenge:
        progress("warning: frames from files, no liveness check (use --camera for a live restore)")
        return list(range(len(lms)))
    liveness.check(args.challenge.split(","), lms)
    progress("warning: liveness checked against a challenge known in advance (recorded frames)")
    return liveness.neutral_indices(lms)


def restore(args):
    from ..facepass import flow, liveness, wrap

    path = state.secret_path()
    if path.exists() and not args.force:
        raise BadInputError("a Secret A already exists at %s (use --force to replace it)" % path)
    pw = passphrase(confirm=True)  # asked (and checked) before the camera and the service
    keystore.check_passphrase(pw)
    svc = login(args)
    if args.heir:
        heir_id = _pick_inheritance(svc, args.heir_id)
        blob = svc.inheritance_blob(heir_id)
    else:
        blob = svc.get_blob("facepass")
    doc = wrap.parse(blob)  # fail early on a damaged blob, before the camera
    if args.camera is not None:
        challenge = liveness.new_challenge()
        args._prompt = lambda: progress("look at the camera, then: %s (return to the centre after each)"
                                        % ", then ".join(challenge))
        args.challenge = ",".join(challenge)
    embs, lms = _analyse(_frames(args))
    if args.camera is not None:
        liveness.check(args.challenge.split(","), lms)
    idx = _liveness(args, lms)
    probes = [embs[i] for i in idx] or embs
    if args.heir:
        opened = flow.open_pass(blob, probes, heir_evaluate=lambda b: svc.inheritance_eval(heir_id, b))
    else:
        opened = flow.open_pass(blob, probes, owner_oprf=svc.owner_oprf)
    secret_a = opened.secret
    if path.exists():
        from ._keep import keep_copy

        progress("kept the replaced Secret A as %s" % keep_copy(path))
    keystore.save(path, secret_a, pw, bytes.fromhex(doc["host_pubkey"]))
    restored = "Secret A"
    stored = None
    if not args.heir:
        from ..facepass.client import ServiceError

        try:
            stored = svc.get_blob("fingerprint")
        except ServiceError as e:
            if e.status != 404:
                raise
    try:
        wallet, in_clear = flow.open_wallet(opened, args.email, stored)
    except BadInputError as e:
        raise BadInputError("Secret A is restored into %s, but %s" % (path.parent, e)) from None
    if in_clear:
        progress("warning: the wallet backup on the service is stored in clear (made by an older "
                 "version); %s to store it encrypted" % (
                     "ask the owner to run `bioshard facepass add-heir` again" if args.heir
                     else "run `bioshard facepass enroll` again"))
    if wallet:
        _restore_wallet(wallet, doc["host_pubkey"])
        restored += " and wallet data"
    print("%s restored into %s, encrypted under the new passphrase" % (restored, path.parent))
    return 0


def _restore_wallet(wallet, host_pubkey):
    from .backup import FIELDS

    if wallet.get("bioshard_backup") != 1:
        raise BadInputError("the stored wallet backup is not version 1")
    if wallet.get("host_pubkey", host_pubkey) != host_pubkey:
        raise BadInputError("the stored wallet backup belongs to another Secret A")
    cur = state.load(required=False)
    cur.update({k: wallet[k] for k in FIELDS if k in wallet})
    state.save(cur)


def add_heir(args):
    from ..facepass import flow

    secret_a = _secret_a()
    embs = _enroll_embeddings(args)
    svc = login(args)
    heir_id = svc.add_heir(args.heir_email, args.inactivity_days)
    pub = svc.heir_key(heir_id)
    wallet = _wallet_export()
    svc.put_heir_blob(heir_id, flow.heir_blob(secret_a, embs, pub, wallet=wallet, email=args.heir_email))
    print("heir %s enrolled (id %s): released after %d days without a check-in, with notices to you at "
          "30, 7 and 1 day(s) before" % (args.heir_email, heir_id, args.inactivity_days))
    return 0


def checkin(args):
    svc = login(args)
    print("checked in (last seen %s)" % svc.checkin())
    return 0
