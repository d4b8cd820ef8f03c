"""The main scenario on the simulated card, narrated (what `make demo` runs).

1. boot the real firmware under MicroPython with simulated sensor, panel and BLE
2. pair: authenticated key exchange, 6-digit code on the card, owner confirms on the card
3. enroll an ordered sequence of two fingers (8 guided presses each, merged on the card) -> helper blob + card key;
   the card mixes in its card factor through the backup service (run in-process here: the owner's
   emailed code is read from its outbox), so the computer's files alone cannot give the key share
4. create the wallet: Secret A (encrypted at rest), the HD 2-of-2 MuSig2 Taproot descriptor
   tr(musig(A,B)/<0;1>/*), receive #0 checked on the card
5. an HD receive: the host hands out the next unused address (receive #1), the card derives it
   itself and shows it with its index
6. co-sign a spend of that coin with change to change #1: the card derives both, shows outputs,
   change (with its index) and fee, the owner pages through and presents the finger sequence;
   the host aggregates, verifies and finalizes
7. recovery: a brand-new card + the backed-up blob + the same fingers + the card factor from the
   service (after its email check) -> the same key share, and it co-signs again (spending the
   change #1 coin)
The owner's fingers are synthetic prints from the project's own generator, so this runs
without ../shared; every image still reaches the card as ZFM bytes over the simulated UART.
"""
import os
import shutil
import tempfile
import time
from pathlib import Path

from . import card_factor, keystore, pairing, state
from .card import connect
from .cosign import cosign
from .sim import synthetic
from .sim.runner import SimCard
from .signing import individual_pk
from .wallet.descriptor import Descriptor
from .wallet.keyagg import wallet_keys
from .wallet.psbt_build import HdUtxo, build_hd

FINGERS = [(2, 1), (7, 2)]  # (ISO finger position, synthetic finger number): right index, left index
PASSPHRASE = "demo passphrase (use a real one)"
EMAIL = "owner@example.org"
NETWORK = "regtest"


class Narrator:
    def __init__(self, out=print):
        self.out = out
        self.t0 = time.monotonic()
        self.step = 0

    def __call__(self, text):
        self.step += 1
        self.out("[%5.1fs] %d. %s" % (time.monotonic() - self.t0, self.step, text))

    def detail(self, text):
        self.out("          " + text)


def finger_image(finger, impression):
    return synthetic.impression(finger, impression)


def _pair(sim, home, say):
    with connect("sim:" + sim.ble_path, home=home, secure=False) as card:
        info = card.info()
        say.detail("card %s answers, firmware %s, paired=%s" % (info["name"], info["version"], info["paired"]))
        hp_codes = []

        def ask_code():
            # Numeric comparison: the computer prints its code, the card shows its own (see the
            # screens folder); the owner sees the same 6 digits on both, says so here and
            # touches the card's sensor to confirm.
            code = hp_codes[0]
            say.detail("the computer and the card both show %s %s; the owner touches the card to confirm"
                       % (code[:3], code[3:]))
            sim.queue(("finger", finger_image(9, 0)))
            return code

        record = _pair_with_code(card.client, hp_codes, ask_code)
        pairing.save_record(record, home)
        say.detail("paired; pairing record saved 0600 in %s" % pairing.record_path(home))


def _pair_with_code(client, codes, ask_code):
    hp = pairing.HostPairing()
    m2 = client.call("pair.init", {"m": hp.start()})["m"]
    client.call("pair.reveal", {"m": hp.on_card(m2)})
    codes.append(hp.code)
    m4 = hp.confirm_code(ask_code())
    m5 = client.call("pair.confirm", {"m": m4}, timeout=pairing.PAIR_CONFIRM_TIMEOUT)["m"]
    return hp.on_card_confirm(m5)


ENROLL_PRESSES = 8  # the card's default: a phone-style guided enrollment


def _service(say, h=None):
    """bioshard-backup in-process (its mail is an outbox the demo reads; `h`: one already running)
    and a signed-in client."""
    from bioshard_backup.testing import Harness

    from .facepass.client import BackupClient, HttpxTransport

    h = h or Harness()
    svc = BackupClient(HttpxTransport(h.client))
    svc.start(EMAIL)
    svc.verify(EMAIL, h.last_code(EMAIL))
    say.detail("signed in to the backup service as %s with the emailed 6-digit code" % EMAIL)
    return h, svc


def _card_factor(card, svc, res, say):
    done = card_factor.finish(card, svc, res)
    say.detail("card factor: the card sent a blinded point %s…, the service answered (OPRF, "
               "rate limited), the card unblinded and kept the factor; the computer never saw it"
               % res["blinded"].hex()[:16])
    return done


def _owner(sim, first=0):
    """The owner answers the card's finger prompts from its screen (bioshard.sim.owner): a press
    the card does not take is followed by another, as a person would."""
    return sim.owner([synth for _, synth in FINGERS], first)


def _enroll(card, sim, svc, say):
    svc.card_key()
    with _owner(sim) as owner:
        res = card.call("enroll", {"fingers": [f for f, _ in FINGERS], "presses": ENROLL_PRESSES,
                                   "network": NETWORK, "factor": True})
    say.detail("%s presses, guided by the card's screens" % " + ".join(str(owner.count(s)) for _, s in FINGERS))
    blob = res["blob"]
    res = _card_factor(card, svc, res, say)
    say.detail("helper blob: %d bytes (public; backed up by the host); card key share pubkey %s…"
               % (len(blob), res["pubkey"].hex()[:16]))
    return blob, res["pubkey"]


def _create_wallet(card, sim, home, card_pub, say):
    secret_a = keystore.new_secret()
    host_pub = individual_pk(secret_a)
    keystore.save(state.secret_path(home), secret_a, PASSPHRASE, host_pub)
    desc = Descriptor.hd_from_keys([host_pub, card_pub], NETWORK)
    res = card.call("wallet.set", {"participants": [host_pub, card_pub]})
    parts, agg, out_key = wallet_keys([host_pub, card_pub])
    assert res["output_key"] == out_key, "card and host disagree on the wallet key"
    addr = desc.address(0, False, NETWORK)
    say.detail("Secret A encrypted at rest (scrypt + AES-GCM) in %s" % state.secret_path(home))
    say.detail("descriptor: %s" % desc)
    sim.queue(("finger", finger_image(9, 1)))  # the owner compares and touches to confirm
    shown = card.call("address.show", {"index": 0, "change": False})
    sim.clear_queue()
    say.detail("receive #0 %s — the card derives and shows the same (%s), owner confirmed: %s"
               % (addr, shown["address"] == addr, shown["confirmed"]))
    return secret_a, host_pub, desc, addr


def _spend_psbt(desc, amount_in, pay_to, amount_out, fee, txid_byte):
    """A coin of `amount_in` at receive #0 spent to `pay_to`, the rest to change #0."""
    coin = (bytes([txid_byte]).hex() * 32, 0, amount_in, (0, 0))
    return _spend_coin(desc, coin, pay_to, amount_out, fee, 0)


def _spend_coin(desc, coin, pay_to, amount_out, fee, change_index):
    """Spend one HD coin (txid hex, vout, amount, (branch, index)) to `pay_to`, the rest to
    change #change_index (with the derivation fields the card checks)."""
    txid, vout, amount_in, (branch, index) = coin
    utxo = HdUtxo(txid, vout, amount_in, desc, index, bool(branch))
    return build_hd(desc, [utxo], [(pay_to, amount_out)], (amount_in - amount_out - fee, change_index)).serialize()


def _hd_receive(card, sim, home, desc, say):
    """The next unused receive address, as `bioshard wallet address` hands it out, shown on the
    card with its index."""
    doc = state.load(home)
    index = int(doc.get("next_receive", 0))
    doc["next_receive"] = index + 1
    state.save(doc, home)
    addr = desc.address(index, False, NETWORK)
    sim.queue(("finger", finger_image(9, 1)))
    shown = card.call("address.show", {"index": index, "change": False})
    sim.clear_queue()
    say.detail("receive #%d: %s — the card derives the same: %s" % (index, addr, shown["address"] == addr))
    if shown["address"] != addr:
        raise SystemExit("the card derived another receive address")
    return index


def _sign(card, sim, psbt, secret_a, card_pub, blob, fingers, say):
    """fingers: [(synthetic finger, its first impression)] in the sequence's order."""
    from bioshard_card.ui.review import pages

    # The same code as the card's: how many review pages the owner will touch through.
    n_pages = len(pages(_host_review(psbt, secret_a, card_pub)))
    say.detail("the card shows %d review pages; the owner touches through them, then presents the sequence"
               % n_pages)
    with sim.owner([synth for synth, _ in fingers], dict(fingers)) as owner:
        _, raw = cosign(card, psbt, secret_a, card_pub, blob)
    if owner.taps != n_pages - 1:
        raise SystemExit("the card asked for %d touches, not one per review page" % owner.taps)
    return raw


def _host_review(psbt, secret_a, card_pub):
    from bioshard_card.btc.review import Wallet, review_psbt

    parts, agg, out_key = wallet_keys([individual_pk(secret_a), card_pub])
    return review_psbt(psbt, Wallet(out_key, agg, parts, card_pub, NETWORK))


def _verify(raw, desc, amount_in, say):
    """_verify_coin for a _spend_psbt spend (receive #0, change to change #0)."""
    return _verify_coin(raw, desc, (None, 0, amount_in, (0, 0)), 0, say)


def _verify_coin(raw, desc, coin, change_index, say):
    """Check the finished transaction with libsecp256k1 against the BIP-341 sighash, and that
    its change pays change #change_index. Returns the change coin."""
    from coincurve import PublicKeyXOnly

    from bioshard_card.btc.sighash import SighashCache
    from bioshard_card.btc.tx import parse_tx, txid_of_serialized

    _, _, amount_in, (branch, index) = coin
    spent = desc.script(index, bool(branch))
    tx, witnesses = parse_tx(raw)
    say.detail("raw transaction: %d bytes, %s…" % (len(raw), raw.hex()[:48]))
    msg = SighashCache(tx, [amount_in], [spent]).sighash(0, 0)
    ok = PublicKeyXOnly(spent[2:]).verify(witnesses[0][0], msg)
    say.detail("spending %s #%d: libsecp256k1 verifies the key-path signature for the wallet's output key: %s"
               % ("change" if branch else "receive", index, ok))
    change = tx.outputs[-1]
    if not ok or change.script != desc.script(change_index, True):
        raise SystemExit("the finished transaction does not verify or its change is not change #%d" % change_index)
    say.detail("change %s to change #%d: %s" % (_btc(change.amount), change_index,
                                                   desc.address(change_index, True, NETWORK)))
    from bioshard_card.btc.compact import Reader

    txid = txid_of_serialized(Reader(tx.serialize()))[::-1].hex()
    return (txid, len(tx.outputs) - 1, change.amount, (1, change_index))


def _btc(sats):
    from bioshard_card.btc.amounts import format_btc

    return format_btc(sats)


def run(out_dir="out/demo", say=None, keep_state=False):
    say = say or Narrator()
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    screens = out / "screens"
    home = Path(tempfile.mkdtemp(prefix="bioshard-demo-home-"))
    os.environ["BIOSHARD_HOME"] = str(home)
    try:
        say("Booting the real card firmware on the simulated card (MicroPython unix port)")
        sim = SimCard(state_dir=out / "card1", screens_dir=screens / "card1")
        with sim:
            say.detail("sensor, panel and BLE are simulated at the wire level; screens -> %s" % (screens / "card1"))
            say("Pairing the computer with the card")
            _pair(sim, home, say)
            with connect("sim:" + sim.ble_path, home=home) as card:
                say("Enrolling an ordered sequence of two fingers: right index, then left index")
                h, svc = _service(say)
                blob, card_pub = _enroll(card, sim, svc, say)
                (home / "helper_blob.bin").write_bytes(blob)
                say("Creating the 2-of-2 wallet")
                secret_a, host_pub, desc, addr = _create_wallet(card, sim, home, card_pub, say)
                state.save({"card_pubkey": card_pub.hex(), "host_pubkey": host_pub.hex(), "network": NETWORK,
                            "blob": blob.hex(), "descriptor": str(desc),
                            "card_factor": {"service": "in-process", "email": EMAIL},
                            "next_receive": 1}, home)  # receive #0 was shown at creation
                say("An HD receive: the next unused address, derived and shown by the card")
                index = _hd_receive(card, sim, home, desc, say)
                coin = ("ab" * 32, 0, 2_500_000, (0, index))
                say.detail("a payer sends 0.025 BTC to receive #%d (txid abab…, output 0)" % index)
                say("Co-signing a spend of that coin: 0.015 BTC to a friend, change to change #1")
                friend = bytes.fromhex("5120") + bytes(range(32))
                psbt = _spend_coin(desc, coin, friend, 1_500_000, 1_000, 1)
                raw = _sign(card, sim, psbt, secret_a, card_pub, blob, [(1, 9), (2, 10)], say)
                change_coin = _verify_coin(raw, desc, coin, 1, say)
                say("Portfolio: the host pushes balance and recent transactions to the idle screen")
                card.call("portfolio.push", {"balance": 999_000, "txs": [["sent to friend", -1_501_000],
                                                                         ["received", 2_500_000]]}, timeout=30)
                say.detail("the card now shows 0.00999000 BTC and the last two transactions while idle")
        say("Recovery: the card is lost; a brand-new card, the backed-up blob, the same fingers and the "
            "card factor from the backup service")
        sim2 = SimCard(state_dir=out / "card2", screens_dir=screens / "card2")
        with sim2:
            _pair(sim2, home, say)
            with connect("sim:" + sim2.ble_path, home=home) as card:
                with _owner(sim2, 11):
                    res = card.call("recover", {"blob": blob, "network": NETWORK, "factor": True})
                svc.start(EMAIL)  # a new sign-in: the new card's factor needs the email check again
                svc.verify(EMAIL, h.last_code(EMAIL))
                res = _card_factor(card, svc, res, say)
                same = res["pubkey"] == card_pub
                say.detail("new card derived card key %s… — same as before: %s" % (res["pubkey"].hex()[:16], same))
                if not same:
                    raise SystemExit("recovery derived a different key share")
                card.call("wallet.set", {"participants": [host_pub, card_pub]})
                psbt = _spend_coin(desc, change_coin, friend, 200_000, 800, 2)
                raw2 = _sign(card, sim2, psbt, secret_a, card_pub, blob, [(1, 12), (2, 13)], say)
                _verify_coin(raw2, desc, change_coin, 2, say)
                say.detail("the new card co-signed: %d-byte transaction" % len(raw2))
        n1 = len(list((screens / "card1").glob("*.png")))
        n2 = len(list((screens / "card2").glob("*.png")))
        say("Done. %d + %d screens saved as PNG in %s" % (n1, n2, screens))
        return {"raw": raw, "raw2": raw2, "screens": screens}
    finally:
        if not keep_state:
            shutil.rmtree(home, ignore_errors=True)
