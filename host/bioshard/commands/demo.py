"""`bioshard demo`: the main scenario on the simulated card, narrated."""


def register(sub):
    p = sub.add_parser("demo", help="pair, enroll, create a wallet, co-sign and recover on the simulated card")
    p.add_argument("--out", default="out/demo", help="folder for the screens (PNG) and card states")
    p.set_defaults(func=run)


def run(args):
    from ..demo import run as run_demo

    run_demo(args.out)
    return 0
