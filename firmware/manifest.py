# The card image, in the spirit of MicroPython's manifest.py: what tools/build_mpy.py compiles
# into the card's flash. The card runs every module of the bioshard_card package except those
# listed in HOST_ONLY, which stay in firmware/ because the host imports them as measured
# baselines, prototypes or tools (tests/tools/test_build_mpy.py fails when a card module imports one
# of them, or anything else outside the image).
PACKAGE = "bioshard_card"

HOST_ONLY = (
    # the v2 alignment-free fuzzy commitment: `bioshard bio eval --scheme commitment`
    "bio/fuzzy.py",
    "bio/template.py",
    "bio/template_prior.py",
    # BCH code: the commitment baseline and the host's face pass
    "bio/ecc_bch.py",
    # chaff fuzzy-vault prototype: `bioshard bio eval --scheme vault`
    "bio/vault.py",
    # BIP-340 signing/verification: the card signs through MuSig2 only; host tests and vectors
    "crypto/bip340.py",
    # every screen with sample data, for `make screens` and the golden PNGs
    "ui/gallery.py",
)


def card_modules(pkg_dir):
    """Paths of the package's modules that ship to the card, sorted."""
    out = []
    for src in sorted(pkg_dir.rglob("*.py")):
        rel = src.relative_to(pkg_dir).as_posix()
        if rel not in HOST_ONLY:
            out.append(src)
    return out
