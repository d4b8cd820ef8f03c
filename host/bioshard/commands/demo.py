"""`bioshard demo`: the main scenario on the simulated card, narrated.

Then, when face photos are available (../shared/faces/deepface or --faces DIR), the face-pass
part: lose the computer, restore Secret A from the owner's face on a fresh machine, co-sign.
"""
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
DEFAULT_FACES = REPO.parent / "shared" / "faces" / "deepface"


def register(sub):
    p = sub.add_parser("demo", help="pair, enroll, create a wallet, co-sign and recover on the simulated card")
    p.add_argument("--out", default="out/demo", help="folder for the screens (PNG) and card states")
    p.add_argument("--faces", default=str(DEFAULT_FACES), help="face photos for the face-pass part")
    p.add_argument("--no-faces", action="store_true", help="skip the face-pass part")
    p.set_defaults(func=run)


def run(args):
    from ..demo import Narrator
    from ..demo import run as run_demo

    say = Narrator()
    run_demo(args.out, say=say)
    faces = Path(args.faces)
    if args.no_faces:
        return 0
    if not faces.is_dir():
        say("Face pass skipped: no face photos at %s (pass --faces DIR)" % faces)
        return 0
    from ..facepass.demo import run as run_facepass

    say("Face pass: the computer is lost too; Secret A comes back from the owner's face")
    run_facepass(str(faces), out_dir=str(Path(args.out) / "facepass"), say=say)
    return 0
